"""The period clearing's reads and writes, set-based: no query per member.

The clearing of a period touches every member and holding of a commune, so each
step here is one statement over all rows (grouped reads, bulk inserts,
UPDATE … FROM a subquery), never a loop of queries.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session

from domain.clearing import (
    CLEARING_ENTRY,
    ClearingOutcome,
    LeaseTotal,
    clearing_ref,
)
from domain.journal import AccountKind
from storage.connection import connection_of
from storage.tables import (
    AccountRow,
    BondIssueRow,
    ClearingLeaseRow,
    ClearingMemberRow,
    ClearingRow,
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


class Recipient(NamedTuple):
    """A member who gets a statement, with where and in what language (a tuple: a
    clearing makes one per member)."""

    member_id: int
    name: str
    person_id: int
    cooperative_id: int | None
    dividend: int
    platform: str
    address: str
    chosen_locale: str | None
    reported_language: str | None


@dataclass(frozen=True)
class ClearingRecord:
    id: int
    commune_id: int
    period: str
    cleared_at: datetime
    rent_received: int
    carry_in: int
    redeemed: int
    pool: int
    eligible: int
    dividend_each: int
    carry_out: int


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

    def cooperative_rents(self, commune_id: int, period: str) -> dict[int, tuple[str, int]]:
        """Rent each cooperative paid in the period: {cooperative id: (name, amount)}."""
        rows = self.session.execute(
            select(CooperativeRow.id, CooperativeRow.name, func.sum(RentReceiptRow.amount))
            .join(BondIssueRow, BondIssueRow.cooperative_id == CooperativeRow.id)
            .join(RentReceiptRow, RentReceiptRow.issue_id == BondIssueRow.id)
            .where(RentReceiptRow.commune_id == commune_id, RentReceiptRow.period == period)
            .group_by(CooperativeRow.id, CooperativeRow.name)
        ).all()
        return {cid: (name, int(total)) for cid, name, total in rows}

    def cooperative_sizes(self, commune_id: int) -> dict[int, int]:
        return dict(
            self.session.execute(
                select(MemberRow.cooperative_id, func.count())
                .where(
                    MemberRow.commune_id == commune_id,
                    MemberRow.left_at.is_(None),
                    MemberRow.cooperative_id.is_not(None),
                )
                .group_by(MemberRow.cooperative_id)
            ).all()
        )

    def year_to_date(
        self, commune_id: int, first: str, last: str, members: Members = None
    ) -> dict[int, tuple[int, int]]:
        """{member id: (dividends, repaid)} over the clearings from ``first`` to ``last``."""
        in_year = (
            select(ClearingRow.id)
            .where(
                ClearingRow.commune_id == commune_id,
                ClearingRow.period >= first,
                ClearingRow.period <= last,
            )
            .scalar_subquery()
        )
        dividends = select(ClearingMemberRow.member_id, func.sum(ClearingMemberRow.dividend)).where(
            ClearingMemberRow.clearing_id.in_(in_year)
        )
        entries = self._entries(
            commune_id,
            JournalEntryRow.ref >= clearing_ref(first),
            JournalEntryRow.ref <= clearing_ref(last),
        )
        posting = aliased(JournalPostingRow)
        repaid = (
            select(HoldingRow.member_id, func.sum(posting.amount))
            .join(posting, posting.account_ref == HoldingRow.id)
            .where(
                posting.entry_id.in_(entries),
                posting.commune_id == commune_id,
                posting.account_kind == AccountKind.HOLDING.value,
            )
        )
        if members is not None:
            dividends = dividends.where(ClearingMemberRow.member_id.between(*members))
            repaid = repaid.where(HoldingRow.member_id.between(*members))
        totals: dict[int, list[int]] = {}
        for member, total in self.session.execute(dividends.group_by(ClearingMemberRow.member_id)):
            totals.setdefault(member, [0, 0])[0] = int(total)
        for member, total in self.session.execute(repaid.group_by(HoldingRow.member_id)):
            totals.setdefault(member, [0, 0])[1] = int(total)
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
        """
        later_posting = aliased(JournalPostingRow)
        later = (
            select(
                later_posting.account_ref,
                cast(func.sum(later_posting.amount), BigInteger),
            )
            .where(
                later_posting.entry_id.in_(
                    self._entries(commune_id, JournalEntryRow.ref > clearing_ref(period))
                ),
                later_posting.account_kind == AccountKind.HOLDING.value,
            )
            .group_by(later_posting.account_ref)
        )
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
        if members is not None:
            later = later.join(HoldingRow, HoldingRow.id == later_posting.account_ref).where(
                HoldingRow.member_id.between(*members)
            )
            query = query.where(HoldingRow.member_id.between(*members)).order_by(
                HoldingRow.member_id, HoldingRow.issue_id
            )
        else:
            query = query.where(
                HoldingRow.issue_id.in_(
                    select(BondIssueRow.id).where(BondIssueRow.commune_id == commune_id)
                )
            ).order_by(HoldingRow.member_id + 0, HoldingRow.issue_id)
        repaid_later = dict(self.session.execute(later).all())
        # The bond issues are matched here, not joined: without statistics SQLite
        # would loop over the issues and scan the members' holdings for each. Issue
        # ids and numbers rise together within a commune, so the order holds.
        cleared = dict(
            self.session.execute(
                select(BondIssueRow.id, BondIssueRow.number).where(
                    BondIssueRow.commune_id == commune_id, BondIssueRow.closed_at < period_end
                )
            ).all()
        )
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
