"""The limits on a commune's totals, at the exact value where each turns, params and all.

tests/test_trust_books.py proves no sum the limits allow can overflow; these pin each
check to its edge (the limit itself is allowed, one minor unit more is not) and the
values its refusal shows: the limit, the period, what the period or lease already
holds. Pure, so they run in the mutation test of domain/ (docs/mutation.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.assemblies import validate_schedule
from domain.bonds import BondIssue
from domain.errors import Refusal
from domain.limits import (
    LEASE_RENT_LIMIT,
    PERIOD_RENT_LIMIT,
    PLEDGE_LIMIT,
    POOL_LIMIT,
    PRINCIPAL_LIMIT,
    check_pledge,
    check_principal,
    check_rent,
    worst_total,
)

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


def refused(call, *args) -> Refusal:
    with pytest.raises(Refusal) as caught:
        call(*args)
    return caught.value


def test_principal_up_to_the_limit_and_no_further() -> None:
    check_principal(PRINCIPAL_LIMIT - 5, 5)
    refusal = refused(check_principal, PRINCIPAL_LIMIT - 5, 6)
    assert (refusal.code, refusal.params) == (
        "principal_limit",
        {"limit": PRINCIPAL_LIMIT, "outstanding": PRINCIPAL_LIMIT - 5, "room": 5},
    )


def test_principal_already_at_the_limit_leaves_no_room() -> None:
    refusal = refused(check_principal, PRINCIPAL_LIMIT, 1)
    assert refusal.params["room"] == 0


def test_a_pledge_up_to_the_limit_and_no_further() -> None:
    check_pledge(PLEDGE_LIMIT)
    refusal = refused(check_pledge, PLEDGE_LIMIT + 1)
    assert (refusal.code, refusal.params) == ("pledge_limit", {"limit": PLEDGE_LIMIT})


def test_a_top_up_counts_with_the_pledge_it_adds_to() -> None:
    issue = BondIssue(
        id=1, commune_id=1, number=1, cooperative_id=1, proposer_id=1, asset="Mill",
        price=2 * PLEDGE_LIMIT, rent=1, deadline=NOW + timedelta(days=1), created_at=NOW,
    )  # fmt: skip
    mine, _ = issue.pledge(None, 2, PLEDGE_LIMIT - 1, NOW)
    mine, _ = issue.pledge(mine, 2, 1, NOW)
    assert mine.amount == PLEDGE_LIMIT
    refusal = refused(issue.pledge, mine, 2, 1, NOW)
    assert (refusal.code, refusal.params) == ("pledge_limit", {"limit": PLEDGE_LIMIT})
    assert issue.pledged == PLEDGE_LIMIT


def test_a_first_pledge_of_exactly_the_limit_is_accepted() -> None:
    issue = BondIssue(
        id=1, commune_id=1, number=1, cooperative_id=1, proposer_id=1, asset="Mill",
        price=2 * PLEDGE_LIMIT, rent=1, deadline=NOW + timedelta(days=1), created_at=NOW,
    )  # fmt: skip
    assert issue.pledge(None, 2, PLEDGE_LIMIT, NOW)[0].amount == PLEDGE_LIMIT


def test_a_leases_rent_in_a_period_up_to_the_limit() -> None:
    check_rent("2027-01", 10, LEASE_RENT_LIMIT - 10, LEASE_RENT_LIMIT - 10, 0)
    refusal = refused(check_rent, "2027-01", 11, LEASE_RENT_LIMIT - 10, 0, 0)
    assert (refusal.code, refusal.params) == (
        "lease_rent_limit",
        {"limit": LEASE_RENT_LIMIT, "period": "2027-01", "so_far": LEASE_RENT_LIMIT - 10},
    )


def test_a_periods_rent_up_to_the_limit() -> None:
    check_rent("2027-01", 10, 0, PERIOD_RENT_LIMIT - 10, 0)
    refusal = refused(check_rent, "2027-01", 11, 0, PERIOD_RENT_LIMIT - 10, 0)
    assert (refusal.code, refusal.params) == (
        "period_rent_limit",
        {"limit": PERIOD_RENT_LIMIT, "period": "2027-01", "so_far": PERIOD_RENT_LIMIT - 10},
    )


def test_a_pool_up_to_the_limit_counting_the_carry_in() -> None:
    so_far = POOL_LIMIT - 100
    check_rent("2027-01", 10, 0, so_far, 90)
    refusal = refused(check_rent, "2027-01", 11, 0, so_far, 90)
    assert refusal.code == "dividend_pool_limit"
    assert refusal.params == {"limit": POOL_LIMIT, "period": "2027-01", "so_far": so_far + 90}


def test_a_vote_of_an_hour_is_long_enough() -> None:
    validate_schedule(NOW, NOW + timedelta(hours=1), NOW)
    validate_schedule(NOW, NOW + timedelta(microseconds=1), NOW)


def test_the_worst_total_is_the_principal_plus_every_periods_rent() -> None:
    # 9999 years of months at 5 × 10^13 each, on top of 10^16 owed: about 6.01 × 10^18.
    assert worst_total() == 10**16 + 9999 * 12 * 5 * 10**13
