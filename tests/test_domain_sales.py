"""Selling an ended lease's asset (domain/sales.py) and letting it again.

The proceeds repay the holdings still owed by the clearing's rule (pro rata, largest
remainder, ties to the earlier pledge); what is left goes to the pool, what they do
not cover is written off. Then properties over random holdings and proceeds: the
sale conserves money, settles every holding, and its journal entry balances; a
period whose pool receives a sale's leftover still conserves money.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import limits
from domain.arrears import SOLD, LeaseDue, arrears_in, listed, running
from domain.bonds import (
    BondIssue,
    IssueStatus,
    LeaseTerm,
    ended_from,
    lessee_in,
    letting_from,
    rent_in,
)
from domain.clearing import HoldingBalance, LeaseTotal, clear_totals
from domain.errors import Refusal
from domain.journal import AccountKind
from domain.sales import SaleLine, check_ended, check_sellable, sale_entry, sale_ref, sell

ANA, CAI, DEE = 1, 3, 4
TRACTOR = 7
# After January of tests/test_arrears.py: ana is owed 540.00, cai 360.00.
OWED = [HoldingBalance(11, ANA, 54000), HoldingBalance(12, CAI, 36000)]


def test_proceeds_below_what_is_owed_repay_pro_rata_and_the_rest_is_written_off() -> None:
    sale = sell(TRACTOR, 60000, OWED)
    assert (sale.outstanding, sale.repaid, sale.to_pool, sale.written_off) == (
        90000,
        60000,
        0,
        30000,
    )
    assert sale.lines == (SaleLine(11, ANA, 36000, 18000), SaleLine(12, CAI, 24000, 12000))


def test_proceeds_above_what_is_owed_repay_it_all_and_leave_the_rest_to_the_pool() -> None:
    sale = sell(TRACTOR, 100000, OWED)
    assert (sale.repaid, sale.to_pool, sale.written_off) == (90000, 10000, 0)
    assert [(line.repaid, line.written_off) for line in sale.lines] == [(54000, 0), (36000, 0)]


def test_a_cent_that_splits_evenly_goes_to_the_earlier_pledge() -> None:
    even = [HoldingBalance(21, CAI, 100), HoldingBalance(22, ANA, 100)]
    assert [line.repaid for line in sell(TRACTOR, 101, even).lines] == [51, 50]
    assert [line.written_off for line in sell(TRACTOR, 101, even).lines] == [49, 50]


def test_nothing_owed_leaves_everything_to_the_pool() -> None:
    sale = sell(TRACTOR, 500, [])
    assert (sale.outstanding, sale.repaid, sale.to_pool, sale.lines) == (0, 0, 500, ())


def test_the_entry_takes_the_proceeds_in_and_settles_every_holding() -> None:
    sale = sell(TRACTOR, 60000, OWED)
    made = sale_entry(5, sale)
    assert (made.kind, made.ref, made.balanced) == ("sale", sale_ref(5), True)
    by_kind: dict[AccountKind, int] = {}
    for posting in made.postings:
        by_kind[posting.kind] = by_kind.get(posting.kind, 0) + posting.amount
    assert by_kind == {
        AccountKind.CASH: 0,
        AccountKind.ASSET: -60000,
        AccountKind.HOLDING: 90000,
        AccountKind.WRITTEN_OFF: -30000,
    }


def _issue(status: IssueStatus = IssueStatus.CLEARED) -> BondIssue:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    return BondIssue(TRACTOR, 1, 1, 1, 2, "Tractor", 100000, 30000, at, at, status=status)


ENDED = [LeaseTerm("2027-05", None)]


@pytest.mark.parametrize(
    ("issue", "terms", "sold", "proceeds", "code"),
    [
        (_issue(IssueStatus.OPEN), ENDED, False, 1, "not_leased"),
        (_issue(), ENDED, True, 1, "asset_sold"),
        (_issue(), [], False, 1, "lease_not_ended"),
        (_issue(), [*ENDED, LeaseTerm("2027-06", 25000, 2)], False, 1, "lease_not_ended"),
        (_issue(), ENDED, False, 0, "amount_not_positive"),
    ],
)
def test_a_sale_is_refused_unless_the_lease_ended_and_the_asset_is_unsold(
    issue: BondIssue, terms: list[LeaseTerm], sold: bool, proceeds: int, code: str
) -> None:
    with pytest.raises(Refusal) as refused:
        check_sellable(issue, terms, sold, proceeds)
    assert refused.value.code == code
    check_sellable(_issue(), ENDED, False, 1)
    check_ended(_issue(), ENDED, False)


def test_a_lease_let_again_runs_for_its_new_lessee_from_its_new_letting() -> None:
    terms = [LeaseTerm("2027-03", 35000), *ENDED, LeaseTerm("2027-07", 25000, 2)]
    assert ended_from(terms[:2]) == "2027-05"
    assert ended_from(terms) is None
    assert [rent_in(30000, terms, p) for p in ("2027-02", "2027-04", "2027-06", "2027-07")] == [
        30000,
        35000,
        None,
        25000,
    ]
    assert [lessee_in(1, terms, p) for p in ("2027-06", "2027-07")] == [1, 2]
    assert [letting_from("2027-01", terms, p) for p in ("2027-06", "2027-08")] == [
        "2027-01",
        "2027-07",
    ]


def _due(terms: tuple[LeaseTerm, ...], received: int, paid: int, sold: bool = False) -> LeaseDue:
    cleared = datetime(2026, 12, 1, 9, tzinfo=UTC)
    return LeaseDue(TRACTOR, 1, 1, cleared, 30000, terms, paid, received, 0, 4, sold=sold)


def test_a_new_letting_starts_its_arrears_and_its_run_afresh() -> None:
    terms = (*ENDED, LeaseTerm("2027-06", 25000, 2))
    line = arrears_in(_due(terms, 0, 0), "2027-06", "Europe/Madrid")
    assert (line.cooperative_id, line.rent_due, line.arrears, line.months) == (2, 25000, 25000, 1)
    assert not running(_due(ENDED, 0, 0), "2027-05", "Europe/Madrid")


def test_a_lease_sold_in_a_period_is_listed_in_it_as_sold() -> None:
    due = _due(ENDED, 10000, 0, sold=True)
    assert listed(due, "2027-06", "Europe/Madrid")
    line = arrears_in(due, "2027-06", "Europe/Madrid")
    assert (line.status, line.rent_due, line.months) == (SOLD, 0, 0)


HOLDINGS = st.lists(st.integers(min_value=1, max_value=10**9), max_size=12)


@given(owed=HOLDINGS, proceeds=st.integers(min_value=1, max_value=2 * 10**9))
def test_a_sale_conserves_money_and_settles_every_holding(owed: list[int], proceeds: int) -> None:
    holdings = [HoldingBalance(100 + n, n, amount) for n, amount in enumerate(owed)]
    sale = sell(TRACTOR, proceeds, holdings)
    assert sale.conserved
    assert sale.repaid == min(proceeds, sum(owed))
    assert sale.repaid + sale.to_pool == proceeds
    for holding, line in zip(holdings, sale.lines, strict=True):
        assert line.repaid >= 0 and line.written_off >= 0
        assert line.repaid + line.written_off == holding.outstanding
    assert sale_entry(1, sale).balanced


@given(
    rents=st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 10**7)), min_size=0, max_size=5),
    owed=HOLDINGS,
    proceeds=st.integers(min_value=1, max_value=10**9),
    eligible=st.integers(0, 50),
    carry_in=st.integers(0, 49),
)
def test_a_period_with_a_sale_conserves_money(
    rents: list[tuple[int, int]], owed: list[int], proceeds: int, eligible: int, carry_in: int
) -> None:
    """rent + carry in + sale proceeds left = redeemed + dividends + carry out."""
    sale = sell(TRACTOR, proceeds, [HoldingBalance(n, n, a) for n, a in enumerate(owed)])
    leases = [LeaseTotal(n, rent, due) for n, (rent, due) in enumerate(rents)]
    outcome = clear_totals(leases, eligible, min(carry_in, max(eligible - 1, 0)), sale.to_pool)
    assert outcome.conserved
    assert outcome.pool == (
        sum(max(0, rent - due) for rent, due in rents) + outcome.carry_in + sale.to_pool
    )
    assert outcome.rent_received + outcome.carry_in + sale.to_pool == (
        outcome.redeemed + outcome.dividends + outcome.carry_out
    )


def test_a_sale_that_could_take_the_pool_past_its_limit_is_refused() -> None:
    limits.check_sale("2027-05", 1, limits.POOL_LIMIT - 1)
    with pytest.raises(Refusal) as refused:
        limits.check_sale("2027-05", 2, limits.POOL_LIMIT - 1)
    assert refused.value.code == "dividend_pool_limit"
    assert refused.value.params == {
        "limit": limits.POOL_LIMIT,
        "period": "2027-05",
        "so_far": limits.POOL_LIMIT - 1,
    }
