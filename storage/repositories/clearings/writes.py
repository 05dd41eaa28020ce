"""The period clearing itself: what is due, the reads that feed it, what it records.

Its inputs are read by lease (a batch of leases' holdings at a time, as plain
lists); its outputs are bulk inserts and INSERT … SELECT / UPDATE … FROM over
the whole commune, written once and read back by the statements and the report.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import aliased

from domain.clearing import ClearingOutcome, ClearingRecord, LeaseHoldings, LeaseTotal
from domain.periods import Period
from storage.bulk import bulk_insert
from storage.connection import connection_of
from storage.decision_tables import AssetSaleRow
from storage.repositories.clearings.shared import (
    FETCH,
    OnSession,
    repaid_where,
    sale_shares,
    year_totals,
)
from storage.tables import (
    BondIssueRow,
    ClearingCooperativeRow,
    ClearingLeaseRow,
    ClearingMemberRow,
    ClearingRow,
    ClearingYearToDateRow,
    CooperativeRow,
    HoldingRow,
    JournalPostingRow,
    MemberRow,
    RentReceiptRow,
)

LARGE_CACHE_KIB = 65_536
LEASE_COLUMNS = (
    "clearing_id",
    "issue_id",
    "rent_received",
    "redeemed",
    "to_pool",
    "outstanding_after",
)
LEASES_PER_BATCH = 1000  # about 50,000 holdings in memory at a time at federation size


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
        row.fund_share,
    )


class ClearingWrites(OnSession):
    """The clearing itself: what is due, its inputs, and what it records."""

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

    def recent(self, commune_id: int, count: int) -> list[ClearingRecord]:
        rows = self.session.execute(
            select(ClearingRow)
            .where(ClearingRow.commune_id == commune_id)
            .order_by(ClearingRow.period.desc())
            .limit(count)
        ).scalars()
        return [_record(row) for row in reversed(list(rows))]

    @contextmanager
    def large(self) -> Iterator[None]:
        """Around a whole commune's clearing: on SQLite a 64 MB page cache instead of
        2 MB, so the holdings and their indexes stay in memory while hundreds of
        thousands of rows go in (no spilling dirty pages mid-transaction); on
        PostgreSQL 64 MB of working memory for this transaction only, so grouping
        what each member is owed is hashed in memory, not sorted on disk in runs."""
        sqlite = self.session.get_bind().dialect.name == "sqlite"
        if sqlite:
            self.session.execute(text(f"PRAGMA cache_size = -{LARGE_CACHE_KIB}"))
        else:  # SET LOCAL ends with the transaction: nothing to restore
            self.session.execute(text(f"SET LOCAL work_mem = '{LARGE_CACHE_KIB}kB'"))
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
    ) -> Iterator[LeaseHoldings]:
        """Each lease with its holdings still owed, in pledge order: their ids and what
        each is owed, as parallel lists. A batch of leases per query, so a federation's
        500,000 holdings are never all in memory, nor objects, at once."""
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
                yield LeaseHoldings(lease, *owed[lease.issue_id])

    def _eligible(self, period_start: datetime) -> ColumnElement[bool]:
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
        """Write the clearing and its leases; its redemptions are posted to the journal
        next, and ``finish`` applies them."""
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
            fund_percent=outcome.fund_percent,
            fund_share=outcome.fund_share,
        )
        self.session.add(row)
        self.session.flush()
        clearing_id = row.id
        assert clearing_id is not None
        bulk_insert(  # COPY on PostgreSQL: a federation has ten thousand leases
            self.session,
            ClearingLeaseRow.__table__,
            LEASE_COLUMNS,
            (
                (
                    clearing_id,
                    lease.issue_id,
                    lease.rent_received,
                    lease.redeemed,
                    lease.to_pool,
                    lease.outstanding_after,
                )
                for lease in outcome.leases
            ),
        )
        return clearing_id

    def finish(
        self, clearing_id: int, entry_id: int, commune_id: int, period_start: datetime
    ) -> None:
        """Repay the holdings by the entry's ``holding`` postings; write the roster.

        One UPDATE … FROM over the postings (not a subquery per holding: PostgreSQL
        planned that as a scan of the freshly written rows per holding, for
        minutes), and one INSERT … SELECT for the roster: everyone still a member,
        and whoever left but was repaid now, or whose bond's asset was sold in the
        period; the dividend to the eligible.
        """
        dividend_each, period = self.session.execute(
            select(ClearingRow.dividend_each, ClearingRow.period).where(
                ClearingRow.id == clearing_id
            )
        ).one()
        repaid = aliased(JournalPostingRow)
        self.session.execute(
            update(HoldingRow)
            .where(repaid.account_ref == HoldingRow.id, *repaid_where(repaid, entry_id))
            .values(redeemed=HoldingRow.redeemed + repaid.amount)
            .execution_options(synchronize_session=False)
        )
        repaid_members = (
            select(HoldingRow.member_id)
            .join(repaid, repaid.account_ref == HoldingRow.id)
            .where(*repaid_where(repaid, entry_id))
        )
        sold_to = sale_shares(commune_id, AssetSaleRow.period == period).subquery()
        roster = select(
            literal(clearing_id),
            MemberRow.id,
            case((self._eligible(period_start), literal(dividend_each)), else_=0),
        ).where(
            MemberRow.commune_id == commune_id,
            or_(
                MemberRow.left_at.is_(None),
                MemberRow.id.in_(repaid_members),
                MemberRow.id.in_(select(sold_to.c.member_id)),
            ),
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
        kept = self.kept_through(commune_id, first, previous)
        if kept is not None and kept[1] == previous:
            return
        previous_id = self.session.execute(
            select(ClearingRow.id).where(
                ClearingRow.commune_id == commune_id, ClearingRow.period == previous
            )
        ).scalar_one_or_none()
        if previous_id is None:  # the commune's first clearing
            return
        totals = year_totals(commune_id, first, previous, kept).subquery()
        self.session.execute(
            insert(ClearingYearToDateRow.__table__).from_select(
                ["clearing_id", "member_id", "dividends", "repaid"],
                select(literal(previous_id), *totals.c),
            )
        )
