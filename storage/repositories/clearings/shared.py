"""What the clearing's writes and the reads of its statements and report share.

The journal entry of a clearing, the year-to-date totals (the clearing keeps them,
the statements read them) and the conditions that find a clearing's ``holding``
postings: query pieces, so that each reader's SQL stays what it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    ScalarSelect,
    Select,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from domain.clearing import CLEARING_ENTRY, clearing_ref
from domain.journal import AccountKind
from storage.decision_tables import AssetSaleLineRow, AssetSaleRow, LeaseTermRow
from storage.repositories.parts import SessionPart
from storage.tables import (
    BondIssueRow,
    ClearingMemberRow,
    ClearingRow,
    ClearingYearToDateRow,
    HoldingRow,
    JournalEntryRow,
    JournalPostingRow,
)

FETCH = 10_000  # rows per fetchmany when streaming
Kept = tuple[int, str]  # (clearing id, period) of a clearing whose year-to-date totals are kept


class OnSession(SessionPart):
    """A part of ``ClearingRepository``, with what its parts share."""

    def entry_of(self, clearing_id: int) -> int | None:
        """The journal entry of a clearing (kind ``clearing``, ref ``period:YYYY-MM``)."""
        commune_id, period = self.session.execute(
            select(ClearingRow.commune_id, ClearingRow.period).where(ClearingRow.id == clearing_id)
        ).one()
        return self.session.execute(
            select(func.min(JournalEntryRow.id)).where(
                JournalEntryRow.commune_id == commune_id,
                JournalEntryRow.kind == CLEARING_ENTRY,
                JournalEntryRow.ref == clearing_ref(period),
            )
        ).scalar_one()

    def kept_through(self, commune_id: int, first: str, last: str) -> Kept | None:
        """(clearing id, period) of the latest clearing from ``first`` to ``last`` whose
        year-to-date totals are kept; None if none is (or ``first`` is no January)."""
        if not first.endswith("-01") or first[:4] != last[:4]:
            return None
        kept = self.session.execute(
            select(ClearingRow.id, ClearingRow.period)
            .where(
                ClearingRow.commune_id == commune_id,
                ClearingRow.period >= first,
                ClearingRow.period <= last,
                select(ClearingYearToDateRow.clearing_id)
                .where(ClearingYearToDateRow.clearing_id == ClearingRow.id)
                .exists(),
            )
            .order_by(ClearingRow.period.desc())
            .limit(1)
        ).one_or_none()
        return None if kept is None else (kept[0], kept[1])


def clearing_entries(commune_id: int, *refs: Any) -> ScalarSelect[int]:
    """The clearing entries of a commune whose refs match: a scalar subquery."""
    return (
        select(JournalEntryRow.id)
        .where(
            JournalEntryRow.commune_id == commune_id,
            JournalEntryRow.kind == CLEARING_ENTRY,
            *refs,
        )
        .scalar_subquery()
    )


def year_totals(commune_id: int, first: str, last: str, kept: Kept | None) -> Select[Any]:
    """(member id, dividends, repaid) over the clearings from ``first`` to ``last``,
    grouped by member: the kept totals through ``kept`` (from January), plus the
    roster's dividends, the ``holding`` postings of each clearing after it and what
    the asset sales of those periods repaid."""
    if kept is None:
        newer, newer_ref, newer_sale = (
            ClearingRow.period >= first,
            JournalEntryRow.ref >= clearing_ref(first),
            AssetSaleRow.period >= first,
        )
    else:
        newer, newer_ref, newer_sale = (
            ClearingRow.period > kept[1],
            JournalEntryRow.ref > clearing_ref(kept[1]),
            AssetSaleRow.period > kept[1],
        )
    sold = sale_shares(commune_id, newer_sale, AssetSaleRow.period <= last).subquery()
    clearings = (
        select(ClearingRow.id)
        .where(ClearingRow.commune_id == commune_id, newer, ClearingRow.period <= last)
        .scalar_subquery()
    )
    entries = clearing_entries(commune_id, newer_ref, JournalEntryRow.ref <= clearing_ref(last))
    posting = aliased(JournalPostingRow)
    parts = [
        select(
            ClearingMemberRow.member_id.label("member_id"),
            ClearingMemberRow.dividend.label("dividends"),
            cast(literal(0), BigInteger).label("repaid"),
        ).where(ClearingMemberRow.clearing_id.in_(clearings)),
        select(
            HoldingRow.member_id,
            cast(literal(0), BigInteger),
            posting.amount,
        )
        .join(posting, posting.account_ref == HoldingRow.id)
        .where(
            posting.entry_id.in_(entries),
            # ``+ 0``: by the entries' index. SQLite would otherwise prefer the
            # account index on (commune, kind): every holding posting ever.
            posting.commune_id + 0 == commune_id,
            posting.account_kind == AccountKind.HOLDING.value,
        ),
        select(sold.c.member_id, cast(literal(0), BigInteger), sold.c.repaid),
    ]
    if kept is not None:
        parts.append(
            select(
                ClearingYearToDateRow.member_id,
                ClearingYearToDateRow.dividends,
                ClearingYearToDateRow.repaid,
            ).where(ClearingYearToDateRow.clearing_id == kept[0])
        )
    rows = union_all(*parts).subquery()
    return select(
        rows.c.member_id,
        cast(func.sum(rows.c.dividends), BigInteger),
        cast(func.sum(rows.c.repaid), BigInteger),
    ).group_by(rows.c.member_id)


def repaid_where(repaid: Any, entry_id: int | None) -> tuple[ColumnElement[bool], ...]:
    """The postings of ``repaid`` (an alias of journal_posting) that are the redemptions
    of a clearing entry: its ``holding`` postings."""
    return (repaid.entry_id == entry_id, repaid.account_kind == AccountKind.HOLDING.value)


def posted_to_the_holding(
    commune_id: int, in_entries: Callable[[Any], ColumnElement[bool]]
) -> ScalarSelect[int]:
    """What the ``holding`` postings ``in_entries`` (a condition on their entry id) put
    to the outer query's holding, 0 if none: a subquery per holding, looked up by
    account (``ix_posting_account``), so it never depends on the planner's idea of
    the journal's size. The entry is only checked (``+ 0``): found by its index,
    the postings of a federation's clearing are 500,000 rows, and right after a
    clearing PostgreSQL's statistics may still say the journal is empty."""
    posting = aliased(JournalPostingRow)
    return (
        select(cast(func.coalesce(func.sum(posting.amount), 0), BigInteger))
        .where(
            posting.commune_id == commune_id,
            posting.account_kind == AccountKind.HOLDING.value,
            posting.account_ref == HoldingRow.id,
            in_entries(posting.entry_id + 0),
        )
        .scalar_subquery()
    )


def lessee(period: Any) -> ColumnElement[int]:
    """The cooperative leasing the outer query's bond in ``period`` (a value or a
    column): the latest ``relet`` from then or before, else the bond's own
    (domain.bonds.lessee_in)."""
    relet = (
        select(LeaseTermRow.cooperative_id)
        .where(
            LeaseTermRow.issue_id == BondIssueRow.id,
            LeaseTermRow.cooperative_id.is_not(None),
            LeaseTermRow.from_period <= period,
        )
        .order_by(LeaseTermRow.id.desc())
        .limit(1)
        .correlate(BondIssueRow)
        .scalar_subquery()
    )
    return func.coalesce(relet, BondIssueRow.cooperative_id)


def sale_shares(commune_id: int, *periods: Any) -> Select[Any]:
    """(member id, repaid, settled) of each holding line of the commune's sales whose
    period matches ``periods`` (conditions on ``asset_sale.period``): what the sale
    repaid, and what it settled (repaid and written off)."""
    return (
        select(
            HoldingRow.member_id.label("member_id"),
            HoldingRow.id.label("holding_id"),
            cast(AssetSaleLineRow.repaid, BigInteger).label("repaid"),
            cast(AssetSaleLineRow.repaid + AssetSaleLineRow.written_off, BigInteger).label(
                "settled"
            ),
        )
        .select_from(AssetSaleRow)
        .join(AssetSaleLineRow, AssetSaleLineRow.sale_id == AssetSaleRow.id)
        .join(HoldingRow, HoldingRow.id == AssetSaleLineRow.holding_id)
        .where(AssetSaleRow.commune_id == commune_id, *periods)
    )
