"""The invariants of ``domain.audit``, re-verified from the stored rows in one query.

Every check is a SELECT that returns only the rows that break it, in one shape
(code, the ids involved, expected and found amounts); all of them run as one
UNION ALL. One statement is one snapshot on both databases (a clearing committed
halfway through a check cannot make it report a half-cleared period), and one
round trip is what a simulation test calling it after every step can afford.

Most checks compare two sides of the books by the same trick: the rows that say
what should be (``expected``) and the rows that say what is (``found``) go into
one UNION ALL, grouped by what they are about, and only the groups whose sides
differ come out. A missing row, a stray row and a wrong amount all show up that
way, in one pass over each side, with no lookup per row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlmodel import Session

from domain.audit import ID_FIELDS, Discrepancy
from domain.bonds import IssueStatus
from domain.clearing import CLEARING_ENTRY
from domain.journal import AccountKind
from storage.tables import (
    AccountRow,
    BondIssueRow,
    ClearingLeaseRow,
    ClearingMemberRow,
    ClearingRow,
    HoldingRow,
    JournalEntryRow,
    JournalPostingRow,
    MemberRow,
    OutboxRow,
    PledgeRow,
    RentReceiptRow,
)

COLUMNS = ("code", *ID_FIELDS, "expected", "found")
CLEARED = IssueStatus.CLEARED.value
OPEN = IssueStatus.OPEN.value
HOLDING = AccountKind.HOLDING.value
DIVIDEND = AccountKind.DIVIDEND.value
CASH = AccountKind.CASH.value
RENT = AccountKind.RENT.value
ASSET = AccountKind.ASSET.value


def _shape(code: Any, *, where: Any = None, **values: Any) -> Select[Any]:
    """A check's SELECT in the common shape; ids and amounts it does not name are NULL."""
    columns = [cast(code if isinstance(code, ColumnElement) else literal(code), String)]
    for name in COLUMNS[1:]:
        value = values.pop(name, None)
        columns.append(cast(null() if value is None else value, BigInteger).label(name))
    if values:
        raise TypeError(f"not a column of a discrepancy: {sorted(values)}")
    query = select(columns[0].label("code"), *columns[1:])
    return query if where is None else query.where(where)


def _key(prefix: str, *parts: Any) -> ColumnElement[str]:
    """``prefix`` followed by the ids, ``:``-separated: how journal refs and outbox
    dedup keys name what they are about (``receipt:7``, ``statement:3:12``)."""
    key: ColumnElement[str] = literal(prefix, String) + cast(parts[0], String)
    for part in parts[1:]:
        key = key + ":" + cast(part, String)
    return key


def _sides(expected: Select[Any] | CompoundSelect, found: Select[Any]) -> Any:
    """Both sides as one subquery, in ``expected``'s columns (what a row is about, the
    ids, then ``amount``) and ``side``: 1 for what should be, 0 for what is."""
    if isinstance(expected, CompoundSelect):
        expected = select(expected.subquery())
    return union_all(
        expected.add_columns(literal(1).label("side")),
        found.add_columns(literal(0).label("side")),
    ).subquery()


def _expected(rows: Any) -> ColumnElement[Any]:
    return func.sum(case((rows.c.side == 1, rows.c.amount), else_=0))


def _found(rows: Any) -> ColumnElement[Any]:
    return func.sum(case((rows.c.side == 0, rows.c.amount), else_=0))


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def discrepancies(self, commune_id: int | None = None) -> list[Discrepancy]:
        """Every broken invariant of the commune (all communes when None), in one query."""
        one = commune_id is not None
        query = _QUERIES.get(one)
        if query is None:  # built once: building it costs five times running it on a small commune
            query = _QUERIES[one] = union_all(*_Checks(one).all())
        rows = self.session.execute(query, {"commune_id": commune_id} if one else {}).all()
        return [
            Discrepancy(row[0], *(None if v is None else int(v) for v in row[1:])) for row in rows
        ]


_QUERIES: dict[bool, CompoundSelect] = {}  # by "one commune": the statement, built once


class _Checks:
    """The checks' SELECTs for one commune (the ``commune_id`` parameter), or all."""

    def __init__(self, one: bool) -> None:
        self.one = one

    def of(self, column: Any) -> ColumnElement[bool]:
        return column == bindparam("commune_id") if self.one else true()

    def all(self) -> list[Select[Any]]:
        return [
            self.entries_balance(),
            self.entries_counted(),
            *self.clearings_arithmetic(),
            self.clearings_carry(),
            self.clearing_postings(),
            *self.clearing_leases(),
            self.lease_redemptions(),
            self.roster_dividends(),
            self.period_rent(),
            self.lease_rent(),
            self.receipt_entries(),
            self.receipt_leases(),
            self.holdings_sane(),
            self.holding_members(),
            self.holding_postings(),
            *self.issue_pledges(),
            self.issue_holdings(),
            self.issue_assets(),
            self.statements(),
            *([self.outbox()] if not self.one else []),
        ]

    # the journal -------------------------------------------------------------------
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
            _shape(
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
        """One entry per receipt, cleared issue and clearing; no entry without one."""
        r, i, c, e = RentReceiptRow, BondIssueRow, ClearingRow, JournalEntryRow
        nothing = cast(null(), BigInteger)

        def wanted(kind: str, commune: Any, ref: Any, **ids: Any) -> Select[Any]:
            return select(
                commune.label("commune_id"),
                literal(kind, String).label("kind"),
                ref.label("ref"),
                *(cast(ids.get(n, nothing), BigInteger).label(n) for n in ("rid", "iid", "cid")),
                cast(null(), BigInteger).label("eid"),
                literal(1).label("amount"),
            )

        expected = union_all(
            wanted("rent", r.commune_id, _key("receipt:", r.id), rid=r.id).where(
                self.of(r.commune_id)
            ),
            wanted("bond_cleared", i.commune_id, _key("issue:", i.id), iid=i.id).where(
                self.of(i.commune_id), i.status == CLEARED
            ),
            wanted(CLEARING_ENTRY, c.commune_id, _key("period:", c.period), cid=c.id).where(
                self.of(c.commune_id)
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
        rows = _sides(expected, found)
        return (
            _shape(
                "entry_count",
                commune=rows.c.commune_id,
                entry=func.max(rows.c.eid),
                receipt=func.max(rows.c.rid),
                issue=func.max(rows.c.iid),
                clearing=func.max(rows.c.cid),
                expected=_expected(rows),
                found=_found(rows),
            )
            .group_by(rows.c.commune_id, rows.c.kind, rows.c.ref)
            .having(_expected(rows) != _found(rows))
        )

    # clearings ---------------------------------------------------------------------
    def clearings_arithmetic(self) -> list[Select[Any]]:
        """Conservation, the pool and its split, from each clearing's own row."""
        c = ClearingRow
        dividends = c.dividend_each * c.eligible
        ids = {"commune": c.commune_id, "clearing": c.id}
        mine = self.of(c.commune_id)
        return [
            _shape(
                "clearing_not_conserved",
                **ids,
                expected=c.rent_received + c.carry_in,
                found=c.redeemed + dividends + c.carry_out,
                where=and_(
                    mine, c.rent_received + c.carry_in != c.redeemed + dividends + c.carry_out
                ),
            ),
            _shape(
                "clearing_pool",
                **ids,
                expected=c.rent_received - c.redeemed + c.carry_in,
                found=c.pool,
                where=and_(mine, c.pool != c.rent_received - c.redeemed + c.carry_in),
            ),
            _shape(
                "clearing_split",
                **ids,
                expected=c.pool,
                found=dividends + c.carry_out,
                where=and_(
                    mine,
                    or_(
                        c.pool != dividends + c.carry_out,
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
        return _shape(
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
                    e.ref == _key("period:", c.period),
                ),
            )
            .where(self.of(c.commune_id))
            .subquery()
        )

    def clearing_postings(self) -> Select[Any]:
        """A clearing's entry: holdings get its redemptions, members its dividends, cash
        pays both; per account kind, the clearing's row against the entry's postings."""
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
            wanted(CASH, -(c.redeemed + dividends)),
        )
        rows = _sides(expected, found)
        code = case(
            (rows.c.kind == HOLDING, "clearing_redeemed"),
            (rows.c.kind == DIVIDEND, "clearing_dividends"),
            (rows.c.kind == CASH, "clearing_cash"),
            else_="clearing_postings",
        )
        return (
            _shape(
                code,
                commune=rows.c.commune_id,
                clearing=rows.c.clearing_id,
                entry=func.max(rows.c.entry_id),
                expected=_expected(rows),
                found=_found(rows),
            )
            .group_by(rows.c.commune_id, rows.c.clearing_id, rows.c.kind)
            .having(_expected(rows) != _found(rows))
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
            _shape("clearing_leases", **ids, expected=c.rent_received, found=rent)
            .outerjoin(lines, lines.c.clearing_id == c.id)
            .where(self.of(c.commune_id), c.rent_received != rent),
            _shape("clearing_leases", **ids, expected=c.redeemed, found=redeemed)
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
        rows = _sides(expected, found)
        return (
            _shape(
                "lease_redeemed",
                commune=rows.c.commune_id,
                clearing=rows.c.clearing_id,
                issue=rows.c.issue_id,
                expected=_expected(rows),
                found=_found(rows),
            )
            .group_by(rows.c.commune_id, rows.c.clearing_id, rows.c.issue_id)
            .having(_expected(rows) != _found(rows))
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
            _shape(
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

    # rent --------------------------------------------------------------------------
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
        rows = _sides(expected, found)
        return (
            _shape(
                "period_rent",
                commune=rows.c.commune_id,
                clearing=func.max(rows.c.clearing_id),
                receipt=func.max(rows.c.receipt_id),
                expected=_expected(rows),
                found=_found(rows),
            )
            .group_by(rows.c.commune_id, rows.c.period)
            .having(or_(_expected(rows) != _found(rows), func.max(rows.c.clearing_id).is_(None)))
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
        rows = _sides(expected, found)
        return (
            _shape(
                "lease_rent",
                commune=rows.c.commune_id,
                clearing=rows.c.clearing_id,
                issue=rows.c.issue_id,
                receipt=func.max(rows.c.receipt_id),
                expected=_expected(rows),
                found=_found(rows),
            )
            .group_by(rows.c.commune_id, rows.c.clearing_id, rows.c.issue_id)
            .having(_expected(rows) != _found(rows))
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
                    e.commune_id == r.commune_id,
                    e.kind == "rent",
                    e.ref == _key("receipt:", r.id),
                ),
            )
            .join(p, p.entry_id == e.id)
            .where(self.of(r.commune_id))
        )
        rows = _sides(expected, found)
        return (
            _shape(
                "receipt_entry",
                commune=rows.c.commune_id,
                receipt=rows.c.receipt_id,
                entry=func.max(rows.c.entry_id),
                expected=_expected(rows),
                found=_found(rows),
            )
            .group_by(rows.c.commune_id, rows.c.receipt_id, rows.c.kind, rows.c.ref)
            .having(_expected(rows) != _found(rows))
        )

    def receipt_leases(self) -> Select[Any]:
        r, i = RentReceiptRow, BondIssueRow
        return (
            _shape(
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

    # holdings ----------------------------------------------------------------------
    def holdings_sane(self) -> Select[Any]:
        h, i = HoldingRow, BondIssueRow
        return (
            _shape(
                "holding_overredeemed",
                commune=i.commune_id,
                holding=h.id,
                issue=h.issue_id,
                member=h.member_id,
                expected=h.principal,
                found=h.redeemed,
            )
            .join(i, i.id == h.issue_id)
            .where(
                self.of(i.commune_id),
                or_(h.principal <= 0, h.redeemed < 0, h.redeemed > h.principal),
            )
        )

    def holding_members(self) -> Select[Any]:
        """No member holds or pledges to another commune's bond."""
        i, m = BondIssueRow, MemberRow
        held = (
            _shape(
                "holding_member",
                commune=i.commune_id,
                holding=HoldingRow.id,
                issue=i.id,
                member=m.id,
                expected=i.commune_id,
                found=m.commune_id,
            )
            .select_from(HoldingRow)
            .join(i, i.id == HoldingRow.issue_id)
            .join(m, m.id == HoldingRow.member_id)
            .where(self.of(i.commune_id), m.commune_id != i.commune_id)
        )
        pledged = (
            _shape(
                "holding_member",
                commune=i.commune_id,
                issue=i.id,
                member=m.id,
                expected=i.commune_id,
                found=m.commune_id,
            )
            .select_from(PledgeRow)
            .join(i, i.id == PledgeRow.issue_id)
            .join(m, m.id == PledgeRow.member_id)
            .where(self.of(i.commune_id), m.commune_id != i.commune_id)
        )
        return select(union_all(held, pledged).subquery())

    def holding_postings(self) -> Select[Any]:
        """A holding's account: owed its principal at the bond's clearing (negative),
        repaid by each clearing; what is left is what ``redeemed`` says is left."""
        h, i, p = HoldingRow, BondIssueRow, JournalPostingRow
        expected = (
            select(
                h.id.label("holding_id"),
                i.commune_id.label("commune_id"),
                cast(h.redeemed - h.principal, BigInteger).label("amount"),
            )
            .join(i, i.id == h.issue_id)
            .where(self.of(i.commune_id))
        )
        found = select(
            cast(p.account_ref, BigInteger), p.commune_id, cast(p.amount, BigInteger)
        ).where(self.of(p.commune_id), p.account_kind == HOLDING)
        rows = _sides(expected, found)
        return (
            _shape(
                "holding_postings",
                commune=func.max(rows.c.commune_id),
                holding=rows.c.holding_id,
                expected=_expected(rows),
                found=_found(rows),
            )
            .group_by(rows.c.holding_id)
            .having(_expected(rows) != _found(rows))
        )

    # issues and pledges ------------------------------------------------------------
    def issue_pledges(self) -> list[Select[Any]]:
        i, p = BondIssueRow, PledgeRow
        pledges = (
            select(
                p.issue_id,
                func.sum(p.amount).label("amount"),
                func.count().label("pledgers"),
            )
            .group_by(p.issue_id)
            .subquery()
        )
        amount = func.coalesce(pledges.c.amount, 0)
        pledgers = func.coalesce(pledges.c.pledgers, 0)
        ids = {"commune": i.commune_id, "issue": i.id}
        return [
            _shape(
                "issue_overpledged",
                **ids,
                expected=i.price,
                found=i.pledged,
                where=and_(self.of(i.commune_id), i.status == OPEN, i.pledged > i.price),
            ),
            _shape("issue_pledged", **ids, expected=i.pledged, found=amount)
            .outerjoin(pledges, pledges.c.issue_id == i.id)
            .where(self.of(i.commune_id), i.pledged != amount),
            _shape("issue_pledgers", **ids, expected=i.pledgers, found=pledgers)
            .outerjoin(pledges, pledges.c.issue_id == i.id)
            .where(self.of(i.commune_id), i.pledgers != pledgers),
            _shape(
                "pledge_amount",
                **ids,
                member=p.member_id,
                found=p.amount,
            )
            .join(p, p.issue_id == i.id)
            .where(self.of(i.commune_id), p.amount <= 0),
        ]

    def _cleared_price(self) -> Select[Any]:
        """Each issue of the commune with what it should have raised: its price once
        cleared, nothing otherwise."""
        i = BondIssueRow
        return select(
            i.id.label("issue_id"),
            i.commune_id.label("commune_id"),
            cast(case((i.status == CLEARED, i.price), else_=0), BigInteger).label("amount"),
        ).where(self.of(i.commune_id))

    def issue_holdings(self) -> Select[Any]:
        h, i = HoldingRow, BondIssueRow
        found = (
            select(h.issue_id, i.commune_id, cast(h.principal, BigInteger))
            .join(i, i.id == h.issue_id)
            .where(self.of(i.commune_id))
        )
        rows = _sides(self._cleared_price(), found)
        return (
            _shape(
                "issue_holdings",
                commune=func.max(rows.c.commune_id),
                issue=rows.c.issue_id,
                expected=_expected(rows),
                found=_found(rows),
            )
            .group_by(rows.c.issue_id)
            .having(_expected(rows) != _found(rows))
        )

    def issue_assets(self) -> Select[Any]:
        p = JournalPostingRow
        found = select(
            cast(p.account_ref, BigInteger), p.commune_id, cast(p.amount, BigInteger)
        ).where(self.of(p.commune_id), p.account_kind == ASSET)
        rows = _sides(self._cleared_price(), found)
        return (
            _shape(
                "issue_asset",
                commune=func.max(rows.c.commune_id),
                issue=rows.c.issue_id,
                expected=_expected(rows),
                found=_found(rows),
            )
            .group_by(rows.c.issue_id)
            .having(_expected(rows) != _found(rows))
        )

    # the outbox --------------------------------------------------------------------
    def statements(self) -> Select[Any]:
        """One statement queued, keyed ``statement:<clearing>:<member>``, for each roster
        member who has an account to receive it; none keyed for anyone else."""
        c, m, member, o = ClearingRow, ClearingMemberRow, MemberRow, OutboxRow
        reachable = exists().where(AccountRow.person_id == member.person_id)
        key = _key("statement:", m.clearing_id, m.member_id)
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
        rows = _sides(expected, found)
        return (
            _shape(
                "statement_queued",
                commune=func.max(rows.c.commune_id),
                clearing=func.max(rows.c.clearing_id),
                member=func.max(rows.c.member_id),
                outbox=func.max(rows.c.outbox_id),
                expected=_expected(rows),
                found=_found(rows),
            )
            .group_by(rows.c.dedup_key)
            .having(_expected(rows) != _found(rows))
        )

    def outbox(self) -> Select[Any]:
        o = OutboxRow
        return _shape(
            "outbox_delivery",
            outbox=o.id,
            found=o.attempts,
            where=or_(o.delivered_at < o.created_at, o.attempts < 0),
        )
