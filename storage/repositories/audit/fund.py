"""The invariants of the common fund: each clearing's share, the fund's balance, and
each grant's journal entry."""

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

from domain.journal import GRANT_ENTRY
from storage.decision_tables import FundGrantRow
from storage.repositories.audit.shape import (
    FUND,
    GRANTED,
    Scope,
    expected_sum,
    found_sum,
    ref_key,
    shape,
    sides,
)
from storage.tables import ClearingRow, JournalEntryRow, JournalPostingRow, MotionRow


class FundChecks(Scope):
    """The fund's share of each pool, its balance, and the grants out of it."""

    def clearing_fund(self) -> Select[Any]:
        """A clearing's fund share is its ``fund`` policy's share of the pool, rounded
        down (its posting is checked with the clearing's entry)."""
        c = ClearingRow
        share = (c.pool * c.fund_percent) // 100
        return shape(
            "clearing_fund",
            commune=c.commune_id,
            clearing=c.id,
            expected=share,
            found=c.fund_share,
            where=and_(
                self.of(c.commune_id),
                or_(c.fund_share != share, c.fund_percent < 0, c.fund_percent > 100),
            ),
        )

    def fund_balance(self) -> list[Select[Any]]:
        """The fund's postings are the clearings' shares less the grants, and its
        balance never falls below zero after any entry."""
        c, g, p = ClearingRow, FundGrantRow, JournalPostingRow

        def wanted(commune: Any, amount: Any) -> Select[Any]:
            return select(
                commune.label("commune_id"), cast(amount, BigInteger).label("amount")
            ).where(self.of(commune))

        expected = union_all(wanted(c.commune_id, c.fund_share), wanted(g.commune_id, -g.amount))
        found = select(p.commune_id, cast(p.amount, BigInteger)).where(
            self.of(p.commune_id), p.account_kind == FUND
        )
        rows = sides(expected, found)
        per_entry = (
            select(
                p.commune_id.label("commune_id"),
                p.entry_id.label("entry_id"),
                func.sum(p.amount).label("amount"),
            )
            .where(self.of(p.commune_id), p.account_kind == FUND)
            .group_by(p.commune_id, p.entry_id)
            .subquery()
        )
        running = select(
            per_entry.c.commune_id,
            per_entry.c.entry_id,
            func.sum(per_entry.c.amount)
            .over(partition_by=per_entry.c.commune_id, order_by=per_entry.c.entry_id)
            .label("balance"),
        ).subquery()
        return [
            shape(
                "fund_balance",
                commune=rows.c.commune_id,
                expected=expected_sum(rows),
                found=found_sum(rows),
            )
            .group_by(rows.c.commune_id)
            .having(expected_sum(rows) != found_sum(rows)),
            shape(
                "fund_balance",
                commune=running.c.commune_id,
                entry=running.c.entry_id,
                expected=literal(0),
                found=running.c.balance,
                where=running.c.balance < 0,
            ),
        ]

    def grant_posted(self) -> list[Select[Any]]:
        """Each grant's entry takes its amount out of the fund into its motion's granted
        account, and the grant is of a fund motion of its commune."""
        g, e, p, m = FundGrantRow, JournalEntryRow, JournalPostingRow, MotionRow

        def wanted(kind: str, ref: Any, amount: Any) -> Select[Any]:
            return select(
                g.id.label("grant_id"),
                g.commune_id.label("commune_id"),
                literal(kind, String).label("kind"),
                cast(ref, BigInteger).label("ref"),
                cast(null(), BigInteger).label("entry_id"),
                cast(amount, BigInteger).label("amount"),
            ).where(self.of(g.commune_id))

        expected = union_all(wanted(FUND, 0, -g.amount), wanted(GRANTED, g.motion_id, g.amount))
        found = (
            select(
                g.id,
                g.commune_id,
                p.account_kind,
                cast(p.account_ref, BigInteger),
                cast(e.id, BigInteger),
                cast(p.amount, BigInteger),
            )
            .join(
                e,
                and_(
                    e.commune_id == g.commune_id,
                    e.kind == GRANT_ENTRY,
                    e.ref == ref_key("grant:", g.motion_id),
                ),
            )
            .join(p, p.entry_id == e.id)
            .where(self.of(g.commune_id))
        )
        rows = sides(expected, found)
        fund_motion = and_(
            m.id == g.motion_id,
            m.commune_id == g.commune_id,
            m.action.like('%"kind":"fund"%'),
        )
        return [
            shape(
                "grant_posted",
                commune=rows.c.commune_id,
                entry=func.max(rows.c.entry_id),
                expected=expected_sum(rows),
                found=found_sum(rows),
            )
            .group_by(rows.c.commune_id, rows.c.grant_id, rows.c.kind, rows.c.ref)
            .having(expected_sum(rows) != found_sum(rows)),
            shape("grant_posted", commune=g.commune_id, expected=g.motion_id)
            .outerjoin(m, fund_motion)
            .where(self.of(g.commune_id), m.id.is_(None)),
        ]
