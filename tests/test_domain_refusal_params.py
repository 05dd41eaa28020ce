"""Every refusal of the domain: its code, the values its template shows, and its edges.

A template that says "bond #3, Tractor" needs ``number`` and ``asset``; a refusal
that lost them would still be refused but would tell the member nothing. So each
refusal is asserted whole (code and params), and each rule at the exact value
where it turns: a pledge of one cent, a rent of zero and of one cent, an assembly
opening exactly a minute ago, a vote of exactly 62 days, the first and last
years a period may be written in. (Found by mutation testing: docs/mutation.md.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.assemblies import (
    Assembly,
    AssemblyStatus,
    validate_opening,
    validate_quorum,
    validate_schedule,
)
from domain.bonds import BondIssue, IssueStatus, Pledge, validate_new_issue
from domain.errors import Refusal
from domain.periods import Period

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
DEADLINE = datetime(2027, 1, 31, 23, 0, tzinfo=UTC)
BEN, ANA = 2, 1
CLOSED = [IssueStatus.CLEARED, IssueStatus.EXPIRED, IssueStatus.WITHDRAWN]


def refused(call, *args, **kwargs) -> Refusal:
    with pytest.raises(Refusal) as caught:
        call(*args, **kwargs)
    return caught.value


def issue(**overrides) -> BondIssue:
    fields = dict(
        id=7, commune_id=1, number=3, cooperative_id=10, proposer_id=BEN, asset="Tractor",
        price=100000, rent=33333, deadline=DEADLINE, created_at=NOW - timedelta(days=1),
    )  # fmt: skip
    fields.update(overrides)
    return BondIssue(**fields)


def test_a_refusal_reads_as_its_code() -> None:
    # Logs and tracebacks show str(refusal): the code, so the template can be found.
    refusal = Refusal("no_pledge", number=3)
    assert str(refusal) == "no_pledge"
    assert refusal.args == ("no_pledge",)
    assert repr(refusal) == "Refusal('no_pledge', {'number': 3})"


# --- bonds ------------------------------------------------------------------------------


def test_a_pledge_of_one_minor_unit_counts() -> None:
    bond = issue(price=2)
    pledge, cleared = bond.pledge(None, ANA, 1, NOW)
    assert (pledge, cleared, bond.remaining) == (Pledge(ANA, 1, 1), False, 1)


@pytest.mark.parametrize("amount", [0, -1])
def test_a_pledge_of_nothing_is_refused_without_params(amount: int) -> None:
    bond = issue()
    refusal = refused(bond.pledge, None, ANA, amount, NOW)
    assert (refusal.code, refusal.params) == ("amount_not_positive", {})
    assert (bond.pledged, bond.pledgers, bond.last_seq) == (0, 0, 0)


def test_each_first_pledge_takes_the_next_place() -> None:
    bond = issue()
    places = [bond.pledge(None, member, 100, NOW)[0].seq for member in (ANA, BEN, 5)]
    assert places == [1, 2, 3]
    assert bond.last_seq == 3


def test_a_pledge_over_what_remains_names_the_issue_and_what_remains() -> None:
    bond = issue(price=1000)
    bond.pledge(None, ANA, 400, NOW)
    refusal = refused(bond.pledge, None, BEN, 601, NOW)
    assert (refusal.code, refusal.params) == (
        "pledge_exceeds_remaining",
        {"number": 3, "remaining": 600},
    )


def test_pledging_at_the_deadline_names_the_issue() -> None:
    refusal = refused(issue().pledge, None, ANA, 100, DEADLINE)
    assert (refusal.code, refusal.params) == (
        "issue_past_deadline",
        {"number": 3, "asset": "Tractor"},
    )


@pytest.mark.parametrize("status", CLOSED)
def test_pledging_to_a_closed_issue_names_the_issue(status: IssueStatus) -> None:
    refusal = refused(issue(status=status).pledge, None, ANA, 100, NOW)
    assert (refusal.code, refusal.params) == (
        f"issue_{status.value}",
        {"number": 3, "asset": "Tractor"},
    )


def test_unpledging_without_a_pledge_names_the_issue() -> None:
    refusal = refused(issue().unpledge, None, NOW)
    assert (refusal.code, refusal.params) == ("no_pledge", {"number": 3})


def test_withdrawing_someone_elses_issue_names_it() -> None:
    bond = issue()
    refusal = refused(bond.withdraw, ANA, NOW)
    assert (refusal.code, refusal.params) == ("not_proposer", {"number": 3})
    assert bond.status is IssueStatus.OPEN


@pytest.mark.parametrize("status", CLOSED)
def test_withdrawing_a_closed_issue_names_it(status: IssueStatus) -> None:
    bond = issue(status=status)
    refusal = refused(bond.withdraw, BEN, NOW)
    assert (refusal.code, refusal.params) == (
        f"issue_{status.value}",
        {"number": 3, "asset": "Tractor"},
    )
    assert bond.status is status


def test_a_price_and_a_rent_of_one_minor_unit_are_accepted() -> None:
    validate_new_issue("Tractor", 1, 1, DEADLINE, NOW)


@pytest.mark.parametrize(("price", "rent"), [(0, 33333), (100000, 0), (-1, 1), (1, -1)])
def test_a_price_or_rent_of_nothing_is_refused(price: int, rent: int) -> None:
    refusal = refused(validate_new_issue, "Tractor", price, rent, DEADLINE, NOW)
    assert (refusal.code, refusal.params) == ("amount_not_positive", {})


# --- assemblies ---------------------------------------------------------------------------


def assembly(**overrides) -> Assembly:
    fields = dict(
        id=1, commune_id=1, number=4, title="Budget 2027", opens_at=NOW + timedelta(hours=1),
        closes_at=NOW + timedelta(days=1), created_by=ANA, created_at=NOW,
    )  # fmt: skip
    fields.update(overrides)
    return Assembly(**fields)


def test_an_opening_exactly_a_minute_ago_is_accepted() -> None:
    validate_opening(NOW - timedelta(seconds=60), NOW)
    refusal = refused(validate_opening, NOW - timedelta(seconds=61), NOW)
    assert (refusal.code, refusal.params) == ("opens_in_past", {})


def test_a_vote_of_exactly_62_days_is_accepted() -> None:
    validate_schedule(NOW, NOW + timedelta(days=62), NOW)
    refusal = refused(validate_schedule, NOW, NOW + timedelta(days=62, seconds=1), NOW)
    assert (refusal.code, refusal.params) == ("voting_too_long", {})


def test_closing_at_the_opening_is_refused() -> None:
    refusal = refused(validate_schedule, NOW, NOW, NOW)
    assert (refusal.code, refusal.params) == ("closes_before_opening", {})


@pytest.mark.parametrize(("percent", "text"), [(0, "0%"), (101, "101%"), (-5, "-5%")])
def test_a_bad_quorum_shows_what_was_typed(percent: int, text: str) -> None:
    refusal = refused(validate_quorum, percent)
    assert (refusal.code, refusal.params) == ("bad_quorum", {"text": text})


@pytest.mark.parametrize("percent", [None, 1, 100])
def test_quorums_at_the_edges_are_accepted(percent: int | None) -> None:
    validate_quorum(percent)


def test_voting_after_the_close_names_the_assembly() -> None:
    late = assembly(status=AssemblyStatus.OPEN)
    refusal = refused(late.require_open, late.closes_at)
    assert (refusal.code, refusal.params) == (
        "voting_closed",
        {"number": 4, "title": "Budget 2027"},
    )


def test_voting_before_the_opening_names_the_assembly_and_when() -> None:
    early = assembly()
    refusal = refused(early.require_open, NOW)
    assert (refusal.code, refusal.params) == (
        "voting_not_open",
        {"number": 4, "title": "Budget 2027", "opens": "2027-01-10T13:00:00+00:00"},
    )


# --- periods ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2000-01", "2999-12"])
def test_the_first_and_last_years_a_period_may_have(text: str) -> None:
    assert str(Period.parse(text)) == text


@pytest.mark.parametrize("text", ["1999-12", "3000-01", "0001-01", "9999-12"])
def test_a_period_in_a_year_out_of_range_names_the_years(text: str) -> None:
    refusal = refused(Period.parse, text)
    assert (refusal.code, refusal.params) == (
        "year_out_of_range",
        {"text": text, "first": 2000, "last": 2999},
    )


@pytest.mark.parametrize("text", ["2027-13", "2027-00", "27-01", "2027-1"])
def test_a_period_not_written_yyyy_mm_is_refused_with_what_was_typed(text: str) -> None:
    refusal = refused(Period.parse, text)
    assert (refusal.code, refusal.params) == ("bad_period", {"text": text})
