"""domain.arrears: what a lease owes through a period, and when it is in arrears."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from domain.arrears import (
    ACTIVE,
    ENDED,
    Ending,
    LeaseDue,
    arrears_in,
    due_through,
    needs_ending,
    running,
)
from domain.bonds import LeaseTerm, rent_in
from domain.periods import Period

TZ = "Europe/Madrid"
CLEARED = datetime(2026, 12, 1, 9, tzinfo=UTC)  # first period: 2027-01


def lease(paid: int, received: int, terms: tuple[LeaseTerm, ...] = (), **kw: object) -> LeaseDue:
    return LeaseDue(7, 1, 3, CLEARED, 30000, terms, paid, received, 100000, **kw)  # type: ignore[arg-type]


def months(first: str, last: str) -> list[str]:
    found, period = [], Period.parse(first)
    while str(period) <= last:
        found.append(str(period))
        period = period.next()
    return found


@given(
    st.lists(
        st.tuples(
            st.sampled_from(months("2027-01", "2028-12")),
            st.none() | st.integers(0, 100_000),
        ),
        max_size=4,
    ),
    st.sampled_from(months("2027-01", "2028-12")),
)
def test_due_through_adds_up_each_month(raw: list, last: str) -> None:
    terms = [LeaseTerm(p, rent) for p, rent in raw]
    expected = sum(rent_in(30000, terms, p) or 0 for p in months("2027-01", last))
    assert due_through(30000, terms, "2027-01", last) == expected


def test_a_lease_that_paid_less_is_in_arrears_and_counts_on() -> None:
    line = arrears_in(lease(10000, 10000), "2027-01", TZ)
    assert (line.rent_due, line.paid, line.arrears, line.months) == (30000, 10000, 20000, 1)
    line = arrears_in(lease(0, 10000, months_before=1), "2027-02", TZ)
    assert (line.arrears, line.months, line.status) == (50000, 2, ACTIVE)


def test_paying_ahead_is_credit_and_paying_in_full_ends_the_run() -> None:
    assert arrears_in(lease(0, 60000, months_before=0), "2027-02", TZ).months == 0
    line = arrears_in(lease(30000, 30000, months_before=2), "2027-01", TZ)
    assert (line.months, line.ending) == (0, Ending.NONE)


def test_the_lease_last_month_is_ended_and_nothing_runs_after_it() -> None:
    terms = (LeaseTerm("2027-04", None),)
    assert arrears_in(lease(0, 0, terms), "2027-03", TZ).status == ENDED
    assert running(lease(0, 0, terms), "2027-03", TZ)
    assert not running(lease(0, 0, terms), "2027-04", TZ)
    assert not running(lease(0, 0), "2026-12", TZ)  # before its first period


def test_the_end_goes_to_an_assembly_once_per_run() -> None:
    third = arrears_in(lease(0, 0, months_before=2), "2027-01", TZ)
    assert needs_ending(third, 3, ending_decided=False)
    assert not needs_ending(third, 4, ending_decided=False)
    assert not needs_ending(third, 3, ending_decided=True)  # already ending, or a motion waits
    sent = arrears_in(lease(0, 0, months_before=3, ending_before=Ending.ON_AGENDA), "2027-02", TZ)
    assert sent.ending is Ending.ON_AGENDA and not needs_ending(sent, 3, ending_decided=False)
