"""Payouts (domain/payouts.py): what clearings and sales owed each member, and what
the treasurer paid them. ``/payout all`` is four INSERT … SELECTs, whatever the
number of members: the payouts, their entries, and their two postings each.

Statements and reports read each member's owed and paid as sums over these rows (one
pass over the commune's rows per clearing); a commune with years of clearings at
federation size may want them kept per clearing, as the year to date is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    select,
    union_all,
)

from domain.clearing_reads import MemberRange
from domain.journal import AccountKind
from domain.payouts import PAYOUT_ENTRY, MemberPayouts, PayoutTotals, payout_ref, still_owed
from storage.connection import connection_of
from storage.decision_tables import AssetSaleLineRow
from storage.payout_tables import ClearingOwedRow, PayoutRow
from storage.repositories.parts import SessionPart
from storage.tables import HoldingRow, JournalEntryRow, JournalPostingRow, MemberRow

REF_PREFIX = payout_ref(0).removesuffix("0")  # "payout:"


def _sum(column: Any) -> ColumnElement[Any]:
    return cast(func.coalesce(func.sum(column), 0), BigInteger)


class PayoutRepository(SessionPart):
    # what the commune owes ------------------------------------------------------------
    def keep_clearing_owed(self, commune_id: int, entry_id: int, period: str) -> None:
        """What a clearing's entry owes each member: its holding postings by holder,
        its dividend postings by member, in one INSERT … SELECT."""
        p, h = JournalPostingRow, HoldingRow
        owed = union_all(
            select(h.member_id.label("member_id"), p.amount.label("amount"))
            .join(h, h.id == p.account_ref)
            .where(p.entry_id == entry_id, p.account_kind == AccountKind.HOLDING.value),
            select(p.account_ref, p.amount).where(
                p.entry_id == entry_id, p.account_kind == AccountKind.DIVIDEND.value
            ),
        ).subquery()
        self._keep(entry_id, commune_id, period, owed.c.member_id, owed.c.amount, owed)

    def keep_sale_owed(self, commune_id: int, entry_id: int, sale_id: int, period: str) -> None:
        """What a sale's entry owes each holder: what its lines repaid (not wrote off)."""
        line, h = AssetSaleLineRow, HoldingRow
        lines = (
            select(h.member_id.label("member_id"), line.repaid.label("amount"))
            .join(h, h.id == line.holding_id)
            .where(line.sale_id == sale_id)
            .subquery()
        )
        self._keep(entry_id, commune_id, period, lines.c.member_id, lines.c.amount, lines)

    def _keep(
        self, entry_id: int, commune_id: int, period: str, member: Any, amount: Any, source: Any
    ) -> None:
        self.session.execute(
            insert(ClearingOwedRow.__table__).from_select(
                ["entry_id", "member_id", "commune_id", "period", "amount"],
                select(
                    literal(entry_id),
                    member,
                    literal(commune_id),
                    literal(period, String),
                    cast(func.sum(amount), BigInteger),
                )
                .select_from(source)
                .group_by(member)
                .having(func.sum(amount) != 0),
            )
        )

    def owed(self, commune_id: int, member_id: int) -> int:
        """What the commune owes the member now."""
        earned = self.session.execute(
            select(_sum(ClearingOwedRow.amount)).where(
                ClearingOwedRow.commune_id == commune_id, ClearingOwedRow.member_id == member_id
            )
        ).scalar_one()
        return still_owed(int(earned), self._paid(commune_id, member_id))

    def _paid(self, commune_id: int, member_id: int, period: str | None = None) -> int:
        query = select(_sum(PayoutRow.amount)).where(
            PayoutRow.commune_id == commune_id, PayoutRow.member_id == member_id
        )
        if period is not None:
            query = query.where(PayoutRow.period <= period)
        return int(self.session.execute(query).scalar_one())

    # paying -----------------------------------------------------------------------------
    def pay(
        self,
        commune_id: int,
        member_id: int,
        amount: int,
        period: str,
        at: datetime,
        recorded_by: int,
    ) -> int:
        """Keep one payout; its journal entry is the caller's. Returns its id."""
        row = PayoutRow(
            commune_id=commune_id,
            member_id=member_id,
            amount=amount,
            period=period,
            at=at,
            recorded_by=recorded_by,
        )
        self.session.add(row)
        self.session.flush()
        assert row.id is not None
        return row.id

    def pay_all(
        self,
        commune_id: int,
        up_to: str | None,
        period: str,
        at: datetime,
        recorded_by: int,
    ) -> tuple[int, int]:
        """Pay every member what entries of periods up to ``up_to`` (all when None)
        owed them less what they were paid, with each payout's journal entry; set-based.
        Returns (how many were paid, how much in all)."""
        o, pay = ClearingOwedRow, PayoutRow
        earned_where = [o.commune_id == commune_id]
        if up_to is not None:
            earned_where.append(o.period <= up_to)
        earned = (
            select(o.member_id.label("member_id"), func.sum(o.amount).label("amount"))
            .where(*earned_where)
            .group_by(o.member_id)
            .subquery()
        )
        paid = (
            select(pay.member_id.label("member_id"), func.sum(pay.amount).label("amount"))
            .where(pay.commune_id == commune_id)
            .group_by(pay.member_id)
            .subquery()
        )
        due = earned.c.amount - func.coalesce(paid.c.amount, 0)
        last = self.session.execute(select(func.coalesce(func.max(pay.id), 0))).scalar_one()
        self.session.execute(
            insert(pay.__table__).from_select(
                ["commune_id", "member_id", "amount", "period", "up_to", "at", "recorded_by"],
                select(
                    literal(commune_id),
                    earned.c.member_id,
                    cast(due, BigInteger),
                    literal(period, String),
                    literal(up_to, String),
                    literal(at, pay.__table__.c.at.type),
                    literal(recorded_by),
                )
                .select_from(earned)
                .outerjoin(paid, paid.c.member_id == earned.c.member_id)
                .where(due > 0)
                .order_by(earned.c.member_id),
            )
        )
        new = and_(pay.commune_id == commune_id, pay.id > last)
        count, total = self.session.execute(select(func.count(), _sum(pay.amount)).where(new)).one()
        if not count:
            return 0, 0
        e, p = JournalEntryRow, JournalPostingRow
        first_entry = self.session.execute(select(func.coalesce(func.max(e.id), 0))).scalar_one()
        self.session.execute(
            insert(e.__table__).from_select(
                ["commune_id", "kind", "ref", "created_at"],
                select(
                    pay.commune_id,
                    literal(PAYOUT_ENTRY, String),
                    literal(REF_PREFIX, String) + cast(pay.id, String),
                    pay.at,
                )
                .where(new)
                .order_by(pay.id),
            )
        )
        # From each new entry to its payout by the payout's key (the id its ref ends
        # in): never a lookup by the text of a ref, which right after the inserts above
        # no planner estimates well (PostgreSQL scanned the entries once per payout).
        payout_of_entry = cast(func.substr(e.ref, len(REF_PREFIX) + 1), Integer)
        for kind, sign in ((AccountKind.SETTLED, -1), (AccountKind.PAID, 1)):
            self.session.execute(
                insert(p.__table__).from_select(
                    ["entry_id", "commune_id", "account_kind", "account_ref", "amount"],
                    select(
                        e.id,
                        e.commune_id,
                        literal(kind.value, String),
                        pay.member_id,
                        pay.amount * sign,
                    )
                    .select_from(e)
                    .join(pay, pay.id == payout_of_entry)
                    .where(e.id > first_entry, e.commune_id == commune_id, e.kind == PAYOUT_ENTRY)
                    .order_by(e.id),
                )
            )
        return int(count), int(total)

    # what statements, reports and the ledger read ----------------------------------------
    def totals(self, commune_id: int, period: str) -> PayoutTotals:
        """Paid in ``period``, paid ever, and owed now, to everyone."""
        pay = PayoutRow
        in_period, ever = self.session.execute(
            select(_sum(case((pay.period == period, pay.amount), else_=0)), _sum(pay.amount)).where(
                pay.commune_id == commune_id
            )
        ).one()
        per_member = self._per_member(commune_id, None, None).subquery()
        due = per_member.c.earned - per_member.c.paid
        owed = self.session.execute(
            select(_sum(case((due > 0, due), else_=0))).select_from(per_member)
        ).scalar_one()
        return PayoutTotals(int(in_period), int(ever), int(owed))

    def by_member(
        self, commune_id: int, period: str | None, members: MemberRange | None = None
    ) -> dict[int, MemberPayouts]:
        """{member id: paid in ``period``, owed after it} of everyone ever owed (or of
        ``members``, first to last id): owed is what entries up to the period owed less
        what was paid up to it (all when ``period`` is None)."""
        rows = connection_of(self.session).execute(  # Core: a row per member, no ORM
            self._per_member(commune_id, period, members)
        )
        return {
            member_id: MemberPayouts(int(paid_now), still_owed(int(earned), int(paid)))
            for member_id, earned, paid, paid_now in rows
        }

    def _per_member(
        self, commune_id: int, period: str | None, members: MemberRange | None
    ) -> Select[Any]:
        """(member id, earned, paid, paid in ``period``) of each member ever owed."""
        o, pay = ClearingOwedRow, PayoutRow
        owed_where = [o.commune_id == commune_id]
        paid_where = [pay.commune_id == commune_id]
        if period is not None:
            owed_where.append(o.period <= period)
            paid_where.append(pay.period <= period)
        if members is not None:
            owed_where.append(o.member_id.between(*members))
            paid_where.append(pay.member_id.between(*members))
        now = literal(0) if period is None else case((pay.period == period, pay.amount), else_=0)
        rows = union_all(
            select(
                o.member_id.label("member_id"),
                o.amount.label("earned"),
                literal(0).label("paid"),
                literal(0).label("paid_now"),
            ).where(*owed_where),
            select(pay.member_id, literal(0), pay.amount, now).where(*paid_where),
        ).subquery()
        return select(
            rows.c.member_id,
            _sum(rows.c.earned).label("earned"),
            _sum(rows.c.paid).label("paid"),
            _sum(rows.c.paid_now).label("paid_now"),
        ).group_by(rows.c.member_id)

    def names(self, member_ids: set[int]) -> dict[int, str]:
        """{member id: name} of these members (former ones too)."""
        if not member_ids:
            return {}
        return dict(
            self.session.execute(
                select(MemberRow.id, MemberRow.name).where(MemberRow.id.in_(list(member_ids)))
            ).all()
        )
