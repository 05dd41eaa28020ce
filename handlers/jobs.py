"""Scheduled work: bond deadlines, period clearings and assembly steps, each exactly once.

The database is the truth about what is due; a tick (APScheduler's, or the
console's simulated clock) only asks. Each item runs in its own transaction and is
re-checked there under a lock, so two processes or a restart mid-clearing never
do it twice, and after downtime every missed item runs in time order.

An item that fails is rolled back and waits to be retried (handlers/job_failures.py)
while everything else runs: one commune's failing clearing holds back only that
commune's later periods, never its deadlines or assemblies, nor any other commune.

Each kind of due work is its own type (domain/due.py), run by the function
registered for that type below.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import singledispatch
from typing import assert_never

from domain.assemblies import Assembly, AssemblyStatus
from domain.bonds import IssueStatus
from domain.due import (
    AssemblyClosing,
    AssemblyOpening,
    AssemblyReminder,
    AssemblyStep,
    BondDeadline,
    DueWork,
    PaymentWindow,
    PeriodClearing,
)
from domain.model import Commune
from domain.periods import Period, open_period
from domain.ports import UnitOfWork, UnitOfWorkFactory
from handlers.assembly_jobs import close_voting, open_voting, remind
from handlers.bond_views import issue_view
from handlers.clearing import clear
from handlers.job_failures import failed, waiting, went_through
from handlers.outbound import to_groups, to_members
from handlers.pledge_payments import end_window, refunds_due

MAX_PERIODS_PER_TICK = 240
MAX_PASSES = 60


def next_period(uow: UnitOfWork, commune: Commune) -> Period:
    """Periods clear strictly in order: each one's carry is the next one's carry in."""
    latest = uow.clearings.latest(commune.id)
    return open_period(latest.period if latest else None, commune.created_at, commune.timezone)


def due_items(uow: UnitOfWork, now: datetime) -> list[DueWork]:
    items: list[DueWork] = [
        *uow.bonds.due_deadlines(now),
        *uow.bonds.due_payment_windows(now),
        *uow.assemblies.due(now),
    ]
    for commune in uow.communes.all():
        period = next_period(uow, commune)
        for _ in range(MAX_PERIODS_PER_TICK):
            ends = period.ends_at(commune.timezone)
            if ends > now:
                break
            items.append(PeriodClearing(commune_id=commune.id, period=period, when=ends))
            period = period.next()
    return sorted(items, key=_in_order)


def _in_order(item: DueWork) -> tuple[datetime, int, int, int, int]:
    """Oldest first; at one instant deadlines, then clearings, then assembly steps, each
    by commune; a commune's steps at one instant close, open, then remind."""
    match item:
        case BondDeadline():
            return (item.when, 0, item.commune_id, 0, item.number)
        case PaymentWindow():
            return (item.when, 0, item.commune_id, 1, item.number)
        case PeriodClearing():
            return (item.when, 1, item.commune_id, 0, 0)
        case AssemblyClosing():
            return (item.when, 2, item.commune_id, 0, item.number)
        case AssemblyOpening():
            return (item.when, 2, item.commune_id, 1, item.number)
        case AssemblyReminder():
            return (item.when, 2, item.commune_id, 1 + item.which, item.number)
        case _:
            assert_never(item)


@singledispatch
def _run(item: DueWork, uow: UnitOfWork, now: datetime) -> bool:
    """Do ``item`` in ``uow`` if it is still to be done; False when there was nothing to do.

    One function per type of due work is registered below; each checks again, under
    a lock, that its item is still due, since another process may have done it.
    """
    raise TypeError(f"no way to run {type(item).__name__}")


@_run.register
def _expire(item: BondDeadline, uow: UnitOfWork, now: datetime) -> bool:
    commune = uow.communes.claim(item.commune_id)
    if commune is None:
        return False
    issue = uow.bonds.get(commune.id, item.number, lock=True)
    if issue is None or issue.status is not IssueStatus.OPEN or issue.deadline > item.when:
        return False
    issue.expire(item.when)
    uow.bonds.save(issue)
    view = issue_view(uow, issue, item.when)
    messages = to_groups(uow, commune, "bond_expired", issue=view)
    messages += to_members(
        uow,
        commune,
        "pledge_released",
        {
            p.member_id: {"issue": view, "amount": p.amount, "reason": "expired"}
            for p in uow.bonds.pledges(issue.id)
        },
    )
    messages += refunds_due(uow, commune, issue, item.when)
    uow.outbox.add(messages, item.when)
    return True


@_run.register
def _payment_window(item: PaymentWindow, uow: UnitOfWork, now: datetime) -> bool:
    commune = uow.communes.claim(item.commune_id)
    if commune is None:
        return False
    issue = uow.bonds.get(commune.id, item.number, lock=True)
    if issue is None or issue.status is not IssueStatus.SOLD or issue.pay_by != item.when:
        return False
    end_window(uow, commune, issue, item.when)
    return True


@_run.register
def _clear(item: PeriodClearing, uow: UnitOfWork, now: datetime) -> bool:
    commune = uow.communes.claim(item.commune_id)
    if commune is None or next_period(uow, commune) != item.period:
        return False  # another worker has it, or cleared it, or an earlier one is pending
    clear(uow, commune, item.period, item.when)
    return True


def _assembly(uow: UnitOfWork, item: AssemblyStep, status: AssemblyStatus) -> Assembly | None:
    """The step's assembly, locked, if it is still in the state the step expects."""
    assembly = uow.assemblies.get(item.commune_id, item.number, lock=True)
    return assembly if assembly is not None and assembly.status is status else None


@_run.register
def _open(item: AssemblyOpening, uow: UnitOfWork, now: datetime) -> bool:
    assembly = _assembly(uow, item, AssemblyStatus.SCHEDULED)
    if assembly is None:
        return False
    open_voting(uow, assembly, item.when)
    return True


@_run.register
def _remind(item: AssemblyReminder, uow: UnitOfWork, now: datetime) -> bool:
    assembly = _assembly(uow, item, AssemblyStatus.OPEN)
    if assembly is None or assembly.reminded >= item.which:
        return False
    remind(uow, assembly, item.which, item.when, now)
    return True


@_run.register
def _close(item: AssemblyClosing, uow: UnitOfWork, now: datetime) -> bool:
    assembly = _assembly(uow, item, AssemblyStatus.OPEN)
    if assembly is None:
        return False
    close_voting(uow, assembly, item.when)
    return True


def run_due(
    uow_factory: UnitOfWorkFactory,
    now: datetime,
    before_commit: Callable[[DueWork], None] | None = None,
) -> list[DueWork]:
    """Run everything due at ``now``, oldest first; returns what this call ran.

    Running one item can make another due (closing a repeating assembly schedules
    the next one), so it looks again until a pass finds nothing left to do. An item
    that raises is rolled back and recorded as failed, and the others go on; it and
    its commune's later clearings wait for its retry.
    """
    done: list[DueWork] = []
    failed_here: set[DueWork] = set()  # even if recording the failure failed too
    for _ in range(MAX_PASSES):
        with uow_factory() as uow:
            items = due_items(uow, now)
            paused = waiting(uow, items, now)
        ran_any = False
        held: set[int] = set()  # communes whose next clearing waits: so do their later ones
        for item in items:
            in_order = isinstance(item, PeriodClearing)
            if in_order and item.commune_id in held:
                continue
            if item in failed_here or item in paused:
                if in_order:
                    held.add(item.commune_id)
                continue
            try:
                ran = _run_item(uow_factory, item, now, before_commit)
            except Exception as error:  # rolled back; recorded; nothing else waits for it
                failed_here.add(item)
                if in_order:
                    held.add(item.commune_id)
                failed(uow_factory, item, now, error)
                continue
            if ran:
                done.append(item)
                ran_any = True
        if not ran_any:
            break
    return done


def _run_item(
    uow_factory: UnitOfWorkFactory,
    item: DueWork,
    now: datetime,
    before_commit: Callable[[DueWork], None] | None,
) -> bool:
    with uow_factory() as uow:
        if not _run(item, uow, now):
            return False
        went_through(uow, item, now)
        if before_commit is not None:
            before_commit(item)
        try:
            uow.commit()
        except Exception as error:  # a second process committed the same item first
            if _is_duplicate(error):
                return False
            raise
        return True


def _is_duplicate(error: Exception) -> bool:
    return type(error).__name__ == "IntegrityError"
