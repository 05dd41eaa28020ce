"""The period clearing's reads and writes, set-based: no query per member.

The clearing of a period touches every member and holding of a commune, so each
step here is one statement over all rows (grouped reads, bulk inserts,
UPDATE … FROM a subquery), never a loop of queries. Asked for a few members (a
``Members`` range: /statement asks for one), the statement reads start from those
members' holdings and roster rows by their indexes instead, so one member's
statement costs the same in a commune of ten members as in one of 100,000.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    ScalarSelect,
    Select,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session

from domain.clearing import (
    CLEARING_ENTRY,
    ClearingOutcome,
    ClearingRecord,
    LeaseTotal,
    Recipient,
    clearing_ref,
)
from domain.journal import AccountKind
from domain.periods import Period
from storage.connection import connection_of
from storage.tables import (
    AccountRow,
    BondIssueRow,
    ClearingCooperativeRow,
    ClearingLeaseRow,
    ClearingMemberRow,
    ClearingRow,
    ClearingYearToDateRow,
    CooperativeRow,
    HoldingRow,
    JournalEntryRow,
    JournalPostingRow,
    MemberRow,
    PersonRow,
    RentReceiptRow,
)

Members = tuple[int, int] | None  # a range of member ids, first to last; None: everyone
LARGE_CACHE_KIB = 65_536
LEASES_PER_BATCH = 1000  # about 50,000 holdings in memory at a time at federation size
FETCH = 10_000  # rows per fetchmany when streaming


def _record(row: ClearingRow) -> ClearingRecord:
    return ClearingRecord(
        row.id,
        row.commune_id,
        row.period,
        row.cleared_at,
        row.rent_received,
        row.carry_in,
        row.redeemed,
        row.pool,
        row.eligible,
        row.dividend_each,
        row.carry_out,
    )


class ClearingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # what is due -------------------------------------------------------------------
    def get(self, commune_id: int, period: str) -> ClearingRecord | None:
        row = self.session.execute(
            select(ClearingRow).where(
                ClearingRow.commune_id == commune_id, ClearingRow.period == period
            )
        ).scalar_one_or_none()
        return _record(row) if row else None

    def latest(self, commune_id: int) -> ClearingRecord | None:
        row = self.session.execute(
            select(ClearingRow)
            .where(ClearingRow.commune_id == commune_id)
            .order_by(ClearingRow.period.desc())
            .limit(1)
        ).scalar_one_or_none()
        return _record(row) if row else None

    @contextmanager
    def large(self) -> Iterator[None]:
        """Around a whole commune's clearing: on SQLite a 64 MB page cache instead of
        2 MB, so the holdings and their indexes stay in memory while hundreds of
        thousands of rows go in (no spilling dirty pages mid-transaction)."""
        sqlite = self.session.get_bind().dialect.name == "sqlite"
        if sqlite:
            self.session.execute(text(f"PRAGMA cache_size = -{LARGE_CACHE_KIB}"))
        try:
            yield
        finally:
            if sqlite:
                self.session.execute(text("PRAGMA cache_size = -2000"))

    # inputs ------------------------------------------------------------------------------
    def lease_totals(self, commune_id: int, period: str) -> list[LeaseTotal]:
        """Each lease's rent in ``period`` and what its holdings are still owed, by number."""
        received = (
            select(
                RentReceiptRow.issue_id.label("issue_id"),
                func.sum(RentReceiptRow.amount).label("amount"),
            )
            .where(RentReceiptRow.commune_id == commune_id, RentReceiptRow.period == period)
            .group_by(RentReceiptRow.issue_id)
            .subquery()
        )
        owed = (
            select(
                HoldingRow.issue_id.label("issue_id"),
                func.sum(HoldingRow.principal - HoldingRow.redeemed).label("amount"),
            )
            .join(received, received.c.issue_id == HoldingRow.issue_id)
            .where(HoldingRow.principal > HoldingRow.redeemed)
            .group_by(HoldingRow.issue_id)
            .subquery()
        )
        rows = self.session.execute(
            select(received.c.issue_id, received.c.amount, func.coalesce(owed.c.amount, 0))
            .join(BondIssueRow, BondIssueRow.id == received.c.issue_id)
            .outerjoin(owed, owed.c.issue_id == received.c.issue_id)
            .order_by(BondIssueRow.number)
        ).all()
        return [LeaseTotal(issue_id, int(rent), int(due)) for issue_id, rent, due in rows]

    def owed_by_lease(
        self, leases: Sequence[LeaseTotal], batch: int = LEASES_PER_BATCH
    ) -> Iterator[tuple[LeaseTotal, list[int], list[int]]]:
        """Each lease with its holdings still owed, in pledge order: (lease, holding ids,
        what each is owed). A batch of leases per query, as plain lists, so a
        federation's 500,000 holdings are never all in memory, nor objects, at once."""
        for first in range(0, len(leases), batch):
            chunk = leases[first : first + batch]
            owed: dict[int, tuple[list[int], list[int]]] = {
                lease.issue_id: ([], []) for lease in chunk
            }
            rows = connection_of(self.session).execute(
                select(
                    HoldingRow.issue_id,
                    HoldingRow.id,
                    HoldingRow.principal - HoldingRow.redeemed,
                )
                .where(
                    HoldingRow.issue_id.in_(list(owed)),
                    HoldingRow.principal > HoldingRow.redeemed,
                )
                .order_by(HoldingRow.issue_id, HoldingRow.seq, HoldingRow.id)
            )
            for part in rows.partitions(FETCH):
                for issue_id, holding_id, outstanding in part:
                    ids, amounts = owed[issue_id]
                    ids.append(holding_id)
                    amounts.append(outstanding)
            for lease in chunk:
                yield (lease, *owed[lease.issue_id])

    def _eligible(self, period_start: datetime):  # type: ignore[no-untyped-def]
        return and_(MemberRow.left_at.is_(None), MemberRow.joined_at < period_start)

    def eligible_count(self, commune_id: int, period_start: datetime) -> int:
        """Members for the whole period who still are: the dividend's divisor."""
        return self.session.execute(
            select(func.count())
            .select_from(MemberRow)
            .where(MemberRow.commune_id == commune_id, self._eligible(period_start))
        ).scalar_one()

    # outputs -----------------------------------------------------------------------------
    def record(self, commune_id: int, period: str, now: datetime, outcome: ClearingOutcome) -> int:
        """Write the clearing and its leases; redemptions follow with ``add_redemptions``."""
        row = ClearingRow(
            commune_id=commune_id,
            period=period,
            cleared_at=now,
            rent_received=outcome.rent_received,
            carry_in=outcome.carry_in,
            redeemed=outcome.redeemed,
            pool=outcome.pool,
            eligible=outcome.eligible,
            dividend_each=outcome.dividend_each,
            carry_out=outcome.carry_out,
        )
        self.session.add(row)
        self.session.flush()
        clearing_id = row.id
        assert clearing_id is not None
        if outcome.leases:
            self.session.execute(
                insert(ClearingLeaseRow.__table__),
                [
                    {
                        "clearing_id": clearing_id,
                        "issue_id": lease.issue_id,
                        "rent_received": lease.rent_received,
                        "redeemed": lease.redeemed,
                        "to_pool": lease.to_pool,
                        "outstanding_after": lease.outstanding_after,
                    }
                    for lease in outcome.leases
                ],
            )
        return clearing_id

    def finish(
        self, clearing_id: int, entry_id: int, commune_id: int, period_start: datetime
    ) -> None:
        """Repay the holdings by the entry's ``holding`` postings; write the roster.

        One UPDATE … FROM over the postings (not a subquery per holding: PostgreSQL
        planned that as a scan of the freshly written rows per holding, for
        minutes), and one INSERT … SELECT for the roster: everyone still a member,
        and whoever left but was repaid now; the dividend to the eligible.
        """
        dividend_each = self.session.execute(
            select(ClearingRow.dividend_each).where(ClearingRow.id == clearing_id)
        ).scalar_one()
        repaid = aliased(JournalPostingRow)
        self.session.execute(
            update(HoldingRow)
            .where(repaid.account_ref == HoldingRow.id, *_repaid_where(repaid, entry_id))
            .values(redeemed=HoldingRow.redeemed + repaid.amount)
            .execution_options(synchronize_session=False)
        )
        repaid_members = (
            select(HoldingRow.member_id)
            .join(repaid, repaid.account_ref == HoldingRow.id)
            .where(*_repaid_where(repaid, entry_id))
        )
        roster = select(
            literal(clearing_id),
            MemberRow.id,
            case((self._eligible(period_start), literal(dividend_each)), else_=0),
        ).where(
            MemberRow.commune_id == commune_id,
            or_(MemberRow.left_at.is_(None), MemberRow.id.in_(repaid_members)),
        )
        self.session.execute(
            insert(ClearingMemberRow.__table__).from_select(
                ["clearing_id", "member_id", "dividend"], roster
            )
        )
        self._keep_cooperative_sizes(clearing_id, commune_id)
        self._keep_year_to_date(clearing_id)

    def _keep_cooperative_sizes(self, clearing_id: int, commune_id: int) -> None:
        """Every cooperative's members now, zero included, kept with the clearing: its
        statements show the rent per member, and must read the same when asked later."""
        size = func.count(MemberRow.id)
        self.session.execute(
            insert(ClearingCooperativeRow.__table__).from_select(
                ["clearing_id", "cooperative_id", "members"],
                select(literal(clearing_id), CooperativeRow.id, size)
                .outerjoin(
                    MemberRow,
                    and_(
                        MemberRow.cooperative_id == CooperativeRow.id,
                        MemberRow.left_at.is_(None),
                    ),
                )
                .where(CooperativeRow.commune_id == commune_id)
                .group_by(CooperativeRow.id),
            )
        )

    def _keep_year_to_date(self, clearing_id: int) -> None:
        """Keep the year-to-date totals through the previous clearing of the same year
        (``clearing_year_to_date``), unless already kept: its own predecessor's kept
        totals plus its period's dividends and repayments, in one INSERT … SELECT.
        January keeps nothing (nothing before it in its year).

        This clearing's statements then read those totals, one row per member,
        instead of every posting of the year (``year_to_date``).
        """
        commune_id, period = self.session.execute(
            select(ClearingRow.commune_id, ClearingRow.period).where(ClearingRow.id == clearing_id)
        ).one()
        current = Period.parse(period)
        if current.month == 1:
            return
        previous = str(current.previous())
        first = f"{current.year:04d}-01"
        kept = self._kept_through(commune_id, first, previous)
        if kept is not None and kept[1] == previous:
            return
        previous_id = self.session.execute(
            select(ClearingRow.id).where(
                ClearingRow.commune_id == commune_id, ClearingRow.period == previous
            )
        ).scalar_one_or_none()
        if previous_id is None:  # the commune's first clearing
            return
        totals = self._year_totals(commune_id, first, previous, kept).subquery()
        self.session.execute(
            insert(ClearingYearToDateRow.__table__).from_select(
                ["clearing_id", "member_id", "dividends", "repaid"],
                select(literal(previous_id), *totals.c),
            )
        )

    def _kept_through(self, commune_id: int, first: str, last: str) -> tuple[int, str] | None:
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

    def _year_totals(
        self, commune_id: int, first: str, last: str, kept: tuple[int, str] | None
    ) -> Select[Any]:
        """(member id, dividends, repaid) over the clearings from ``first`` to ``last``,
        grouped by member: the kept totals through ``kept`` (from January), plus the
        roster's dividends and the ``holding`` postings of each clearing after it."""
        if kept is None:
            newer, newer_ref = (
                ClearingRow.period >= first,
                JournalEntryRow.ref >= clearing_ref(first),
            )
        else:
            newer, newer_ref = (
                ClearingRow.period > kept[1],
                JournalEntryRow.ref > clearing_ref(kept[1]),
            )
        clearings = (
            select(ClearingRow.id)
            .where(ClearingRow.commune_id == commune_id, newer, ClearingRow.period <= last)
            .scalar_subquery()
        )
        entries = self._entries(commune_id, newer_ref, JournalEntryRow.ref <= clearing_ref(last))
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

    def _entries(self, commune_id: int, *refs: Any):  # type: ignore[no-untyped-def]
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

    # statements ------------------------------------------------------------------------
    def recipients(self, clearing_id: int, members: Members = None) -> list[Recipient]:
        """Who is on the roster (member ids in ``members``, first to last), by member id,
        with their most recently used account.

        Two plain queries matched here: a window function's ``rank = 1`` joined back
        made SQLite compare every member with every account.
        """
        roster = (
            select(
                MemberRow.id,
                MemberRow.name,
                MemberRow.person_id,
                MemberRow.cooperative_id,
                ClearingMemberRow.dividend,
                PersonRow.locale,
            )
            .join(ClearingMemberRow, ClearingMemberRow.member_id == MemberRow.id)
            .join(PersonRow, PersonRow.id == MemberRow.person_id)
            .where(ClearingMemberRow.clearing_id == clearing_id)
            .order_by(MemberRow.id)
        )
        accounts = (
            select(
                AccountRow.person_id,
                AccountRow.platform,
                AccountRow.platform_user_id,
                AccountRow.language,
            )
            .join(MemberRow, MemberRow.person_id == AccountRow.person_id)
            .join(ClearingMemberRow, ClearingMemberRow.member_id == MemberRow.id)
            .where(ClearingMemberRow.clearing_id == clearing_id)
            .order_by(AccountRow.last_seen_at, AccountRow.id)
        )
        if members is not None:
            roster = roster.where(MemberRow.id.between(*members))
            accounts = accounts.where(MemberRow.id.between(*members))
        connection = connection_of(self.session)  # Core rows: no ORM bookkeeping per row
        latest = {  # later rows win: the most recently used account of each person
            person_id: (platform, address, language)
            for part in connection.execute(accounts).partitions(FETCH)
            for person_id, platform, address, language in part
        }
        found = []
        for member_id, name, person_id, cooperative_id, dividend, locale in connection.execute(
            roster
        ):
            account = latest.get(person_id)
            if account is not None:
                platform, address, language = account
                found.append(
                    Recipient(
                        member_id,
                        name,
                        person_id,
                        cooperative_id,
                        dividend,
                        platform,
                        address,
                        locale,
                        language,
                    )
                )
        return found

    def cooperative_rents(
        self, commune_id: int, period: str, cooperative_ids: Collection[int] | None = None
    ) -> dict[int, tuple[str, int]]:
        """Rent each cooperative paid in the period: {cooperative id: (name, amount)};
        only ``cooperative_ids``' when given (one member's statement names one)."""
        query = (
            select(CooperativeRow.id, CooperativeRow.name, func.sum(RentReceiptRow.amount))
            .join(BondIssueRow, BondIssueRow.cooperative_id == CooperativeRow.id)
            .join(RentReceiptRow, RentReceiptRow.issue_id == BondIssueRow.id)
            .where(RentReceiptRow.commune_id == commune_id, RentReceiptRow.period == period)
            .group_by(CooperativeRow.id, CooperativeRow.name)
        )
        if cooperative_ids is not None:
            query = query.where(CooperativeRow.id.in_(sorted(cooperative_ids)))
        rows = self.session.execute(query).all()
        return {cid: (name, int(total)) for cid, name, total in rows}

    def cooperative_sizes(
        self, commune_id: int, clearing_id: int, cooperative_ids: Collection[int] | None = None
    ) -> dict[int, int]:
        """{cooperative id: members} as the clearing kept them; only ``cooperative_ids``'
        when given. A clearing from before sizes were kept: the members now."""
        kept = select(ClearingCooperativeRow.cooperative_id, ClearingCooperativeRow.members).where(
            ClearingCooperativeRow.clearing_id == clearing_id
        )
        if cooperative_ids is not None:
            kept = kept.where(ClearingCooperativeRow.cooperative_id.in_(sorted(cooperative_ids)))
        found = dict(self.session.execute(kept).all())
        if found or self._kept_any_size(clearing_id):
            return found
        return self._sizes_now(commune_id, cooperative_ids)

    def _kept_any_size(self, clearing_id: int) -> bool:
        return (
            self.session.execute(
                select(ClearingCooperativeRow.clearing_id)
                .where(ClearingCooperativeRow.clearing_id == clearing_id)
                .limit(1)
            ).first()
            is not None
        )

    def _sizes_now(
        self, commune_id: int, cooperative_ids: Collection[int] | None
    ) -> dict[int, int]:
        """{cooperative id: members now}; by the cooperative index when ids are given
        (``commune_id + 0`` keeps SQLite, which has no statistics, from walking the
        whole commune's members instead)."""
        query = select(MemberRow.cooperative_id, func.count()).where(
            MemberRow.left_at.is_(None), MemberRow.cooperative_id.is_not(None)
        )
        if cooperative_ids is None:
            query = query.where(MemberRow.commune_id == commune_id)
        else:
            query = query.where(
                MemberRow.commune_id + 0 == commune_id,
                MemberRow.cooperative_id.in_(sorted(cooperative_ids)),
            )
        return dict(self.session.execute(query.group_by(MemberRow.cooperative_id)).all())

    def year_to_date(
        self, commune_id: int, first: str, last: str, members: Members = None
    ) -> dict[int, tuple[int, int]]:
        """{member id: (dividends, repaid)} over the clearings from ``first`` to ``last``.

        For everyone: the totals kept through ``last`` (``finish`` keeps them for the
        clearing before the one being recorded), else the latest kept ones plus the
        clearings after them, else the journal's postings. For a range of members:
        their own roster rows and their holdings' postings, by index.
        """
        if members is not None:
            return self._members_year_to_date(commune_id, first, last, members)
        kept = self._kept_through(commune_id, first, last)
        if kept is not None and kept[1] == last:
            rows = connection_of(self.session).execute(
                select(
                    ClearingYearToDateRow.member_id,
                    ClearingYearToDateRow.dividends,
                    ClearingYearToDateRow.repaid,
                ).where(ClearingYearToDateRow.clearing_id == kept[0])
            )
        else:
            rows = connection_of(self.session).execute(
                self._year_totals(commune_id, first, last, kept)
            )
        return {
            member: (int(dividends), int(repaid))
            for part in rows.partitions(FETCH)
            for member, dividends, repaid in part
        }

    def _members_year_to_date(
        self, commune_id: int, first: str, last: str, members: tuple[int, int]
    ) -> dict[int, tuple[int, int]]:
        """``year_to_date`` for a few members: their roster rows (by member, for the
        year's clearings) and each of their holdings' postings in the year's clearing
        entries: a few dozen rows for one member, whatever the commune."""
        in_year = (
            select(ClearingRow.id)
            .where(
                ClearingRow.commune_id == commune_id,
                ClearingRow.period >= first,
                ClearingRow.period <= last,
            )
            .scalar_subquery()
        )
        dividends = (
            select(ClearingMemberRow.member_id, func.sum(ClearingMemberRow.dividend))
            .where(
                ClearingMemberRow.member_id.between(*members),
                ClearingMemberRow.clearing_id.in_(in_year),
            )
            .group_by(ClearingMemberRow.member_id)
        )
        entries = self._entries(
            commune_id,
            JournalEntryRow.ref >= clearing_ref(first),
            JournalEntryRow.ref <= clearing_ref(last),
        )
        repaid = select(
            HoldingRow.member_id,
            _posted_to_the_holding(commune_id, lambda entry_id: entry_id.in_(entries)),
        ).where(HoldingRow.member_id.between(*members))
        totals: dict[int, list[int]] = {}
        for member, total in self.session.execute(dividends):
            totals.setdefault(member, [0, 0])[0] = int(total)
        for member, amount in self.session.execute(repaid):
            totals.setdefault(member, [0, 0])[1] += amount
        return {m: (d, r) for m, (d, r) in totals.items()}

    # reports ------------------------------------------------------------------------------
    def lease_lines(self, clearing_id: int) -> list[tuple[int, str, str, int, int, int, int]]:
        """(number, asset, cooperative, rent, redeemed, to pool, outstanding) per lease."""
        return [
            tuple(r)
            for r in self.session.execute(
                select(
                    BondIssueRow.number,
                    BondIssueRow.asset,
                    CooperativeRow.name,
                    ClearingLeaseRow.rent_received,
                    ClearingLeaseRow.redeemed,
                    ClearingLeaseRow.to_pool,
                    ClearingLeaseRow.outstanding_after,
                )
                .join(BondIssueRow, BondIssueRow.id == ClearingLeaseRow.issue_id)
                .join(CooperativeRow, CooperativeRow.id == BondIssueRow.cooperative_id)
                .where(ClearingLeaseRow.clearing_id == clearing_id)
                .order_by(BondIssueRow.number)
            ).all()
        ]

    def member_lines(self, clearing_id: int) -> list[tuple[int, str, int]]:
        """(member id, name, dividend) on the roster, in member order."""
        return [
            tuple(r)
            for r in self.session.execute(
                select(MemberRow.id, MemberRow.name, ClearingMemberRow.dividend)
                .join(ClearingMemberRow, ClearingMemberRow.member_id == MemberRow.id)
                .where(ClearingMemberRow.clearing_id == clearing_id)
                .order_by(MemberRow.id)
            ).all()
        ]

    def redemptions_by_member(self, clearing_id: int) -> list[tuple[int, int, int]]:
        """(member id, issue number, amount) repaid in this clearing."""
        entry_id = self.entry_of(clearing_id)
        repaid = aliased(JournalPostingRow)
        return [
            (member, number, int(amount))
            for member, number, amount in self.session.execute(
                select(HoldingRow.member_id, BondIssueRow.number, func.sum(repaid.amount))
                .join(repaid, repaid.account_ref == HoldingRow.id)
                .join(BondIssueRow, BondIssueRow.id == HoldingRow.issue_id)
                .where(*_repaid_where(repaid, entry_id))
                .group_by(HoldingRow.member_id, BondIssueRow.number)
            )
        ]

    def holding_lines(
        self,
        commune_id: int,
        clearing_id: int,
        period: str,
        period_end: datetime,
        members: Members = None,
        repaid_now: Mapping[int, int] | None = None,
    ) -> Iterator[tuple[int, list[tuple[int, int, int]]]]:
        """(member id, [(issue number, repaid in this clearing, outstanding after it)]),
        by member then number, for every bond cleared before ``period_end``; streamed.

        Outstanding after a period is what is owed now plus what later clearings
        repaid: the few later clearings' postings, not a sum over every clearing
        per holding. The whole commune is read in table order and
        sorted once (``member_id + 0`` keeps SQLite off the member index, which
        would visit the holdings in random order: a page read per holding).
        ``repaid_now``, {holding id: amount}, is what the clearing being recorded
        just repaid; given, it saves looking each holding up in the journal.
        A range of ``members`` is read from their holdings by the member index
        instead, each holding's postings looked up by account.
        """
        later_entries = self._entries(commune_id, JournalEntryRow.ref > clearing_ref(period))
        cleared_issues = select(BondIssueRow.id, BondIssueRow.number).where(
            BondIssueRow.commune_id == commune_id, BondIssueRow.closed_at < period_end
        )
        repaid_later: dict[int, int] = {}
        if members is not None:
            entry_id = self.entry_of(clearing_id)
            mine = HoldingRow.member_id.between(*members)
            query = (
                select(
                    HoldingRow.member_id,
                    HoldingRow.issue_id,
                    _posted_to_the_holding(commune_id, lambda entry: entry == entry_id),
                    HoldingRow.principal
                    - HoldingRow.redeemed
                    + _posted_to_the_holding(commune_id, lambda entry: entry.in_(later_entries)),
                    HoldingRow.id,
                )
                .where(mine)
                .order_by(HoldingRow.member_id, HoldingRow.issue_id)
            )
            cleared_issues = cleared_issues.where(
                BondIssueRow.id.in_(select(HoldingRow.issue_id).where(mine))
            )
        else:
            if repaid_now is None:
                entry_id = self.entry_of(clearing_id)
                now = aliased(JournalPostingRow)
                query = select(
                    HoldingRow.member_id,
                    HoldingRow.issue_id,
                    func.coalesce(now.amount, 0),
                    HoldingRow.principal - HoldingRow.redeemed,
                    HoldingRow.id,
                ).outerjoin(
                    now,
                    and_(
                        now.commune_id == commune_id,
                        now.account_kind == AccountKind.HOLDING.value,
                        now.account_ref == HoldingRow.id,
                        now.entry_id == entry_id,
                    ),
                )
            else:
                query = select(
                    HoldingRow.member_id,
                    HoldingRow.issue_id,
                    literal(0),
                    HoldingRow.principal - HoldingRow.redeemed,
                    HoldingRow.id,
                )
            query = query.where(
                HoldingRow.issue_id.in_(
                    select(BondIssueRow.id).where(BondIssueRow.commune_id == commune_id)
                )
            ).order_by(HoldingRow.member_id + 0, HoldingRow.issue_id)
            later_posting = aliased(JournalPostingRow)
            repaid_later = dict(
                self.session.execute(
                    select(
                        later_posting.account_ref,
                        cast(func.sum(later_posting.amount), BigInteger),
                    )
                    .where(
                        later_posting.entry_id.in_(later_entries),
                        later_posting.account_kind == AccountKind.HOLDING.value,
                    )
                    .group_by(later_posting.account_ref)
                ).all()
            )
        # The bond issues are matched here, not joined: without statistics SQLite
        # would loop over the issues and scan the members' holdings for each. Issue
        # ids and numbers rise together within a commune, so the order holds.
        cleared = dict(self.session.execute(cleared_issues).all())
        member: int | None = None
        lines: list[tuple[int, int, int]] = []
        rows = connection_of(self.session).execute(query)  # Core: rows as they come, not all
        for chunk in rows.partitions(FETCH):  # fetchmany: a driver call per chunk, not per row
            for holder, issue_id, repaid, owed, holding_id in chunk:
                number = cleared.get(issue_id)
                if number is None:
                    continue
                if repaid_later:
                    owed += repaid_later.get(holding_id, 0)
                if repaid_now is not None:
                    repaid = repaid_now.get(holding_id, 0)
                if holder != member:
                    if lines:
                        yield member, lines  # type: ignore[misc]
                    member, lines = holder, []
                elif lines and lines[-1][0] == number:  # two holdings of one bond
                    _, before, owed_before = lines.pop()
                    repaid, owed = repaid + before, owed + owed_before
                lines.append((number, repaid, owed))
        if lines:
            yield member, lines  # type: ignore[misc]


def _repaid_where(repaid: Any, entry_id: int | None) -> tuple[Any, ...]:
    """The postings of ``repaid`` (an alias of journal_posting) that are the redemptions
    of a clearing entry: its ``holding`` postings."""
    return (repaid.entry_id == entry_id, repaid.account_kind == AccountKind.HOLDING.value)


def _posted_to_the_holding(
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
