"""Bond issues as every message shows them, and found by number.

Shared by the bond commands, /rent, the deadline job and the Telegram adapter's
live bond messages, so an issue reads the same wherever it appears.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.bonds import BondIssue
from domain.errors import Refusal
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
        "deadline": (issue.deadline - timedelta(seconds=1)).isoformat(),  # the last day
        "days_left": days_left,
        "status": issue.status.value,
        "pay_by": None if issue.pay_by is None else issue.pay_by.isoformat(),
    }


def load_issue(turn: Turn, text: str, lock: bool = False) -> BondIssue:
    commune = turn.require_commune()
    number = parse_issue_number(text)
    issue = turn.uow.bonds.get(commune.id, number, lock=lock)
    if issue is None:
        raise Refusal("unknown_issue", number=number)
    return issue
