"""Scheduled work: issue deadlines and period clearings, each exactly once.

The database is the truth about what is due; a tick (APScheduler's, or the
console's simulated clock) only asks. Each item runs in its own transaction and is
re-checked there under a lock, so two processes or a restart mid-clearing never
do it twice, and after downtime every missed item runs in time order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.bonds import IssueStatus
from domain.model import Commune
from domain.periods import Period
from domain.ports import UnitOfWork, UnitOfWorkFactory
from handlers.clearing import clear
from handlers.commands.bonds import issue_view
from handlers.outbound import to_groups, to_member

DEADLINE, CLEARING = 0, 1
MAX_PERIODS_PER_TICK = 240


@dataclass(frozen=True, order=True)
class DueItem:
    when: datetime
    kind: int
    commune_id: int
    key: str  # the issue number, or the period


def next_period(uow: UnitOfWork, commune: Commune) -> Period:
    """Periods clear strictly in order: each one's carry is the next one's carry in."""
    latest = uow.clearings.latest(commune.id)
    if latest is not None:
        return Period.parse(latest.period).next()
    return Period.containing(commune.created_at, commune.timezone)


def due_items(uow: UnitOfWork, now: datetime) -> list[DueItem]:
    items = [
        DueItem(deadline, DEADLINE, commune_id, str(number))
        for deadline, commune_id, number in uow.bonds.due_deadlines(now)
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
    for pledge in issue.pledges:
        pledger = uow.communes.member(pledge.member_id)
        messages.append(
            to_member(
                uow,
                commune,
                pledger,
                "pledge_released",
                issue=view,
                amount=pledge.amount,
                reason="expired",
            )
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
    """Run everything due at ``now``, oldest first; returns what this call ran."""
    with uow_factory() as uow:
        items = due_items(uow, now)
    done = []
    for item in items:
        with uow_factory() as uow:
            ran = _expire(uow, item) if item.kind == DEADLINE else _clear(uow, item)
            if not ran:
                continue
            if before_commit is not None:
                before_commit(item)
            try:
                uow.commit()
            except Exception as error:  # a second process committed the same item first
                if _is_duplicate(error):
                    continue
                raise
            done.append(item)
    return done


def _is_duplicate(error: Exception) -> bool:
    return type(error).__name__ == "IntegrityError"
