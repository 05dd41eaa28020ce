"""What a recorded clearing is read back as: named rows for its statements and report.

The statements of a whole roster (100,000 members at federation size) and the
report of ``minga report`` are built from storage's set-based reads, streamed as
they come. Each row is a NamedTuple, not a dataclass: made once per member or per
lease straight from the database's rows, it costs about what a tuple costs and is
read by name. A member's holding lines are three parallel lists, one entry per bond
(as ``owed_by_lease`` hands over a lease's holdings): a federation's half a million
holdings never become half a million objects.
"""

from __future__ import annotations

from typing import NamedTuple

MemberRange = tuple[int, int]  # member ids, first to last: the members of one /statement


class Recipient(NamedTuple):
    """A roster member with where their statement goes and in what language."""

    member_id: int
    name: str
    person_id: int
    cooperative_id: int | None
    dividend: int
    platform: str
    address: str
    chosen_locale: str | None
    reported_language: str | None


class MemberHoldings(NamedTuple):
    """A member's bonds cleared by the end of a period, by number: what the period's
    clearing repaid on each and what was still owed after it. Two holdings of one
    bond are one line."""

    member_id: int
    numbers: list[int]
    repaid: list[int]
    outstanding: list[int]


class YearToDate(NamedTuple):
    """A member's dividends and repayments over the year's clearings so far."""

    dividends: int
    repaid: int


NOTHING_YET = YearToDate(0, 0)


class CooperativeRent(NamedTuple):
    """What a cooperative paid in rent in a period, under its name."""

    name: str
    paid: int


class LeaseLine(NamedTuple):
    """A lease as a clearing settled it: its rent, what that repaid, what went to the
    pool and what its holdings were still owed after."""

    number: int
    asset: str
    cooperative: str
    rent_received: int
    redeemed: int
    to_pool: int
    outstanding_after: int


class MemberLine(NamedTuple):
    """A member on a clearing's roster and the dividend it paid them."""

    member_id: int
    name: str
    dividend: int


class MemberRedemption(NamedTuple):
    """What a clearing repaid a member on one bond (all their holdings of it)."""

    member_id: int
    number: int
    amount: int
