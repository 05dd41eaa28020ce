"""Selling the asset of an ended lease: the proceeds repay its bondholders.

Once an assembly has ended a lease (an ``end lease`` motion carried), the treasurer
may record the sale of its asset (``/sold``). The proceeds repay the holdings still
owed exactly as a period's rent does (``domain.clearing.settle`` and ``split``: pro
rata to what each is owed, largest remainder, ties to the earlier pledge), capped at
what they are owed; what is left goes to the open period's dividend pool, and what
the proceeds do not cover is written off. Either way every holding of the bond is
settled by the sale: nothing more is owed on it, and no later rent repays it.

A lease may instead be let again (a ``relet`` motion): an asset sold is never let
again, and a lease let again is no longer ended, so it cannot be sold until an
assembly ends it once more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from domain.bonds import BondIssue, IssueStatus, LeaseTerm, ended_from
from domain.clearing import HoldingBalance, LeaseTotal, settle, split
from domain.errors import Refusal
from domain.journal import JournalEntry, asset_sold

SALE_ENTRY = "sale"


def sale_ref(sale_id: int) -> str:
    """The reference of a sale's journal entry: ``sale:7``."""
    return f"sale:{sale_id}"


@dataclass(frozen=True)
class SaleLine:
    """What a sale did to one holding: repaid from the proceeds, and written off."""

    holding_id: int
    member_id: int
    repaid: int
    written_off: int


@dataclass(frozen=True)
class Sale:
    """A sale's amounts: ``proceeds`` = ``repaid`` + ``to_pool``, and what the holdings
    were owed (``outstanding``) = ``repaid`` + ``written_off``."""

    issue_id: int
    proceeds: int
    outstanding: int
    repaid: int
    to_pool: int
    written_off: int
    lines: tuple[SaleLine, ...]

    @property
    def conserved(self) -> bool:
        return (
            self.proceeds == self.repaid + self.to_pool
            and self.outstanding == self.repaid + self.written_off
            and sum(line.repaid for line in self.lines) == self.repaid
            and sum(line.written_off for line in self.lines) == self.written_off
            and min(self.to_pool, self.written_off) == 0
        )


class SaleError(AssertionError):
    """A bug, never a user error: a sale would create or lose money."""


def sell(issue_id: int, proceeds: int, holdings: Sequence[HoldingBalance]) -> Sale:
    """Split ``proceeds`` among the ``holdings`` still owed (in pledge order)."""
    owed = [h.outstanding for h in holdings]
    lease = LeaseTotal(issue_id, proceeds, sum(owed))
    outcome = settle(lease)
    parts = split(lease, owed)
    lines = tuple(
        SaleLine(h.holding_id, h.member_id, part, h.outstanding - part)
        for h, part in zip(holdings, parts, strict=True)
    )
    sale = Sale(
        issue_id,
        proceeds,
        lease.outstanding,
        outcome.redeemed,
        outcome.to_pool,
        lease.outstanding - outcome.redeemed,
        lines,
    )
    if not sale.conserved:
        raise SaleError(f"sale does not conserve money: {sale}")
    return sale


def sale_entry(sale_id: int, sale: Sale) -> JournalEntry:
    """The sale's journal entry (domain.journal.asset_sold)."""
    return asset_sold(
        sale.issue_id,
        sale_id,
        sale.proceeds,
        [(line.holding_id, line.repaid) for line in sale.lines if line.repaid],
        [(line.holding_id, line.written_off) for line in sale.lines if line.written_off],
    )


def check_ended(issue: BondIssue, terms: Sequence[LeaseTerm], sold: bool) -> None:
    """Refuse to sell or let again an asset whose lease has not ended (or never ran),
    or that is already sold."""
    if issue.status is not IssueStatus.CLEARED:
        raise Refusal("not_leased", number=issue.number, asset=issue.asset)
    if sold:
        raise Refusal("asset_sold", number=issue.number, asset=issue.asset)
    if ended_from(terms) is None:
        raise Refusal("lease_not_ended", number=issue.number, asset=issue.asset)


def check_sellable(issue: BondIssue, terms: Sequence[LeaseTerm], sold: bool, proceeds: int) -> None:
    """``check_ended``, and the proceeds must be positive."""
    check_ended(issue, terms, sold)
    if proceeds <= 0:
        raise Refusal("amount_not_positive")


class SaleShare(NamedTuple):
    """What a period's sale did to a member's holdings of one bond (all of them)."""

    member_id: int
    number: int
    repaid: int
    written_off: int


class SaleTotals(NamedTuple):
    """A period's sales: what they brought in, repaid, left to the pool, wrote off."""

    proceeds: int
    repaid: int
    to_pool: int
    written_off: int


NO_SALES = SaleTotals(0, 0, 0, 0)
