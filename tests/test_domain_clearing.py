"""The clearing of a period: redemption, dividend pool, social dividend, carry.

First the worked example of PROTOCOL.md, carried by hand through four months so
that a change in rounding shows up as a named cent in a named month. Then
property tests over random communes run for several consecutive periods, each
feeding its outstanding balances and carry into the next, checking the rules the
protocol states for every period: conservation to the cent, nobody repaid past
their principal, the carry smaller than the number of members, and a journal
entry that balances.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.clearing import HoldingBalance, LeaseRent, clear_period, clearing_entry, redeem
from domain.journal import AccountKind, UnbalancedEntry

# Commune Terra: Ana=1, Ben=2, Cai=3, Dee=4. Holdings of the Tractor (issue 7),
# in pledge order: Ana 500.00 (holding 11), Cai 300.00 (12), Dee 200.00 (13).
ANA, BEN, CAI, DEE = 1, 2, 3, 4
TRACTOR = 7
HOLDERS = [(11, ANA), (12, CAI), (13, DEE)]
RENT = 33333
EVERYONE = [ANA, BEN, CAI, DEE]


def _tractor(outstanding: list[int]) -> LeaseRent:
    holdings = [
        HoldingBalance(hid, mid, owed)
        for (hid, mid), owed in zip(HOLDERS, outstanding, strict=True)
    ]
    return LeaseRent(TRACTOR, RENT, holdings)


def _redeemed_by_holding(outcome) -> dict[int, int]:
    paid = {hid: 0 for hid, _ in HOLDERS}
    for r in outcome.redemptions:
        paid[r.holding_id] += r.amount
    return paid


def _month(outstanding: list[int], carry_in: int):
    """Clear one month of the worked example; return the outcome and the new balances."""
    outcome = clear_period([_tractor(outstanding)], len(EVERYONE), carry_in)
    paid = _redeemed_by_holding(outcome)
    after = [owed - paid[hid] for (hid, _), owed in zip(HOLDERS, outstanding, strict=True)]
    return outcome, after


# ---------------------------------------------------------------- worked example


def test_worked_example_month_one():
    """Month 1 (PROTOCOL.md): shares 166.665/99.999/66.666 -> 166.66/100.00/66.67.

    Floors 16666 + 9999 + 6666 = 33331; two cents left; the largest fractions
    are Cai (.9) and Dee (.6), so Ana (.5) stays at her floor.
    """
    outcome, after = _month([50000, 30000, 20000], carry_in=0)
    assert _redeemed_by_holding(outcome) == {11: 16666, 12: 10000, 13: 6667}
    assert after == [33334, 20000, 13333]  # 666.67 outstanding
    assert (outcome.redeemed, outcome.pool, outcome.dividend_each, outcome.carry_out) == (
        33333,
        0,
        0,
        0,
    )
    assert [(r.holding_id, r.outstanding_after) for r in outcome.redemptions] == [
        (11, 33334),
        (12, 20000),
        (13, 13333),
    ]


def test_worked_example_months_one_to_four():
    """All four months, carried forward from each month's outstanding balances.

    Month 2: 33333 over 33334/20000/13333 (total 66667). Exact shares:
      Ana 33333*33334/66667 = 16666 + 50000/66667 (.750)
      Cai 33333*20000/66667 =  9999 + 56667/66667 (.850)
      Dee 33333*13333/66667 =  6666 + 26667/66667 (.400)
      floors 33331, two cents to Cai and Ana -> 16667 / 10000 / 6666;
      outstanding 16667 / 10000 / 6667 (333.34).
    Month 3: 33333 over 16667/10000/6667 (total 33334), each share is
      w - w/33334: Ana 16666.5 (.5), Cai 9999.700 (.700), Dee 6666.800 (.800)
      floors 33331, two cents to Dee and Cai -> 16666 / 10000 / 6667;
      outstanding 1 / 0 / 0 (0.01, Ana's).
    Month 4: only the 0.01 still owed is redeemed (Ana); 333.32 goes to the
      pool, split four ways (Ana, Ben, Cai, Dee): 83.33 each, carry 0.
    Over the four months each holder got exactly their principal back.
    """
    outstanding = [50000, 30000, 20000]
    expected = [
        # (paid Ana/Cai/Dee), outstanding after, pool, dividend each, carry out
        ((16666, 10000, 6667), [33334, 20000, 13333], 0, 0, 0),
        ((16667, 10000, 6666), [16667, 10000, 6667], 0, 0, 0),
        ((16666, 10000, 6667), [1, 0, 0], 0, 0, 0),
        ((1, 0, 0), [0, 0, 0], 33332, 8333, 0),
    ]
    carry = 0
    totals = Counter()
    for month, (paid, after, pool, each, carry_out) in enumerate(expected, start=1):
        outcome, outstanding = _month(outstanding, carry)
        by_holding = _redeemed_by_holding(outcome)
        assert tuple(by_holding[hid] for hid, _ in HOLDERS) == paid, f"month {month}"
        assert outstanding == after, f"month {month}"
        assert (outcome.pool, outcome.dividend_each, outcome.carry_out) == (
            pool,
            each,
            carry_out,
        ), f"month {month}"
        assert outcome.conserved
        for hid, amount in by_holding.items():
            totals[hid] += amount
        carry = outcome.carry_out
    assert totals == {11: 50000, 12: 30000, 13: 20000}


def test_worked_example_month_four_lease_outcome():
    """Month 4: the lease redeems 1 cent and passes the other 33332 to the pool."""
    outcome = clear_period([_tractor([1, 0, 0])], 4, 0)
    (lease,) = outcome.leases
    assert (lease.rent_received, lease.redeemed, lease.to_pool) == (33333, 1, 33332)
    assert (lease.outstanding_before, lease.outstanding_after) == (1, 0)
    # Cai and Dee are fully repaid: only Ana's cent appears as a redemption.
    assert [(r.holding_id, r.member_id, r.amount) for r in outcome.redemptions] == [(11, ANA, 1)]


def test_pool_of_100_among_3_members_carries_a_cent():
    """PROTOCOL.md: a pool of 100.00 among 3 gives 33.33 each and carries 0.01."""
    repaid = LeaseRent(TRACTOR, 10000, [HoldingBalance(11, ANA, 0)])
    outcome = clear_period([repaid], 3, 0)
    assert (outcome.redeemed, outcome.pool) == (0, 10000)
    assert (outcome.dividend_each, outcome.dividends, outcome.carry_out) == (3333, 9999, 1)


def test_carry_feeds_the_next_pool():
    """The carried cent joins the next period's pool: 1 + 9998 = 9999 -> 3333 each."""
    first = clear_period([LeaseRent(TRACTOR, 10000, [])], 3, 0)
    second = clear_period([LeaseRent(TRACTOR, 9998, [])], 3, first.carry_out)
    assert (second.pool, second.dividend_each, second.carry_out) == (9999, 3333, 0)


def test_no_eligible_member_carries_the_whole_pool():
    """Nobody was a member for the whole period: nothing is paid, everything carries."""
    outcome = clear_period([LeaseRent(TRACTOR, 5000, [])], 0, 17)
    assert (outcome.pool, outcome.dividend_each, outcome.dividends) == (5017, 0, 0)
    assert outcome.carry_out == 5017


def test_no_rent_no_carry_clears_to_nothing():
    outcome = clear_period([], 4, 0)
    assert (outcome.rent_received, outcome.redeemed, outcome.pool, outcome.carry_out) == (
        0,
        0,
        0,
        0,
    )
    assert clearing_entry("2027-01", outcome, EVERYONE).postings == []


def test_clearing_entry_of_month_one():
    """Redemptions are paid from cash: +holding for each, -cash for the total."""
    outcome, _ = _month([50000, 30000, 20000], 0)
    made = clearing_entry("2027-02", outcome, EVERYONE)
    assert made.kind == "clearing" and made.ref == "period:2027-02"
    assert made.balanced
    assert [(p.kind, p.ref, p.amount) for p in made.postings] == [
        (AccountKind.HOLDING, 11, 16666),
        (AccountKind.HOLDING, 12, 10000),
        (AccountKind.HOLDING, 13, 6667),
        (AccountKind.CASH, 0, -33333),
    ]


def test_clearing_entry_refuses_the_wrong_number_of_members():
    """Passing fewer member ids than were counted eligible would lose money: refuse."""
    outcome = clear_period([LeaseRent(TRACTOR, 10000, [])], 3, 0)
    with pytest.raises(UnbalancedEntry):
        clearing_entry("2027-01", outcome, [ANA, BEN])


# ---------------------------------------------------------------- properties


@st.composite
def communes(draw):
    """Leases with 0..5 holdings each (outstanding may be 0), and rents for 1..5 periods."""
    n_leases = draw(st.integers(0, 4))
    holdings: list[list[tuple[int, int, int]]] = []
    next_id = 100
    for _ in range(n_leases):
        lease = []
        for _ in range(draw(st.integers(0, 5))):
            member = draw(st.integers(1, 8))
            lease.append((next_id, member, draw(st.integers(0, 200_000))))
            next_id += 1
        holdings.append(lease)
    n_periods = draw(st.integers(1, 5))
    rents = [[draw(st.integers(0, 150_000)) for _ in range(n_leases)] for _ in range(n_periods)]
    eligible = [draw(st.integers(0, 7)) for _ in range(n_periods)]
    carry_in = draw(st.integers(0, 10_000))
    return holdings, rents, eligible, carry_in


@settings(max_examples=150, deadline=None)
@given(communes())
def test_consecutive_periods_keep_every_rule(commune):
    """Run several periods, feeding outstanding balances and carry forward.

    Every period must conserve money to the cent, redeem each lease by exactly
    min(rent, owed), never repay a holding past what it is owed (and so, across
    periods, past its principal), carry fewer cents than there are members (or
    the whole pool when there is nobody), and produce a balanced journal entry
    whose dividend postings are all the same amount.
    """
    holdings, rents, eligible_by_period, carry = commune
    principal = {hid: owed for lease in holdings for hid, _, owed in lease}
    outstanding = dict(principal)
    member_of = {hid: mid for lease in holdings for hid, mid, _ in lease}

    for period, (period_rents, eligible) in enumerate(
        zip(rents, eligible_by_period, strict=True), start=1
    ):
        leases = [
            LeaseRent(
                issue_id,
                rent,
                [HoldingBalance(h, member_of[h], outstanding[h]) for h, _, _ in lease],
            )
            for issue_id, (lease, rent) in enumerate(
                zip(holdings, period_rents, strict=True), start=1
            )
        ]
        outcome = clear_period(leases, eligible, carry)

        # conservation, to the cent
        assert outcome.rent_received == sum(period_rents)
        assert outcome.carry_in == carry
        assert (
            outcome.rent_received + outcome.carry_in
            == outcome.redeemed + outcome.dividends + outcome.carry_out
        )

        # each lease: redeem min(rent, owed), the rest to the pool
        for lease, lease_outcome in zip(leases, outcome.leases, strict=True):
            owed = sum(h.outstanding for h in lease.holdings)
            assert lease_outcome.outstanding_before == owed
            assert lease_outcome.redeemed == min(lease.rent_received, owed)
            assert lease_outcome.to_pool == lease.rent_received - lease_outcome.redeemed
        assert outcome.redeemed == sum(lo.redeemed for lo in outcome.leases)
        assert outcome.pool == sum(lo.to_pool for lo in outcome.leases) + carry

        # redemptions: positive, within what is owed, per lease adding up
        per_issue = Counter()
        for r in outcome.redemptions:
            assert r.amount > 0
            assert r.member_id == member_of[r.holding_id]
            assert r.amount <= outstanding[r.holding_id]
            assert r.outstanding_after == outstanding[r.holding_id] - r.amount
            per_issue[r.issue_id] += r.amount
        assert len({r.holding_id for r in outcome.redemptions}) == len(outcome.redemptions)
        for issue_id, lo in enumerate(outcome.leases, start=1):
            assert per_issue[issue_id] == lo.redeemed

        # the dividend and the carry
        if eligible > 0:
            assert outcome.eligible == eligible
            assert outcome.dividend_each == outcome.pool // eligible
            assert 0 <= outcome.carry_out < eligible
        else:
            assert outcome.dividend_each == 0
            assert outcome.carry_out == outcome.pool

        # the journal entry balances; dividends are equal for everyone
        member_ids = list(range(1000, 1000 + max(eligible, 0)))
        made = clearing_entry(f"2027-{period:02d}", outcome, member_ids)
        assert sum(p.amount for p in made.postings) == 0
        dividends = [p for p in made.postings if p.kind is AccountKind.DIVIDEND]
        assert {p.amount for p in dividends} <= {outcome.dividend_each}
        assert len(dividends) == (eligible if outcome.dividend_each else 0)
        holding_postings = {p.ref: p.amount for p in made.postings if p.kind is AccountKind.HOLDING}
        assert holding_postings == {r.holding_id: r.amount for r in outcome.redemptions}

        # carry forward
        for r in outcome.redemptions:
            outstanding[r.holding_id] -= r.amount
        carry = outcome.carry_out

    for hid, owed in outstanding.items():
        assert 0 <= owed <= principal[hid]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 100_000), max_size=6),
    st.integers(0, 400_000),
)
def test_redeem_repays_pro_rata_and_never_past_outstanding(balances, rent):
    """One lease on its own: what `redeem` pays matches a largest-remainder split."""
    lease = LeaseRent(1, rent, [HoldingBalance(i, i, b) for i, b in enumerate(balances)])
    outcome, redemptions = redeem(lease)
    owed = sum(balances)
    assert outcome.redeemed == min(rent, owed)
    assert outcome.to_pool == rent - outcome.redeemed
    paid = {r.holding_id: r.amount for r in redemptions}
    for i, b in enumerate(balances):
        got = paid.get(i, 0)
        assert 0 <= got <= b
        if owed:
            exact_floor = outcome.redeemed * b // owed
            assert got in (exact_floor, exact_floor + 1)
    if rent >= owed:
        assert paid == {i: b for i, b in enumerate(balances) if b}
