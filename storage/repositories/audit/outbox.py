"""The invariants of the outbox: every statement queued once, deliveries in order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
)

from storage.repositories.audit.shape import (
    Scope,
    expected_sum,
    found_sum,
    ref_key,
    shape,
    sides,
)
from storage.tables import (
    AccountRow,
    ClearingMemberRow,
    ClearingRow,
    MemberRow,
    OutboxRow,
)


class OutboxChecks(Scope):
    """Statements queued for exactly the roster members who can receive one."""

    def statements(self) -> Select[Any]:
        """One statement queued, keyed ``statement:<clearing>:<member>``, for each roster
        member who has an account to receive it; none keyed for anyone else."""
        c, m, member, o = ClearingRow, ClearingMemberRow, MemberRow, OutboxRow
        reachable = exists().where(AccountRow.person_id == member.person_id)
        key = ref_key("statement:", m.clearing_id, m.member_id)
        expected = (
            select(
                key.label("dedup_key"),
                c.commune_id.label("commune_id"),
                cast(c.id, BigInteger).label("clearing_id"),
                cast(m.member_id, BigInteger).label("member_id"),
                cast(null(), BigInteger).label("outbox_id"),
                literal(1).label("amount"),
            )
            .join(m, m.clearing_id == c.id)
            .join(member, member.id == m.member_id)
            .where(self.of(c.commune_id), reachable)
        )
        if not self.one:
            mine: ColumnElement[bool] = o.dedup_key.like("statement:%")
        else:  # the outbox has no commune: this commune's are those its roster keys name
            mine = o.dedup_key.in_(select(expected.subquery().c.dedup_key))
        found = select(
            o.dedup_key,
            cast(null(), BigInteger),
            cast(null(), BigInteger),
            cast(null(), BigInteger),
            cast(o.id, BigInteger),
            literal(1),
        ).where(mine)
        rows = sides(expected, found)
        return (
            shape(
                "statement_queued",
                commune=func.max(rows.c.commune_id),
                clearing=func.max(rows.c.clearing_id),
                member=func.max(rows.c.member_id),
                outbox=func.max(rows.c.outbox_id),
                expected=expected_sum(rows),
                found=found_sum(rows),
            )
            .group_by(rows.c.dedup_key)
            .having(expected_sum(rows) != found_sum(rows))
        )

    def outbox(self) -> Select[Any]:
        o = OutboxRow
        return shape(
            "outbox_delivery",
            outbox=o.id,
            found=o.attempts,
            where=or_(o.delivered_at < o.created_at, o.attempts < 0),
        )
