"""The clearing at its edges, every field checked, leases told apart by issue.

The worked example and the properties of tests/test_domain_clearing.py check the
money; these check what a statement or a journal entry reads back: which lease an
outcome belongs to (by ``issue_id``, not by position), the eligible count when
nobody is eligible, the empty ``redemptions`` of ``clear_totals``, whose dividend a
posting pays, and rent of nothing and of one minor unit. (Found by mutation
testing: docs/mutation.md.)
"""

from __future__ import annotations

import pytest

import domain.clearing
from domain.allocation import equal_split, largest_remainder
from domain.clearing import (
    ClearingOutcome,
    ConservationError,
    HoldingBalance,
    LeaseOutcome,
    LeaseRent,
    LeaseTotal,
    Redemption,
    clear_period,
    clear_totals,
    clearing_entry,
    redeem,
    split,
)
from domain.journal import AccountKind, Posting, UnbalancedEntry, bond_cleared, entry, rent_received

ANA, BEN, CAI, DEE = 1, 2, 3, 4
TRACTOR, OVEN = 7, 9


def tractor(rent: int) -> LeaseRent:
    """Ana 500.00 (holding 11), Cai 300.00 (12), Dee 200.00 (13), in pledge order."""
    return LeaseRent(
        TRACTOR,
        rent,
        [
            HoldingBalance(11, ANA, 50000),
            HoldingBalance(12, CAI, 30000),
            HoldingBalance(13, DEE, 20000),
        ],
    )


def oven(rent: int) -> LeaseRent:
    """Ben's 100.00 (holding 21), of which 40.00 is still owed."""
    return LeaseRent(OVEN, rent, [HoldingBalance(21, BEN, 4000)])


def totals(lease: LeaseRent) -> LeaseTotal:
    owed = sum(h.outstanding for h in lease.holdings)
    return LeaseTotal(lease.issue_id, lease.rent_received, owed)


def test_nobody_eligible_carries_the_whole_pool_and_says_so() -> None:
    outcome = clear_period([oven(5000)], 0, carry_in=7)
    assert outcome == ClearingOutcome(
        rent_received=5000,
        carry_in=7,
        redeemed=4000,
        pool=1007,
        eligible=0,
        dividend_each=0,
        carry_out=1007,
        leases=[LeaseOutcome(OVEN, 5000, 4000, 1000, 4000)],
        redemptions=[Redemption(21, BEN, OVEN, 4000, 0)],
    )


def test_a_negative_count_of_eligible_members_counts_as_nobody() -> None:
    outcome = clear_totals([], -1, carry_in=10)
    assert (outcome.eligible, outcome.dividend_each, outcome.carry_out) == (0, 0, 10)


def test_lease_outcomes_name_their_lease() -> None:
    outcome = clear_period([oven(5000), tractor(33333)], 4, carry_in=0)
    by_issue = {lease.issue_id: lease for lease in outcome.leases}
    assert by_issue == {
        OVEN: LeaseOutcome(OVEN, 5000, 4000, 1000, 4000),
        TRACTOR: LeaseOutcome(TRACTOR, 33333, 33333, 0, 100000),
    }
    assert [lease.issue_id for lease in outcome.leases] == [OVEN, TRACTOR]
    assert {r.holding_id: r.issue_id for r in outcome.redemptions} == {
        21: OVEN, 11: TRACTOR, 12: TRACTOR, 13: TRACTOR,
    }  # fmt: skip


def test_clear_totals_gives_the_same_period_without_redemptions() -> None:
    leases = [oven(5000), tractor(33333)]
    whole = clear_period(leases, 4, carry_in=3)
    from_totals = clear_totals([totals(lease) for lease in leases], 4, carry_in=3)
    assert from_totals.redemptions == []
    assert from_totals == ClearingOutcome(
        rent_received=38333,
        carry_in=3,
        redeemed=37333,
        pool=1003,
        eligible=4,
        dividend_each=250,
        carry_out=3,
        leases=whole.leases,
        redemptions=[],
    )
    # The caller splits each lease with redeem and must get the same outcome back.
    for lease, outcome in zip(leases, from_totals.leases, strict=True):
        assert redeem(lease)[0] == outcome


def test_no_rent_redeems_nothing() -> None:
    outcome, redemptions = redeem(tractor(0))
    assert outcome == LeaseOutcome(TRACTOR, 0, 0, 0, 100000)
    assert redemptions == []
    period = clear_period([tractor(0)], 4, carry_in=0)
    assert (period.redeemed, period.pool, period.dividend_each, period.carry_out) == (0, 0, 0, 0)


def test_one_minor_unit_of_rent_goes_to_the_largest_share() -> None:
    outcome, redemptions = redeem(tractor(1))
    assert outcome == LeaseOutcome(TRACTOR, 1, 1, 0, 100000)
    assert redemptions == [Redemption(11, ANA, TRACTOR, 1, 49999)]


def test_one_minor_unit_on_equal_holdings_goes_to_the_earlier_pledge() -> None:
    lease = LeaseRent(TRACTOR, 1, [HoldingBalance(12, CAI, 500), HoldingBalance(11, ANA, 500)])
    assert redeem(lease)[1] == [Redemption(12, CAI, TRACTOR, 1, 499)]


def test_holdings_that_do_not_add_up_name_the_lease() -> None:
    with pytest.raises(ConservationError, match=r"^lease 7: holdings do not add up"):
        split(LeaseTotal(TRACTOR, 100, 1000), [500, 499])


def test_a_period_that_would_not_conserve_is_refused_loudly(monkeypatch) -> None:
    # Unreachable with a correct equal_split; the guard is what stops a broken one.
    monkeypatch.setattr(domain.clearing, "equal_split", lambda pool, count: (pool, 0))
    with pytest.raises(ConservationError, match=r"^period does not conserve money: "):
        clear_period([oven(5000)], 2, carry_in=0)


def test_the_clearing_entry_pays_each_eligible_member_by_id() -> None:
    outcome = clear_period([oven(5000)], 2, carry_in=0)
    made = clearing_entry("2027-01", outcome, [CAI, DEE])
    assert (made.kind, made.ref) == ("clearing", "period:2027-01")
    assert made.postings == [
        Posting(AccountKind.HOLDING, 21, 4000),
        Posting(AccountKind.DIVIDEND, CAI, 500),
        Posting(AccountKind.DIVIDEND, DEE, 500),
        Posting(AccountKind.CASH, 0, -5000),
    ]


# --- the journal's other entries ------------------------------------------------------------


def test_a_cleared_bond_buys_the_asset_and_owes_each_holder() -> None:
    made = bond_cleared(TRACTOR, [(11, 50000), (12, 30000), (13, 20000)])
    assert (made.kind, made.ref) == ("bond_cleared", "issue:7")
    assert made.postings == [
        Posting(AccountKind.ASSET, TRACTOR, 100000),
        Posting(AccountKind.HOLDING, 11, -50000),
        Posting(AccountKind.HOLDING, 12, -30000),
        Posting(AccountKind.HOLDING, 13, -20000),
    ]


def test_rent_received_moves_from_the_lease_to_the_pool() -> None:
    made = rent_received(TRACTOR, 33333, receipt_id=5)
    assert (made.kind, made.ref) == ("rent", "receipt:5")
    assert made.postings == [
        Posting(AccountKind.CASH, 0, 33333),
        Posting(AccountKind.RENT, TRACTOR, -33333),
    ]


def test_an_unbalanced_entry_names_itself() -> None:
    with pytest.raises(UnbalancedEntry, match=r"^rent receipt:5 does not balance$"):
        entry("rent", "receipt:5", [Posting(AccountKind.CASH, 0, 1)])


# --- allocation's errors say which rule was broken --------------------------------------------


@pytest.mark.parametrize(
    ("amount", "weights", "message"),
    [
        (-1, [1], "amount and weights must not be negative"),
        (1, [1, -1], "amount and weights must not be negative"),
        (1, [0, 0], "cannot split a positive amount over zero weights"),
        (3, [1, 1], "amount exceeds the total weight"),
    ],
)
def test_largest_remainder_says_why_it_cannot_split(amount, weights, message) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        largest_remainder(amount, weights)


def test_equal_split_says_why_it_cannot_split() -> None:
    with pytest.raises(ValueError, match=r"^pool must not be negative$"):
        equal_split(-1, 3)
