"""The invariants of rent: each receipt in its period's clearing and in the journal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
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

from storage.decision_tables import LeaseTermRow
from storage.repositories.audit.shape import (
    CASH,
    CLEARED,
    RENT,
    Scope,
    expected_sum,
    found_sum,
    ref_key,
    shape,
    sides,
)
from storage.tables import (
    BondIssueRow,
    ClearingLeaseRow,
    ClearingRow,
    CooperativeRow,
    JournalEntryRow,
    JournalPostingRow,
    RentReceiptRow,
)


class RentChecks(Scope):
    """Rent receipts against the clearings that paid them out and their journal entries."""

    def _cleared_through(self) -> Any:
        """Each commune's latest cleared period: a receipt dated up to it was cleared."""
        c = ClearingRow
        return (
            select(c.commune_id, func.max(c.period).label("period"))
            .where(self.of(c.commune_id))
            .group_by(c.commune_id)
            .subquery()
        )

    def period_rent(self) -> Select[Any]:
        """A cleared period's receipts are its clearing's rent; a receipt in a period
        before the latest clearing that has no clearing of its own was never paid out."""
        c, r = ClearingRow, RentReceiptRow
        latest = self._cleared_through()
        expected = select(
            c.commune_id.label("commune_id"),
            c.period.label("period"),
            cast(c.id, BigInteger).label("clearing_id"),
            cast(null(), BigInteger).label("receipt_id"),
            cast(c.rent_received, BigInteger).label("amount"),
        ).where(self.of(c.commune_id))
        found = select(
            r.commune_id,
            r.period,
            cast(null(), BigInteger),
            cast(r.id, BigInteger),
            cast(r.amount, BigInteger),
        ).join(latest, and_(latest.c.commune_id == r.commune_id, r.period <= latest.c.period))
        rows = sides(expected, found)
        return (
            shape(
                "period_rent",
                commune=rows.c.commune_id,
                clearing=func.max(rows.c.clearing_id),
                receipt=func.max(rows.c.receipt_id),
                expected=expected_sum(rows),
                found=found_sum(rows),
            )
            .group_by(rows.c.commune_id, rows.c.period)
            .having(
                or_(expected_sum(rows) != found_sum(rows), func.max(rows.c.clearing_id).is_(None))
            )
        )

    def lease_rent(self) -> Select[Any]:
        """In each cleared period, each lease's receipts are its lease line's rent."""
        c, line, r = ClearingRow, ClearingLeaseRow, RentReceiptRow
        expected = (
            select(
                c.id.label("clearing_id"),
                c.commune_id.label("commune_id"),
                line.issue_id.label("issue_id"),
                cast(null(), BigInteger).label("receipt_id"),
                cast(line.rent_received, BigInteger).label("amount"),
            )
            .join(line, line.clearing_id == c.id)
            .where(self.of(c.commune_id))
        )
        found = (
            select(
                c.id,
                c.commune_id,
                r.issue_id,
                cast(r.id, BigInteger),
                cast(r.amount, BigInteger),
            )
            .join(r, and_(r.commune_id == c.commune_id, r.period == c.period))
            .where(self.of(c.commune_id))
        )
        rows = sides(expected, found)
        return (
            shape(
                "lease_rent",
                commune=rows.c.commune_id,
                clearing=rows.c.clearing_id,
                issue=rows.c.issue_id,
                receipt=func.max(rows.c.receipt_id),
                expected=expected_sum(rows),
                found=found_sum(rows),
            )
            .group_by(rows.c.commune_id, rows.c.clearing_id, rows.c.issue_id)
            .having(expected_sum(rows) != found_sum(rows))
        )

    def receipt_entries(self) -> Select[Any]:
        """Each receipt's entry: its amount into cash, out of its lease's rent account."""
        r, e, p = RentReceiptRow, JournalEntryRow, JournalPostingRow

        def wanted(kind: str, ref: Any, amount: Any) -> Select[Any]:
            return select(
                r.id.label("receipt_id"),
                r.commune_id.label("commune_id"),
                literal(kind, String).label("kind"),
                cast(ref, BigInteger).label("ref"),
                cast(null(), BigInteger).label("entry_id"),
                cast(amount, BigInteger).label("amount"),
            ).where(self.of(r.commune_id))

        expected = union_all(wanted(CASH, 0, r.amount), wanted(RENT, r.issue_id, -r.amount))
        found = (
            select(
                r.id,
                r.commune_id,
                p.account_kind,
                cast(p.account_ref, BigInteger),
                cast(e.id, BigInteger),
                cast(p.amount, BigInteger),
            )
            .join(
                e,
                and_(
                    # ``+ 0``: from each receipt to its entry by the entry's (commune,
                    # kind, ref) index. Without statistics SQLite otherwise went from
                    # each entry's postings to the commune's receipts, matching every
                    # one's ref: 21 s of a 26 s check at federation size.
                    e.commune_id == r.commune_id + 0,
                    e.kind == "rent",
                    e.ref == ref_key("receipt:", r.id),
                ),
            )
            .join(p, p.entry_id == e.id)
            .where(self.of(r.commune_id))
        )
        rows = sides(expected, found)
        return (
            shape(
                "receipt_entry",
                commune=rows.c.commune_id,
                receipt=rows.c.receipt_id,
                entry=func.max(rows.c.entry_id),
                expected=expected_sum(rows),
                found=found_sum(rows),
            )
            .group_by(rows.c.commune_id, rows.c.receipt_id, rows.c.kind, rows.c.ref)
            .having(expected_sum(rows) != found_sum(rows))
        )

    def receipt_leases(self) -> Select[Any]:
        r, i = RentReceiptRow, BondIssueRow
        return (
            shape(
                "receipt_lease",
                commune=r.commune_id,
                receipt=r.id,
                issue=r.issue_id,
                found=r.amount,
            )
            .outerjoin(i, i.id == r.issue_id)
            .where(
                self.of(r.commune_id),
                or_(
                    r.amount <= 0,
                    i.id.is_(None),
                    i.commune_id != r.commune_id,
                    i.status != CLEARED,
                    r.received_at < i.closed_at,
                ),
            )
        )

    def lease_terms(self) -> Select[Any]:
        """A lease term is for a cleared issue of its commune (a new letting, to one of its
        cooperatives), and no rent is booked into a period after its lease ended (a
        term without rent) unless a later decision let it again from that period."""
        t, i, r, co = LeaseTermRow, BondIssueRow, RentReceiptRow, CooperativeRow
        again = aliased(LeaseTermRow)
        let_again = (
            exists()
            .where(
                again.issue_id == t.issue_id,
                again.id > t.id,
                again.cooperative_id.is_not(None),
                again.from_period <= r.period,
            )
            .correlate(t, r)
        )
        return (
            shape(
                "lease_term",
                commune=t.commune_id,
                issue=t.issue_id,
                receipt=func.max(r.id),
                found=func.count(r.id),
            )
            .outerjoin(i, i.id == t.issue_id)
            .outerjoin(co, co.id == t.cooperative_id)
            .outerjoin(
                r,
                and_(
                    r.issue_id == t.issue_id,
                    t.rent.is_(None),
                    r.period >= t.from_period,
                    ~let_again,
                ),
            )
            .where(self.of(t.commune_id))
            .group_by(
                t.id, t.commune_id, t.issue_id, t.cooperative_id, i.id, i.commune_id, i.status
            )
            .having(
                or_(
                    i.id.is_(None),
                    i.commune_id != t.commune_id,
                    i.status != CLEARED,
                    func.count(r.id) > 0,
                    and_(t.cooperative_id.is_not(None), func.max(co.commune_id) != t.commune_id),
                )
            )
        )
