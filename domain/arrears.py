"""Rent due and arrears: what each lease owed in a period, and how far behind it is.

Every lease owes its rent every period from its first (the month after its bond
cleared) until it ends (domain.bonds.LeaseTerm). At each clearing a lease is *in
arrears* for the period when it paid less than that period's rent and, counting
every period since its first, it has paid less than it owed: a lease that paid
ahead is not behind. ``arrears`` is that cumulative shortfall (never below zero;
paying ahead is credit, not negative arrears), as /bond counts it.

``months`` counts the periods in a row in arrears. When it reaches the
``default-months`` policy, ``end lease <n>`` (reason: rent unpaid) goes to the next
assembly, once per run of periods: ``ending`` says whether it already went
(``ON_AGENDA``) or waits for an assembly to be set up (``WAITING``).

A lease let again (a ``relet`` motion, domain.bonds.LeaseTerm) starts afresh: its
arrears and its run count from the period its new letting begins. A lease whose
asset was sold in a period is listed in that period with the status ``sold``,
whether or not it still ran in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from domain.bonds import LeaseTerm, ended_from, lessee_in, letting_from, rent_in
from domain.periods import Period

ACTIVE = "active"
ENDED = "ended"  # the period is the lease's last
SOLD = "sold"  # its asset was sold in the period

RENT_UNPAID = "rent unpaid"


class Ending(IntEnum):
    """Where a lease's ``end lease`` motion for unpaid rent is, in this run."""

    NONE = 0
    WAITING = 1  # due, but no assembly was scheduled: the next one set up takes it
    ON_AGENDA = 2


@dataclass(frozen=True)
class LeaseDue:
    """One lease running in a period, as storage reads it for the clearing."""

    issue_id: int
    number: int
    cooperative_id: int
    closed_at: datetime
    rent: int
    terms: tuple[LeaseTerm, ...]
    paid: int  # received for this period
    # received for every period of its letting (from its first, or from its latest
    # ``relet`` up to this period) up to and including this one
    received: int
    outstanding: int  # still owed to its bondholders after this clearing
    months_before: int = 0  # periods in a row in arrears up to the previous clearing
    ending_before: Ending = Ending.NONE
    sold: bool = False  # its asset was sold in this period


@dataclass(frozen=True)
class LeaseArrears:
    """A lease in a cleared period: what it owed, paid, and how far behind it is."""

    issue_id: int
    number: int
    cooperative_id: int
    rent_due: int
    paid: int
    arrears: int
    months: int
    ending: Ending
    status: str
    outstanding: int

    @property
    def behind(self) -> bool:
        return self.months > 0


def _index(period: str) -> int:
    p = Period.parse(period)
    return p.year * 12 + p.month - 1


def due_through(rent: int, terms: Sequence[LeaseTerm], first: str, last: str) -> int:
    """What a lease owes for every period from ``first`` to ``last``, both included:
    a sum over the stretches between its terms, not a loop over its months."""
    if last < first:
        return 0
    starts = sorted({first, *(t.from_period for t in terms if first < t.from_period <= last)})
    total = 0
    for at, start in enumerate(starts):
        end = _index(starts[at + 1]) if at + 1 < len(starts) else _index(last) + 1
        total += (rent_in(rent, terms, start) or 0) * (end - _index(start))
    return total


def first_period(closed_at: datetime, tz: str) -> str:
    """A lease's first period: the one after its bond cleared."""
    return str(Period.containing(closed_at, tz).next())


def running(lease: LeaseDue, period: str, tz: str) -> bool:
    """Whether the lease owes rent in ``period``: started, not ended before it (or let
    again since)."""
    started = first_period(lease.closed_at, tz) <= period
    return started and rent_in(lease.rent, lease.terms, period) is not None


def listed(lease: LeaseDue, period: str, tz: str) -> bool:
    """Whether the lease has a line for ``period``: running in it, or sold in it."""
    return lease.sold or running(lease, period, tz)


def arrears_in(lease: LeaseDue, period: str, tz: str) -> LeaseArrears:
    """The lease's line for ``period`` (which it must be ``listed`` in)."""
    due = rent_in(lease.rent, lease.terms, period) or 0
    first = first_period(lease.closed_at, tz)
    start = letting_from(first, lease.terms, period)
    owed = due_through(lease.rent, lease.terms, start, period)
    arrears = max(0, owed - lease.received)
    behind = lease.paid < due and arrears > 0
    afresh = start == period and start != first  # a new letting's first period
    months_before = 0 if afresh else lease.months_before
    months = months_before + 1 if behind else 0
    ended = ended_from(lease.terms)
    # Once an end is decided, no motion is pending for it any more.
    ending_before = Ending.NONE if afresh else lease.ending_before
    ending = ending_before if behind and ended is None else Ending.NONE
    last = rent_in(lease.rent, lease.terms, str(Period.parse(period).next())) is None
    status = SOLD if lease.sold else ENDED if last else ACTIVE
    return LeaseArrears(
        lease.issue_id,
        lease.number,
        lessee_in(lease.cooperative_id, lease.terms, period),
        due,
        lease.paid,
        arrears,
        months,
        ending,
        status,
        lease.outstanding,
    )


def needs_ending(line: LeaseArrears, default_months: int, ending_decided: bool) -> bool:
    """Whether ``end lease`` (rent unpaid) goes to the next assembly now: behind for
    ``default_months`` periods in a row, not sent yet in this run, the lease not
    already ending (``ending_decided``: an end is decided or a motion to end it is
    waiting for its vote)."""
    return (
        line.months >= default_months
        and line.ending is Ending.NONE
        and line.status == ACTIVE
        and not ending_decided
    )


@dataclass(frozen=True)
class ArrearsLine:
    """A lease as ``minga report`` lists it for a cleared period, paid or not."""

    number: int
    asset: str
    cooperative: str
    rent_due: int
    paid: int
    arrears: int
    status: str
    outstanding: int


@dataclass(frozen=True)
class ArrearsReader:
    """Who is told of a period's arrears: a member of a lessee cooperative (its
    leases) or a treasurer (every lease), or both."""

    member_id: int
    cooperative_id: int | None
    treasurer: bool
