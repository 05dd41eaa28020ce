"""Bond issues as every message shows them, and found by number.

Shared by the bond commands, /rent, the deadline job and the Telegram adapter's
live bond messages, so an issue reads the same wherever it appears.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.bonds import BondIssue, ended_from, lessee_in, letting_from, rent_in
from domain.errors import Refusal
from domain.periods import Period
from domain.ports import UnitOfWork
from handlers.parsing import parse_issue_number
from handlers.turn import Turn


def issue_view(uow: UnitOfWork, issue: BondIssue, now: datetime) -> dict[str, Any]:
    """What templates show of an issue: JSON-serialisable values only."""
    cooperative = issue.cooperative_name
    if cooperative is None:
        cooperative = uow.communes.cooperative(issue.cooperative_id).name
    days_left = max(0, (issue.deadline - now).days)
    return {
        "number": issue.number,
        "asset": issue.asset,
        "cooperative": cooperative,
        "price": issue.price,
        "rent": issue.rent,
        "pledged": issue.pledged,
        "remaining": issue.remaining,
        "pledgers": issue.pledgers,
        "deadline": _last_minute(issue.deadline),
        "days_left": days_left,
        "status": issue.status.value,
        "pay_by": None if issue.pay_by is None else _last_minute(issue.pay_by),
    }


def _last_minute(end: datetime) -> str:
    """A deadline or time to pay as messages show it: its last minute (23:59 of its last
    day), since it ends at the first instant after that day."""
    return (end - timedelta(seconds=1)).isoformat()


def load_issue(turn: Turn, text: str, lock: bool = False) -> BondIssue:
    commune = turn.require_commune()
    number = parse_issue_number(text)
    issue = turn.uow.bonds.get(commune.id, number, lock=lock)
    if issue is None:
        raise Refusal("unknown_issue", number=number)
    return issue


def lease_view(uow: UnitOfWork, issue: BondIssue, now: datetime, tz: str) -> dict[str, Any]:
    """What /bond adds for a cleared bond: its lease as it stands (its lessee now, what
    its letting owes and received, changes to come, its end) and its asset's sale."""
    assert issue.closed_at is not None
    first = Period.containing(issue.closed_at, tz).next()
    current = Period.containing(now, tz)
    terms = uow.bonds.lease_terms(issue.id)
    start = Period.parse(letting_from(str(first), terms, str(current)))
    due = 0
    period = start
    while period < current:
        due += rent_in(issue.rent, terms, str(period)) or 0
        period = period.next()
    received = uow.bonds.rent_total(issue.id)
    period = first
    while period < start:  # a lease let again: its new letting's arrears start afresh
        received -= uow.bonds.rent_total(issue.id, str(period))
        period = period.next()
    ended = ended_from(terms)
    sold = uow.sales.sold(issue.id)
    names = {c.id: c.name for c in uow.communes.cooperatives(issue.commune_id)}
    return {
        "cooperative": names[lessee_in(issue.cooperative_id, terms, str(current))],
        "outstanding": uow.bonds.outstanding(issue.id),
        "rent_received": received,
        "arrears": max(0, due - received),
        "lease_from": str(start),
        "rent": rent_in(issue.rent, terms, str(current)) or issue.rent,
        "lease_last": str(Period.parse(ended).previous()) if ended else None,
        "rent_changes": [
            {
                "month": term.from_period,
                "rent": term.rent,
                "cooperative": names.get(term.cooperative_id or 0),
            }
            for term in terms
            if term.rent is not None and term.from_period > str(current)
        ],
        "sold": None if sold is None else {"month": sold[0], "amount": sold[1]},
    }
