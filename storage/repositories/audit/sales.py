"""The invariants of asset sales: each sale against its lines, its journal entry, the
lease it ended and the holdings it settled."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    ScalarSelect,
    Select,
    String,
    and_,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from domain.journal import AccountKind
from domain.sales import SALE_ENTRY
from storage.decision_tables import AssetSaleLineRow, AssetSaleRow, LeaseTermRow
from storage.repositories.audit.shape import (
    ASSET,
    CASH,
    CLEARED,
    HOLDING,
    Scope,
    expected_sum,
    found_sum,
    ref_key,
    shape,
    sides,
)
from storage.tables import BondIssueRow, HoldingRow, JournalEntryRow, JournalPostingRow

WRITTEN_OFF = AccountKind.WRITTEN_OFF.value


def sale_left(commune_id: Any, period: Any) -> ScalarSelect[Any]:
    """What the commune's sales of ``period`` left to its pool (0 if none)."""
    s = AssetSaleRow
    return (
        select(cast(func.coalesce(func.sum(s.to_pool), 0), BigInteger))
        .where(s.commune_id == commune_id, s.period == period)
        .scalar_subquery()
    )


class SaleChecks(Scope):
    """Sales: their arithmetic, their entries and the leases they ended."""

    def sale_entries(self) -> Select[Any]:
        """Each sale's entry: proceeds into cash (less what repaid the holdings) and out
        of the asset; each holding repaid and written off; the bond's write-off."""
        s, line, e, p = AssetSaleRow, AssetSaleLineRow, JournalEntryRow, JournalPostingRow

        def wanted(kind: str, ref: Any, amount: Any, *joins: Any) -> Select[Any]:
            query = select(
                s.id.label("sale_id"),
                s.commune_id.label("commune_id"),
                s.issue_id.label("issue_id"),
                literal(kind, String).label("kind"),
                cast(ref, BigInteger).label("ref"),
                cast(null(), BigInteger).label("entry_id"),
                cast(amount, BigInteger).label("amount"),
            )
            for join in joins:
                query = query.join(*join)
            return query.where(self.of(s.commune_id))

        expected = union_all(
            wanted(CASH, 0, s.proceeds - s.repaid),
            wanted(ASSET, s.issue_id, -s.proceeds),
            wanted(WRITTEN_OFF, s.issue_id, -s.written_off),
            wanted(
                HOLDING,
                line.holding_id,
                line.repaid + line.written_off,
                (line, line.sale_id == s.id),
            ),
        )
        found = (
            select(
                s.id,
                s.commune_id,
                s.issue_id,
                p.account_kind,
                cast(p.account_ref, BigInteger),
                cast(e.id, BigInteger),
                cast(p.amount, BigInteger),
            )
            .join(
                e,
                and_(
                    e.commune_id == s.commune_id,
                    e.kind == SALE_ENTRY,
                    e.ref == ref_key("sale:", s.id),
                ),
            )
            .join(p, p.entry_id == e.id)
            .where(self.of(s.commune_id))
        )
        rows = sides(expected, found)
        return (
            shape(
                "sale_entry",
                commune=rows.c.commune_id,
                issue=func.max(rows.c.issue_id),
                entry=func.max(rows.c.entry_id),
                expected=expected_sum(rows),
                found=found_sum(rows),
            )
            .group_by(rows.c.commune_id, rows.c.sale_id, rows.c.kind, rows.c.ref)
            .having(expected_sum(rows) != found_sum(rows))
        )

    def sale_amounts(self) -> list[Select[Any]]:
        """Proceeds = repaid + left to the pool, never both left over and written off;
        the lines add up to what the sale repaid and wrote off."""
        s, line = AssetSaleRow, AssetSaleLineRow
        ids = {"commune": s.commune_id, "issue": s.issue_id}
        lines = (
            select(
                line.sale_id,
                func.sum(line.repaid).label("repaid"),
                func.sum(line.written_off).label("written_off"),
                func.min(line.repaid).label("least_repaid"),
                func.min(line.written_off).label("least_written_off"),
            )
            .group_by(line.sale_id)
            .subquery()
        )
        repaid = func.coalesce(lines.c.repaid, 0)
        written_off = func.coalesce(lines.c.written_off, 0)
        return [
            shape(
                "sale_amounts",
                **ids,
                expected=s.proceeds,
                found=s.repaid + s.to_pool,
                where=and_(
                    self.of(s.commune_id),
                    or_(
                        s.proceeds != s.repaid + s.to_pool,
                        s.repaid < 0,
                        s.to_pool < 0,
                        s.written_off < 0,
                        and_(s.to_pool > 0, s.written_off > 0),
                    ),
                ),
            ),
            shape("sale_amounts", **ids, expected=s.repaid, found=repaid)
            .outerjoin(lines, lines.c.sale_id == s.id)
            .where(
                self.of(s.commune_id),
                or_(
                    s.repaid != repaid,
                    lines.c.least_repaid < 0,
                    lines.c.least_written_off < 0,
                ),
            ),
            shape("sale_amounts", **ids, expected=s.written_off, found=written_off)
            .outerjoin(lines, lines.c.sale_id == s.id)
            .where(self.of(s.commune_id), s.written_off != written_off),
        ]

    def sale_leases(self) -> Select[Any]:
        """A sale is for a positive amount, of a cleared bond of its commune whose latest
        lease term ended it, its lines are that bond's holdings, and it leaves none
        of them owed."""
        s, i, t, line, h = (
            AssetSaleRow,
            BondIssueRow,
            LeaseTermRow,
            AssetSaleLineRow,
            HoldingRow,
        )
        newest = aliased(LeaseTermRow)
        latest = (
            select(func.max(newest.id))
            .where(newest.issue_id == s.issue_id)
            .correlate(s)
            .scalar_subquery()
        )
        ended = exists().where(t.id == latest, t.rent.is_(None)).correlate(s)
        owed = exists().where(h.issue_id == s.issue_id, h.principal > h.redeemed).correlate(s)
        stray = (
            exists()
            .where(line.sale_id == s.id, h.id == line.holding_id, h.issue_id != s.issue_id)
            .correlate(s)
        )
        return (
            shape(
                "sale_lease",
                commune=s.commune_id,
                issue=s.issue_id,
                found=s.proceeds,
            )
            .outerjoin(i, i.id == s.issue_id)
            .where(
                self.of(s.commune_id),
                or_(
                    s.proceeds <= 0,
                    i.id.is_(None),
                    i.commune_id != s.commune_id,
                    i.status != CLEARED,
                    ~ended,
                    owed,
                    stray,
                ),
            )
        )
