"""The clearing of one period: redemption, dividend pool, social dividend, carry.

A pure function of what storage read under the clearing's claim: the rent each
lease received in the period, the holdings' outstanding principal, the eligible
members, the carry from the last period and what the period's asset sales left
after repaying their bondholders (domain.sales), which joins the pool. The ``fund``
policy's share of the pool (rounded down) goes to the common fund before the equal
split. It returns
every amount and the journal entry that moves them, and checks conservation before
returning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from domain.allocation import equal_split, largest_remainder
from domain.journal import AccountKind, JournalEntry, Posting, entry


@dataclass(frozen=True)
class HoldingBalance:
    holding_id: int
    member_id: int
    outstanding: int


@dataclass(frozen=True)
class LeaseRent:
    """One lease's rent for the period and its holdings, in pledge order."""

    issue_id: int
    rent_received: int
    holdings: Sequence[HoldingBalance]


@dataclass(frozen=True)
class LeaseTotal:
    """One lease's rent for the period and the sum its holdings are still owed.

    Enough to compute every amount of a period but the split among holdings, which
    ``redeem`` does lease by lease; a large commune streams its holdings through it.
    """

    issue_id: int
    rent_received: int
    outstanding: int


class LeaseHoldings(NamedTuple):
    """A lease with its holdings still owed, in pledge order, as parallel lists: the
    clearing splits the lease's repayment among them with ``split``."""

    lease: LeaseTotal
    holding_ids: list[int]
    owed: list[int]


@dataclass(frozen=True)
class LeaseOutcome:
    issue_id: int
    rent_received: int
    redeemed: int
    to_pool: int
    outstanding_before: int

    @property
    def outstanding_after(self) -> int:
        return self.outstanding_before - self.redeemed


@dataclass(frozen=True)
class Redemption:
    holding_id: int
    member_id: int
    issue_id: int
    amount: int
    outstanding_after: int


@dataclass
class ClearingOutcome:
    rent_received: int
    carry_in: int
    redeemed: int
    pool: int
    eligible: int
    dividend_each: int
    carry_out: int
    leases: list[LeaseOutcome] = field(default_factory=list)
    redemptions: list[Redemption] = field(default_factory=list)
    sale_left: int = 0  # what the period's asset sales left for the pool
    fund_share: int = 0  # what the common fund keeps of the pool, before the split
    fund_percent: int = 0  # the ``fund`` policy it was kept by

    @property
    def dividends(self) -> int:
        return self.dividend_each * self.eligible

    @property
    def conserved(self) -> bool:
        money_in = self.rent_received + self.carry_in + self.sale_left
        money_out = self.redeemed + self.dividends + self.carry_out + self.fund_share
        return money_in == money_out


@dataclass(frozen=True)
class ClearingRecord:
    """A period's clearing as recorded: the next period carries on from its carry."""

    id: int
    commune_id: int
    period: str
    cleared_at: datetime
    rent_received: int
    carry_in: int
    redeemed: int
    pool: int
    eligible: int
    dividend_each: int
    carry_out: int
    fund_share: int = 0


class ConservationError(AssertionError):
    """A bug, never a user error: the period would not add up to the cent."""


def settle(lease: LeaseTotal) -> LeaseOutcome:
    """What a lease's rent repays (at most what is owed) and what it leaves for the pool."""
    to_redeem = min(lease.rent_received, lease.outstanding)
    return LeaseOutcome(
        lease.issue_id,
        lease.rent_received,
        to_redeem,
        lease.rent_received - to_redeem,
        lease.outstanding,
    )


def split(lease: LeaseTotal, outstanding: Sequence[int]) -> list[int]:
    """Each holding's part of what a lease redeems, pro rata to what each is owed.

    ``outstanding`` is every holding still owed on the lease, in pledge order; it
    must add up to the lease's total. The parts add up to what ``settle`` redeems.
    """
    if sum(outstanding) != lease.outstanding:
        raise ConservationError(f"lease {lease.issue_id}: holdings do not add up to its total")
    return largest_remainder(settle(lease).redeemed, outstanding)


def redeem(lease: LeaseRent) -> tuple[LeaseOutcome, list[Redemption]]:
    """Repay a lease's holdings from its rent, pro rata to what each is still owed."""
    weights = [h.outstanding for h in lease.holdings]
    total = LeaseTotal(lease.issue_id, lease.rent_received, sum(weights))
    outcome = settle(total)
    parts = split(total, weights)
    redemptions = [
        Redemption(h.holding_id, h.member_id, lease.issue_id, part, h.outstanding - part)
        for h, part in zip(lease.holdings, parts, strict=True)
        if part
    ]
    return outcome, redemptions


def clear_period(
    leases: Sequence[LeaseRent],
    eligible_members: int,
    carry_in: int,
    sale_left: int = 0,
    fund_percent: int = 0,
) -> ClearingOutcome:
    """Compute the whole period; raises ConservationError rather than lose a cent."""
    outcomes: list[LeaseOutcome] = []
    redemptions: list[Redemption] = []
    for lease in leases:
        outcome, lease_redemptions = redeem(lease)
        outcomes.append(outcome)
        redemptions.extend(lease_redemptions)
    return _close(outcomes, redemptions, eligible_members, carry_in, sale_left, fund_percent)


def clear_totals(
    leases: Sequence[LeaseTotal],
    eligible_members: int,
    carry_in: int,
    sale_left: int = 0,
    fund_percent: int = 0,
) -> ClearingOutcome:
    """The same period from each lease's totals, without the per-holding redemptions.

    Every amount ``clear_period`` returns but ``redemptions`` (left empty): the
    caller splits each lease's ``redeemed`` among its holdings with ``redeem``,
    lease by lease, and must get the same lease outcome back.
    """
    outcomes = [settle(lease) for lease in leases]
    return _close(outcomes, [], eligible_members, carry_in, sale_left, fund_percent)


def _close(
    outcomes: list[LeaseOutcome],
    redemptions: list[Redemption],
    eligible_members: int,
    carry_in: int,
    sale_left: int,
    fund_percent: int,
) -> ClearingOutcome:
    if sale_left < 0:
        raise ConservationError("a sale cannot take money out of the pool")
    if not 0 <= fund_percent <= 100:
        raise ConservationError(f"the fund cannot keep {fund_percent}% of the pool")
    rent = sum(o.rent_received for o in outcomes)
    redeemed = sum(o.redeemed for o in outcomes)
    pool = sum(o.to_pool for o in outcomes) + carry_in + sale_left
    fund_share = fund_share_of(pool, fund_percent)
    each, carry_out = equal_split(pool - fund_share, eligible_members)
    result = ClearingOutcome(
        rent_received=rent,
        carry_in=carry_in,
        redeemed=redeemed,
        pool=pool,
        eligible=eligible_members if eligible_members > 0 else 0,
        dividend_each=each,
        carry_out=carry_out,
        leases=outcomes,
        redemptions=redemptions,
        sale_left=sale_left,
        fund_share=fund_share,
        fund_percent=fund_percent,
    )
    if not result.conserved:
        raise ConservationError(f"period does not conserve money: {result}")
    return result


def fund_share_of(pool: int, fund_percent: int) -> int:
    """The common fund's share of a pool: ``fund_percent``% of it, rounded down."""
    return pool * fund_percent // 100


CLEARING_ENTRY = "clearing"


def clearing_ref(period: str) -> str:
    """The reference of a period's clearing entry in the journal: ``period:2027-01``."""
    return f"period:{period}"


def redemption_postings(redemptions: Sequence[Redemption]) -> list[Posting]:
    """What a clearing entry posts for its redemptions: each repaid to its holding."""
    return [Posting(AccountKind.HOLDING, r.holding_id, r.amount) for r in redemptions if r.amount]


def dividend_postings(
    outcome: ClearingOutcome, eligible_member_ids: Sequence[int]
) -> list[Posting]:
    """Each eligible member's dividend (none when the dividend is zero)."""
    if not outcome.dividend_each:
        return []
    return [
        Posting(AccountKind.DIVIDEND, member_id, outcome.dividend_each)
        for member_id in eligible_member_ids
    ]


def cash_posting(outcome: ClearingOutcome) -> Posting:
    """The common pool pays out everything the period redeems, divides and keeps in
    the common fund."""
    return Posting(
        AccountKind.CASH, 0, -(outcome.redeemed + outcome.dividends + outcome.fund_share)
    )


def fund_postings(outcome: ClearingOutcome) -> list[Posting]:
    """The common fund's share of the pool (none when it keeps nothing)."""
    return [Posting(AccountKind.FUND, 0, outcome.fund_share)] if outcome.fund_share else []


def clearing_entry(
    period: str, outcome: ClearingOutcome, eligible_member_ids: Sequence[int]
) -> JournalEntry:
    """The journal entry that pays out a period: redemptions, dividends and the common
    fund's share from cash.

    In this order: the holdings (as ``outcome.redemptions``), the dividends (by
    member), the fund, the cash. A federation's clearing writes the same entry piecewise
    (storage's ``JournalRepository.append_clearing_*``) and checks it balances.
    """
    postings = redemption_postings(outcome.redemptions)
    postings += dividend_postings(outcome, eligible_member_ids)
    postings += fund_postings(outcome)
    postings.append(cash_posting(outcome))
    return entry(CLEARING_ENTRY, clearing_ref(period), postings)
