"""The invariants of each clearing: its arithmetic, its carry, its entry, its lines."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    String,
    and_,
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
from storage.repositories.audit.sales import sale_left
from storage.repositories.audit.shape import (
    CASH,
    DIVIDEND,
    FUND,
    HOLDING,
    Scope,
    expected_sum,
    found_sum,
    ref_key,
    shape,
    sides,
)
from storage.tables import (
    ClearingLeaseRow,
    ClearingMemberRow,
    ClearingRow,
    HoldingRow,
    JournalEntryRow,
    JournalPostingRow,
)


class ClearingChecks(Scope):
    """A clearing against itself, the one before it, its entry, its lease lines and roster."""

    def clearings_arithmetic(self) -> list[Select[Any]]:
        """Conservation, the pool and its split, from each clearing's own row and what
        the period's asset sales left to its pool."""
        c = ClearingRow
        dividends = c.dividend_each * c.eligible
        ids = {"commune": c.commune_id, "clearing": c.id}
        mine = self.of(c.commune_id)
        money_in = c.rent_received + c.carry_in + sale_left(c.commune_id, c.period)
        money_out = c.redeemed + dividends + c.carry_out + c.fund_share
        pool = c.rent_received - c.redeemed + c.carry_in + sale_left(c.commune_id, c.period)
        return [
            shape(
                "clearing_not_conserved",
                **ids,
                expected=money_in,
                found=money_out,
                where=and_(mine, money_in != money_out),
            ),
            shape(
                "clearing_pool",
                **ids,
                expected=pool,
                found=c.pool,
                where=and_(mine, c.pool != pool),
            ),
            shape(
                "clearing_split",
                **ids,
                expected=c.pool,
                found=dividends + c.carry_out + c.fund_share,
                where=and_(
                    mine,
                    or_(
                        c.pool != dividends + c.carry_out + c.fund_share,
                        c.carry_out < 0,
                        c.dividend_each < 0,
                        c.eligible < 0,
                        and_(c.eligible > 0, c.carry_out >= c.eligible),
                    ),
                ),
            ),
        ]

    def clearings_carry(self) -> Select[Any]:
        """Each clearing carries on from the one before it in the same commune."""
        c = ClearingRow
        chained = (
            select(
                c.id,
                c.commune_id,
                c.carry_in,
                func.coalesce(
                    func.lag(c.carry_out).over(partition_by=c.commune_id, order_by=c.period), 0
                ).label("previous"),
            )
            .where(self.of(c.commune_id))
            .subquery()
        )
        return shape(
            "clearing_carry",
            commune=chained.c.commune_id,
            clearing=chained.c.id,
            expected=chained.c.previous,
            found=chained.c.carry_in,
            where=chained.c.carry_in != chained.c.previous,
        )

    def _clearing_entries(self) -> Any:
        """(clearing, entry) pairs: each clearing with its journal entry."""
        c, e = ClearingRow, JournalEntryRow
        return (
            select(c.id.label("clearing_id"), c.commune_id, e.id.label("entry_id"))
            .join(
                e,
                and_(
                    e.commune_id == c.commune_id,
                    e.kind == CLEARING_ENTRY,
                    e.ref == ref_key("period:", c.period),
                ),
            )
            .where(self.of(c.commune_id))
            .subquery()
        )

    def clearing_postings(self) -> Select[Any]:
        """A clearing's entry: holdings get its redemptions, members its dividends, the
        common fund its share, cash pays all three; per account kind, the clearing's
        row against the entry's postings."""
        c, p = ClearingRow, JournalPostingRow
        dividends = c.dividend_each * c.eligible

        def wanted(kind: str, amount: Any) -> Select[Any]:
            return select(
                c.id.label("clearing_id"),
                c.commune_id.label("commune_id"),
                literal(kind, String).label("kind"),
                cast(null(), BigInteger).label("entry_id"),
                cast(amount, BigInteger).label("amount"),
            ).where(self.of(c.commune_id))

        pairs = self._clearing_entries()
        found = (
            select(
                pairs.c.clearing_id,
                pairs.c.commune_id,
                p.account_kind,
                cast(pairs.c.entry_id, BigInteger),
                cast(p.amount, BigInteger),
            )
            .select_from(pairs)
            .join(p, p.entry_id == pairs.c.entry_id)
        )
        expected = union_all(
            wanted(HOLDING, c.redeemed),
            wanted(DIVIDEND, dividends),
            wanted(FUND, c.fund_share),
            wanted(CASH, -(c.redeemed + dividends + c.fund_share)),
        )
        rows = sides(expected, found)
        code = case(
            (rows.c.kind == HOLDING, "clearing_redeemed"),
            (rows.c.kind == DIVIDEND, "clearing_dividends"),
            (rows.c.kind == CASH, "clearing_cash"),
            (rows.c.kind == FUND, "clearing_fund"),
            else_="clearing_postings",
        )
        return (
            shape(
                code,
                commune=rows.c.commune_id,
                clearing=rows.c.clearing_id,
                entry=func.max(rows.c.entry_id),
                expected=expected_sum(rows),
                found=found_sum(rows),
            )
            .group_by(rows.c.commune_id, rows.c.clearing_id, rows.c.kind)
            .having(expected_sum(rows) != found_sum(rows))
        )

    def clearing_leases(self) -> list[Select[Any]]:
        """A clearing's lease lines add up to its rent and to its redemptions."""
        c, line = ClearingRow, ClearingLeaseRow
        lines = (
            select(
                line.clearing_id,
                func.sum(line.rent_received).label("rent"),
                func.sum(line.redeemed).label("redeemed"),
            )
            .group_by(line.clearing_id)
            .subquery()
        )
        rent = func.coalesce(lines.c.rent, 0)
        redeemed = func.coalesce(lines.c.redeemed, 0)
        ids = {"commune": c.commune_id, "clearing": c.id}
        return [
            shape("clearing_leases", **ids, expected=c.rent_received, found=rent)
            .outerjoin(lines, lines.c.clearing_id == c.id)
            .where(self.of(c.commune_id), c.rent_received != rent),
            shape("clearing_leases", **ids, expected=c.redeemed, found=redeemed)
            .outerjoin(lines, lines.c.clearing_id == c.id)
            .where(self.of(c.commune_id), c.redeemed != redeemed),
        ]

    def lease_redemptions(self) -> Select[Any]:
        """Each lease line's redemptions are the entry's postings to that lease's holdings."""
        c, line, p, h = ClearingRow, ClearingLeaseRow, JournalPostingRow, HoldingRow
        expected = (
            select(
                c.commune_id.label("commune_id"),
                c.id.label("clearing_id"),
                line.issue_id.label("issue_id"),
                cast(line.redeemed, BigInteger).label("amount"),
            )
            .join(line, line.clearing_id == c.id)
            .where(self.of(c.commune_id))
        )
        pairs = self._clearing_entries()
        found = (
            select(
                pairs.c.commune_id,
                pairs.c.clearing_id,
                h.issue_id,
                cast(p.amount, BigInteger),
            )
            .select_from(pairs)
            .join(p, p.entry_id == pairs.c.entry_id)
            .join(h, h.id == p.account_ref)
            .where(p.account_kind == HOLDING)
        )
        rows = sides(expected, found)
        return (
            shape(
                "lease_redeemed",
                commune=rows.c.commune_id,
                clearing=rows.c.clearing_id,
                issue=rows.c.issue_id,
                expected=expected_sum(rows),
                found=found_sum(rows),
            )
            .group_by(rows.c.commune_id, rows.c.clearing_id, rows.c.issue_id)
            .having(expected_sum(rows) != found_sum(rows))
        )

    def roster_dividends(self) -> Select[Any]:
        """The roster: the eligible get the dividend each, everyone else nothing."""
        c, m = ClearingRow, ClearingMemberRow
        roster = (
            select(
                m.clearing_id,
                func.sum(m.dividend).label("total"),
                func.sum(case((m.dividend != 0, 1), else_=0)).label("paid"),
            )
            .group_by(m.clearing_id)
            .subquery()
        )
        total = func.coalesce(roster.c.total, 0)
        paid = func.coalesce(roster.c.paid, 0)
        dividends = c.dividend_each * c.eligible
        return (
            shape(
                "roster_dividends",
                commune=c.commune_id,
                clearing=c.id,
                expected=dividends,
                found=total,
            )
            .outerjoin(roster, roster.c.clearing_id == c.id)
            .where(
                self.of(c.commune_id),
                or_(
                    total != dividends,
                    paid != case((c.dividend_each > 0, c.eligible), else_=0),
                ),
            )
        )
