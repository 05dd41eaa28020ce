"""The journal's own invariants: entries balance, and each records one thing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    String,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from domain.clearing import CLEARING_ENTRY
from domain.journal import GRANT_ENTRY
from domain.payouts import PAYOUT_ENTRY
from domain.sales import SALE_ENTRY
from storage.decision_tables import AssetSaleRow, FundGrantRow, PledgePaymentRow
from storage.payout_tables import PayoutRow
from storage.repositories.audit.shape import (
    CLEARED,
    Scope,
    expected_sum,
    found_sum,
    ref_key,
    shape,
    sides,
)
from storage.tables import (
    BondIssueRow,
    ClearingRow,
    JournalEntryRow,
    JournalPostingRow,
    RentReceiptRow,
)


class JournalChecks(Scope):
    """Each entry balanced, in its commune, and one per thing it records."""

    def entries_balance(self) -> Select[Any]:
        """Each entry's postings sum to zero and are in the entry's commune."""
        p = JournalPostingRow
        per_entry = (
            select(
                p.entry_id.label("entry_id"),
                func.sum(p.amount).label("total"),
                func.min(p.commune_id).label("low"),
                func.max(p.commune_id).label("high"),
            )
            .where(self.of(p.commune_id))
            .group_by(p.entry_id)
            .subquery()
        )
        e = JournalEntryRow
        unbalanced = per_entry.c.total != 0
        stray = case((per_entry.c.low != e.commune_id, per_entry.c.low), else_=per_entry.c.high)
        return (
            shape(
                case((unbalanced, "entry_unbalanced"), else_="posting_commune"),
                commune=e.commune_id,
                entry=e.id,
                expected=case((unbalanced, 0), else_=e.commune_id),
                found=case((unbalanced, per_entry.c.total), else_=stray),
            )
            .select_from(per_entry)
            .join(e, e.id == per_entry.c.entry_id)
            .where(
                or_(unbalanced, per_entry.c.low != e.commune_id, per_entry.c.high != e.commune_id)
            )
        )

    def entries_counted(self) -> Select[Any]:
        """One entry per receipt, cleared issue, payment, sale, grant, payout and clearing; no
        entry without one."""
        r, i, c, e = RentReceiptRow, BondIssueRow, ClearingRow, JournalEntryRow
        pp = PledgePaymentRow
        nothing = cast(null(), BigInteger)

        def wanted(kind: Any, commune: Any, ref: Any, **ids: Any) -> Select[Any]:
            return select(
                commune.label("commune_id"),
                (literal(kind, String) if isinstance(kind, str) else kind).label("kind"),
                ref.label("ref"),
                *(cast(ids.get(n, nothing), BigInteger).label(n) for n in ("rid", "iid", "cid")),
                cast(null(), BigInteger).label("eid"),
                literal(1).label("amount"),
            )

        expected = union_all(
            wanted("rent", r.commune_id, ref_key("receipt:", r.id), rid=r.id).where(
                self.of(r.commune_id)
            ),
            wanted("bond_cleared", i.commune_id, ref_key("issue:", i.id), iid=i.id).where(
                self.of(i.commune_id), i.status == CLEARED
            ),
            wanted(pp.kind, pp.commune_id, ref_key("payment:", pp.id)).where(
                self.of(pp.commune_id)
            ),
            wanted(CLEARING_ENTRY, c.commune_id, ref_key("period:", c.period), cid=c.id).where(
                self.of(c.commune_id)
            ),
            wanted(SALE_ENTRY, AssetSaleRow.commune_id, ref_key("sale:", AssetSaleRow.id)).where(
                self.of(AssetSaleRow.commune_id)
            ),
            wanted(
                GRANT_ENTRY, FundGrantRow.commune_id, ref_key("grant:", FundGrantRow.motion_id)
            ).where(self.of(FundGrantRow.commune_id)),
            wanted(PAYOUT_ENTRY, PayoutRow.commune_id, ref_key("payout:", PayoutRow.id)).where(
                self.of(PayoutRow.commune_id)
            ),
        )
        found = select(
            e.commune_id,
            e.kind,
            e.ref,
            nothing,
            nothing,
            nothing,
            cast(e.id, BigInteger),
            literal(1),
        ).where(self.of(e.commune_id))
        rows = sides(expected, found)
        return (
            shape(
                "entry_count",
                commune=rows.c.commune_id,
                entry=func.max(rows.c.eid),
                receipt=func.max(rows.c.rid),
                issue=func.max(rows.c.iid),
                clearing=func.max(rows.c.cid),
                expected=expected_sum(rows),
                found=found_sum(rows),
            )
            .group_by(rows.c.commune_id, rows.c.kind, rows.c.ref)
            .having(expected_sum(rows) != found_sum(rows))
        )
