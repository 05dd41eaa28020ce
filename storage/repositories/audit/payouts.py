"""The invariants of payouts (domain/payouts.py): what clearings and sales owed each
member, kept in ``clearing_owed``, and what the treasurer paid them out of it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    String,
    and_,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from domain.clearing import CLEARING_ENTRY
from domain.journal import AccountKind
from domain.payouts import PAYOUT_ENTRY
from domain.sales import SALE_ENTRY
from storage.decision_tables import AssetSaleLineRow, AssetSaleRow
from storage.payout_tables import ClearingOwedRow, PayoutRow
from storage.repositories.audit.shape import (
    DIVIDEND,
    HOLDING,
    Scope,
    expected_sum,
    found_sum,
    ref_key,
    shape,
    sides,
)
from storage.tables import (
    ClearingRow,
    HoldingRow,
    JournalEntryRow,
    JournalPostingRow,
    MemberRow,
)

SETTLED = AccountKind.SETTLED.value
PAID = AccountKind.PAID.value


class PayoutChecks(Scope):
    """Payouts: sane, posted as recorded, never past what was owed; what was owed kept."""

    def payouts_sane(self) -> Select[Any]:
        """A payout is positive, to a member of its commune."""
        pay, m = PayoutRow, MemberRow
        return (
            shape(
                "payout_sane",
                commune=pay.commune_id,
                member=pay.member_id,
                payout=pay.id,
                found=pay.amount,
            )
            .outerjoin(m, m.id == pay.member_id)
            .where(
                self.of(pay.commune_id),
                or_(pay.amount <= 0, m.id.is_(None), m.commune_id != pay.commune_id),
            )
        )

    def payout_postings(self) -> Select[Any]:
        """Each payout's entry: the amount out of the member's ``settled`` account and
        into their ``paid`` account, nothing else. Both sides are grouped by the
        entry's ref, never joined on it (a lookup per payout by the text of a ref)."""
        pay, e, p = PayoutRow, JournalEntryRow, JournalPostingRow
        nothing = cast(null(), BigInteger)

        def wanted(kind: str, amount: Any) -> Select[Any]:
            return select(
                pay.commune_id.label("commune_id"),
                ref_key("payout:", pay.id).label("ref"),
                literal(kind, String).label("kind"),
                cast(pay.member_id, BigInteger).label("account"),
                cast(pay.id, BigInteger).label("payout_id"),
                nothing.label("entry_id"),
                cast(amount, BigInteger).label("amount"),
            ).where(self.of(pay.commune_id))

        expected = union_all(wanted(SETTLED, -pay.amount), wanted(PAID, pay.amount))
        found = (
            select(
                e.commune_id,
                e.ref,
                p.account_kind,
                cast(p.account_ref, BigInteger),
                nothing,
                cast(e.id, BigInteger),
                cast(p.amount, BigInteger),
            )
            .join(p, p.entry_id == e.id)
            .where(self.of(e.commune_id), e.kind == PAYOUT_ENTRY)
        )
        rows = sides(expected, found)
        return (
            shape(
                "payout_postings",
                commune=rows.c.commune_id,
                payout=func.max(rows.c.payout_id),
                entry=func.max(rows.c.entry_id),
                expected=expected_sum(rows),
                found=found_sum(rows),
            )
            .group_by(rows.c.commune_id, rows.c.ref, rows.c.kind, rows.c.account)
            .having(expected_sum(rows) != found_sum(rows))
        )

    def payouts_within_owed(self) -> Select[Any]:
        """A member is never paid out more than their clearings and sales owed them."""
        pay, o = PayoutRow, ClearingOwedRow
        rows = union_all(
            select(
                o.commune_id.label("commune_id"),
                o.member_id.label("member_id"),
                cast(o.amount, BigInteger).label("earned"),
                cast(literal(0), BigInteger).label("paid"),
            ).where(self.of(o.commune_id)),
            select(pay.commune_id, pay.member_id, cast(literal(0), BigInteger), pay.amount).where(
                self.of(pay.commune_id)
            ),
        ).subquery()
        earned, paid = func.sum(rows.c.earned), func.sum(rows.c.paid)
        return (
            shape(
                "payout_overpaid",
                commune=rows.c.commune_id,
                member=rows.c.member_id,
                expected=earned,
                found=paid,
            )
            .group_by(rows.c.commune_id, rows.c.member_id)
            .having(paid > earned)
        )

    def owed_kept(self) -> Select[Any]:
        """``clearing_owed`` is what each clearing entry's holding and dividend postings
        and each sale's repayments owed each member, in the period of the clearing or
        the sale."""
        c, je, p, h, o = (
            ClearingRow,
            JournalEntryRow,
            JournalPostingRow,
            HoldingRow,
            ClearingOwedRow,
        )
        s, line = AssetSaleRow, AssetSaleLineRow

        def clearing(member: Any, kind: str, *joins: Any) -> Select[Any]:
            query = (
                select(
                    je.commune_id.label("commune_id"),
                    cast(je.id, BigInteger).label("entry_id"),
                    cast(member, BigInteger).label("member_id"),
                    c.period.label("period"),
                    cast(p.amount, BigInteger).label("amount"),
                )
                .join(
                    c, and_(c.commune_id == je.commune_id, je.ref == ref_key("period:", c.period))
                )
                .join(p, p.entry_id == je.id)
            )
            for join in joins:
                query = query.join(*join)
            return query.where(
                self.of(je.commune_id),
                je.kind == CLEARING_ENTRY,
                je.ref == ref_key("period:", c.period),
                p.account_kind == kind,
            )

        sold = (
            select(
                s.commune_id,
                cast(je.id, BigInteger),
                cast(h.member_id, BigInteger),
                s.period,
                cast(line.repaid, BigInteger),
            )
            .join(line, line.sale_id == s.id)
            .join(h, h.id == line.holding_id)
            .join(
                je,
                and_(
                    je.commune_id == s.commune_id,
                    je.kind == SALE_ENTRY,
                    je.ref == ref_key("sale:", s.id),
                ),
            )
            .where(self.of(s.commune_id))
        )
        expected = union_all(
            clearing(h.member_id, HOLDING, (h, h.id == p.account_ref)),
            clearing(p.account_ref, DIVIDEND),
            sold,
        )
        found = select(
            o.commune_id,
            cast(o.entry_id, BigInteger),
            cast(o.member_id, BigInteger),
            o.period,
            cast(o.amount, BigInteger),
        ).where(self.of(o.commune_id))
        rows = sides(expected, found)
        return (
            shape(
                "owed_kept",
                commune=rows.c.commune_id,
                entry=rows.c.entry_id,
                member=rows.c.member_id,
                expected=expected_sum(rows),
                found=found_sum(rows),
            )
            .group_by(rows.c.commune_id, rows.c.entry_id, rows.c.member_id, rows.c.period)
            .having(expected_sum(rows) != found_sum(rows))
        )
