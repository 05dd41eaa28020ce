"""The clearing of one period: redemption, dividend pool, social dividend, carry.

A pure function of what storage read under the clearing's claim: the rent each
lease received in the period, the holdings' outstanding principal, the eligible
members and the carry from the last period. It returns every amount and the
journal entry that moves them, and checks conservation before returning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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

    @property
    def dividends(self) -> int:
        return self.dividend_each * self.eligible

    @property
    def conserved(self) -> bool:
        return self.rent_received + self.carry_in == self.redeemed + self.dividends + self.carry_out


class ConservationError(AssertionError):
    """A bug, never a user error: the period would not add up to the cent."""


def redeem(lease: LeaseRent) -> tuple[LeaseOutcome, list[Redemption]]:
    """Repay a lease's holdings from its rent, pro rata to what each is still owed."""
    owed = sum(h.outstanding for h in lease.holdings)
    to_redeem = min(lease.rent_received, owed)
    parts = largest_remainder(to_redeem, [h.outstanding for h in lease.holdings])
    redemptions = [
        Redemption(h.holding_id, h.member_id, lease.issue_id, part, h.outstanding - part)
        for h, part in zip(lease.holdings, parts, strict=True)
        if part
    ]
    outcome = LeaseOutcome(
        lease.issue_id, lease.rent_received, to_redeem, lease.rent_received - to_redeem, owed
    )
    return outcome, redemptions


def clear_period(
    leases: Sequence[LeaseRent], eligible_members: int, carry_in: int
) -> ClearingOutcome:
    """Compute the whole period; raises ConservationError rather than lose a cent."""
    outcomes: list[LeaseOutcome] = []
    redemptions: list[Redemption] = []
    for lease in leases:
        outcome, lease_redemptions = redeem(lease)
        outcomes.append(outcome)
        redemptions.extend(lease_redemptions)
    rent = sum(o.rent_received for o in outcomes)
    redeemed = sum(o.redeemed for o in outcomes)
    pool = sum(o.to_pool for o in outcomes) + carry_in
    each, carry_out = equal_split(pool, eligible_members)
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
    )
    if not result.conserved:
        raise ConservationError(f"period does not conserve money: {result}")
    return result


def clearing_entry(
    period: str, outcome: ClearingOutcome, eligible_member_ids: Sequence[int]
) -> JournalEntry:
    """The journal entry that pays out a period: redemptions and dividends from cash."""
    postings = [Posting(AccountKind.HOLDING, r.holding_id, r.amount) for r in outcome.redemptions]
    if outcome.dividend_each:
        postings += [
            Posting(AccountKind.DIVIDEND, member_id, outcome.dividend_each)
            for member_id in eligible_member_ids
        ]
    postings.append(Posting(AccountKind.CASH, 0, -(outcome.redeemed + outcome.dividends)))
    return entry("clearing", f"period:{period}", postings)
