"""The common fund: what each clearing keeps of the pool, and what assemblies grant.

With the ``fund`` policy at N%, each period's clearing keeps N% of its dividend pool
(rounded down, before the equal split) in the fund (domain.clearing). A carried
``fund`` motion grants an amount from it to a cooperative or a member, and the
treasurer pays it out. An assembly created as a *budget round* funds its carried
fund motions by most yes votes (ties: the earlier motion) while the fund covers
them; one that no longer fits is "passed, not funded", and a later, smaller one may
still be funded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


class FundFlows(NamedTuple):
    """What the common fund took in, granted out, and held after (minor units)."""

    fund_in: int
    fund_out: int
    balance: int


NO_FLOWS = FundFlows(0, 0, 0)


@dataclass(frozen=True)
class FundGrant:
    """A carried fund motion's grant, as kept: from the fund to its recipient."""

    motion_id: int
    amount: int
    purpose: str
    cooperative_id: int | None
    member_id: int | None
    period: str
    at: datetime


class Ballot(NamedTuple):
    """A motion at an assembly's close, as the budget order needs it."""

    number: int
    grant: bool  # a fund motion
    carried: bool
    yes: int


def settling_order(ballots: Sequence[Ballot], budget: bool) -> list[int]:
    """The order the close settles motions in (their numbers).

    Agenda order, but in a budget round the carried fund motions come last, by most
    yes votes and then the earlier motion: the fund pays them in that order while it
    lasts. Outside a budget round every motion keeps its agenda order.
    """

    def key(ballot: Ballot) -> tuple[int, int, int]:
        if budget and ballot.grant and ballot.carried:
            return (1, -ballot.yes, ballot.number)
        return (0, 0, ballot.number)

    return [ballot.number for ballot in sorted(ballots, key=key)]


def fits(amount: int, balance: int) -> bool:
    """Whether the fund covers a grant: a positive amount no greater than its balance."""
    return 0 < amount <= balance
