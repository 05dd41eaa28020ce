"""Scheduled work: issue deadlines and period clearings, each exactly once.

The database is the truth about what is due; a tick (APScheduler's, or the
console's simulated clock) only asks. Each item runs in its own transaction and is
re-checked there under a lock, so two processes or a restart mid-clearing never
do it twice, and after downtime every missed item runs in time order.

An item that fails is rolled back and waits to be retried (handlers/job_failures.py)
while everything else runs: one commune's failing clearing holds back only that
commune's later periods, never its deadlines or assemblies, nor any other commune.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.bonds import IssueStatus
from domain.model import Commune
from domain.periods import Period, open_period
from domain.ports import UnitOfWork, UnitOfWorkFactory
from handlers.assembly_jobs import run_assembly_item
from handlers.bond_views import issue_view
from handlers.clearing import clear
from handlers.job_failures import Job, failed, waiting, went_through
from handlers.outbound import to_groups, to_members

DEADLINE, CLEARING, ASSEMBLY = 0, 1, 2
KINDS = ("deadline", "clearing", "assembly")  # DueItem.kind by name, as failures are kept
MAX_PERIODS_PER_TICK = 240
MAX_PASSES = 60


@dataclass(frozen=True, order=True)
class DueItem:
    when: datetime
    kind: int
    commune_id: int
    key: str  # the issue number, the period, or "<what>:<assembly number>"

    @property
    def job(self) -> Job:
        return (self.commune_id, KINDS[self.kind], self.key)


def next_period(uow: UnitOfWork, commune: Commune) -> Period:
    """Periods clear strictly in order: each one's carry is the next one's carry in."""
    latest = uow.clearings.latest(commune.id)
    return open_period(latest.period if latest else None, commune.created_at, commune.timezone)


def due_items(uow: UnitOfWork, now: datetime) -> list[DueItem]:
    items = [
        DueItem(deadline, DEADLINE, commune_id, str(number))
        for deadline, commune_id, number in uow.bonds.due_deadlines(now)
    ]
    items += [
        DueItem(when, ASSEMBLY, commune_id, f"{what}:{number}")
        for when, what, commune_id, number in uow.assemblies.due(now)
    ]
    for commune in uow.communes.all():
        period = next_period(uow, commune)
        for _ in range(MAX_PERIODS_PER_TICK):
            ends = period.ends_at(commune.timezone)
            if ends > now:
                break
            items.append(DueItem(ends, CLEARING, commune.id, str(period)))
            period = period.next()
    return sorted(items)


def _expire(uow: UnitOfWork, item: DueItem) -> bool:
    commune = uow.communes.claim(item.commune_id)
    if commune is None:
        return False
    issue = uow.bonds.get(commune.id, int(item.key), lock=True)
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
    uow.outbox.add(messages, item.when)
    return True


def _clear(uow: UnitOfWork, item: DueItem) -> bool:
    commune = uow.communes.claim(item.commune_id)
    if commune is None or str(next_period(uow, commune)) != item.key:
        return False  # another worker has it, or cleared it, or an earlier one is pending
    clear(uow, commune, Period.parse(item.key), item.when)
    return True


def run_due(
    uow_factory: UnitOfWorkFactory,
    now: datetime,
    before_commit: Callable[[DueItem], None] | None = None,
) -> list[DueItem]:
    """Run everything due at ``now``, oldest first; returns what this call ran.

    Running one item can make another due (closing a repeating assembly schedules
    the next one), so it looks again until a pass finds nothing left to do. An item
    that raises is rolled back and recorded as failed, and the others go on; it and
    its commune's later clearings wait for its retry.
    """
    done: list[DueItem] = []
    failed_here: set[DueItem] = set()  # even if recording the failure failed too
    for _ in range(MAX_PASSES):
        with uow_factory() as uow:
            items = due_items(uow, now)
            paused = waiting(uow, [item.job for item in items], now)
        ran_any = False
        held: set[int] = set()  # communes whose next clearing waits: so do their later ones
        for item in items:
            if item.kind == CLEARING and item.commune_id in held:
                continue
            if item in failed_here or item.job in paused:
                if item.kind == CLEARING:
                    held.add(item.commune_id)
                continue
            try:
                ran = _run_item(uow_factory, item, now, before_commit)
            except Exception as error:  # rolled back; recorded; nothing else waits for it
                failed_here.add(item)
                if item.kind == CLEARING:
                    held.add(item.commune_id)
                failed(uow_factory, item.job, item.when, now, error)
                continue
            if ran:
                done.append(item)
                ran_any = True
        if not ran_any:
            break
    return done


def _run_item(
    uow_factory: UnitOfWorkFactory,
    item: DueItem,
    now: datetime,
    before_commit: Callable[[DueItem], None] | None,
) -> bool:
    with uow_factory() as uow:
        if item.kind == DEADLINE:
            ran = _expire(uow, item)
        elif item.kind == CLEARING:
            ran = _clear(uow, item)
        else:
            what, _, number = item.key.partition(":")
            ran = run_assembly_item(uow, what, item.commune_id, int(number), item.when, now)
        if not ran:
            return False
        went_through(uow, item.job, now)
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
