"""The common fund's pure rules: its share of a pool, a budget round's order, grants.

The share is the ``fund`` policy's percent of the whole pool, rounded down, taken
before the equal split, and the period still conserves money to the cent. A budget
round settles its carried fund motions by most yes votes, ties to the earlier
motion, after every other motion; outside one, the agenda's order is kept.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.actions import Grant, from_stored, stored
from domain.clearing import (
    HoldingBalance,
    LeaseRent,
    LeaseTotal,
    clear_period,
    clear_totals,
    clearing_entry,
    fund_share_of,
)
from domain.errors import Refusal
from domain.fund import Ballot, fits, settling_order
from domain.journal import AccountKind, granted
from domain.policies import fund_percent, policy_named, with_defaults


def test_the_fund_policy_is_a_percent_from_0_to_100_and_0_by_default() -> None:
    policy = policy_named("Fund")
    assert with_defaults({})["fund"] == "0%"
    assert fund_percent(with_defaults({})) == 0
    assert [policy.parse(v) for v in ("0%", " 25 % ", "100%")] == ["0%", "25%", "100%"]
    for bad in ("25", "101%", "-1%", "½%", "x"):
        with pytest.raises(Refusal) as refused:
            policy.parse(bad)
        assert refused.value.code == "bad_policy_value"
        assert refused.value.params["allowed"] == "0%–100%"
    assert fund_percent({"fund": "35%"}) == 35


def test_the_share_is_rounded_down_to_the_minor_unit() -> None:
    assert fund_share_of(0, 50) == 0
    assert fund_share_of(999, 10) == 99  # 99.9
    assert fund_share_of(1, 99) == 0
    assert fund_share_of(12345, 100) == 12345


def test_the_share_is_taken_before_the_equal_split() -> None:
    # A lease repaid in full: 300.00 rent, 100.00 owed, pool 200.00 + 0.03 carried.
    outcome = clear_totals([LeaseTotal(1, 30000, 10000)], 4, 3, fund_percent=50)
    assert (outcome.pool, outcome.fund_share, outcome.fund_percent) == (20003, 10001, 50)
    assert (outcome.dividend_each, outcome.carry_out) == (2500, 2)
    assert outcome.conserved


def test_a_fund_of_0_changes_nothing() -> None:
    lease = LeaseTotal(1, 33333, 100000)
    assert clear_totals([lease], 4, 7) == clear_totals([lease], 4, 7, fund_percent=0)
    assert clear_totals([lease], 4, 7).fund_share == 0


def test_with_no_eligible_member_the_rest_carries_after_the_share() -> None:
    outcome = clear_totals([LeaseTotal(1, 1001, 0)], 0, 0, fund_percent=10)
    assert (outcome.fund_share, outcome.dividend_each, outcome.carry_out) == (100, 0, 901)


def test_a_percent_out_of_range_is_a_bug() -> None:
    with pytest.raises(AssertionError):
        clear_totals([LeaseTotal(1, 100, 0)], 1, 0, fund_percent=101)


def test_the_clearing_entry_posts_the_share_to_the_fund_from_cash() -> None:
    lease = LeaseRent(1, 30000, [HoldingBalance(11, 1, 10000)])
    outcome = clear_period([lease], 2, 0, fund_percent=25)
    made = clearing_entry("2027-01", outcome, [1, 2])
    amounts = {(p.kind, p.ref): p.amount for p in made.postings}
    assert amounts == {
        (AccountKind.HOLDING, 11): 10000,
        (AccountKind.DIVIDEND, 1): 7500,
        (AccountKind.DIVIDEND, 2): 7500,
        (AccountKind.FUND, 0): 5000,
        (AccountKind.CASH, 0): -30000,
    }
    assert made.balanced


@given(
    rent=st.integers(0, 10**9),
    owed=st.integers(0, 10**9),
    members=st.integers(0, 50),
    carry=st.integers(0, 49),
    percent=st.integers(0, 100),
)
def test_every_share_conserves_money(
    rent: int, owed: int, members: int, carry: int, percent: int
) -> None:
    outcome = clear_totals([LeaseTotal(1, rent, owed)], members, carry, fund_percent=percent)
    assert outcome.conserved
    assert outcome.fund_share == outcome.pool * percent // 100
    assert outcome.pool == outcome.fund_share + outcome.dividends + outcome.carry_out
    assert 0 <= outcome.carry_out < max(members, 1) or members == 0


def test_a_grant_moves_money_from_the_fund_to_the_motion_s_granted_account() -> None:
    made = granted(12, 5000)
    assert (made.kind, made.ref) == ("grant", "grant:12")
    assert [(p.kind, p.ref, p.amount) for p in made.postings] == [
        (AccountKind.FUND, 0, -5000),
        (AccountKind.GRANTED, 12, 5000),
    ]


def test_a_grant_is_stored_and_read_back_as_it_was_put() -> None:
    for action in (Grant(100, "Seeds", "Pan", False), Grant(1, "Bikes", "dee", True)):
        assert from_stored(stored(action)) == action
    assert stored(Grant(100, "Seeds", "dee", True)) == {
        "kind": "fund",
        "amount": 100,
        "purpose": "Seeds",
        "to": "dee",
        "recipient": "member",
    }


def test_the_fund_covers_a_grant_up_to_its_balance() -> None:
    assert fits(100, 100) and fits(1, 100)
    assert not fits(101, 100) and not fits(0, 100) and not fits(1, 0)


def test_a_budget_round_settles_grants_last_by_most_yes_then_the_earlier() -> None:
    ballots = [
        Ballot(1, grant=True, carried=True, yes=3),
        Ballot(2, grant=True, carried=True, yes=4),
        Ballot(3, grant=False, carried=True, yes=1),
        Ballot(4, grant=True, carried=True, yes=3),
        Ballot(5, grant=True, carried=False, yes=9),
        Ballot(6, grant=True, carried=True, yes=2),
    ]
    assert settling_order(ballots, budget=True) == [3, 5, 2, 1, 4, 6]
    assert settling_order(ballots, budget=False) == [1, 2, 3, 4, 5, 6]
