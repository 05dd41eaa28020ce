"""The clearing's rent due and arrears (domain.arrears): one read of every lease
running in the period, one bulk insert of their lines; no query per lease."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, or_, select, update

from domain.arrears import ArrearsLine, ArrearsReader, Ending, LeaseArrears, LeaseDue
from domain.bonds import IssueStatus, LeaseTerm
from storage.bulk import bulk_insert
from storage.decision_tables import AssetSaleRow, LeaseArrearsRow, LeaseTermRow
from storage.repositories.clearings.shared import OnSession, lessee
from storage.tables import (
    BondIssueRow,
    ClearingRow,
    CooperativeRow,
    HoldingRow,
    MemberRow,
    RentReceiptRow,
)

ARREARS_COLUMNS = (
    "clearing_id",
    "issue_id",
    "rent_due",
    "paid",
    "arrears",
    "outstanding",
    "months",
    "ending",
    "status",
)


class ArrearsReads(OnSession):
    """Each lease's rent due, payment and run of periods in arrears."""

    def lease_dues(
        self, commune_id: int, period: str, period_start: datetime, previous: int | None
    ) -> list[LeaseDue]:
        """Every lease that had cleared before ``period`` (the caller keeps those
        listed in it), with its terms, its rent received (this period, and through
        it since its letting began), what it still owes its bondholders, its run up
        to ``previous`` and whether its asset was sold in the period."""
        t = LeaseTermRow
        terms: dict[int, list[LeaseTerm]] = defaultdict(list)
        for issue_id, from_period, rent, cooperative_id in self.session.execute(
            select(t.issue_id, t.from_period, t.rent, t.cooperative_id)
            .where(t.commune_id == commune_id)
            .order_by(t.id)
        ):
            terms[issue_id].append(LeaseTerm(from_period, rent, cooperative_id))
        # A lease let again counts its rent from its new letting: from its latest
        # relet up to the period (rent before its first period is booked into it).
        since = {
            issue_id: max(
                (
                    term.from_period
                    for term in mine
                    if term.cooperative_id is not None and term.from_period <= period
                ),
                default="",
            )
            for issue_id, mine in terms.items()
        }
        r = RentReceiptRow
        received: dict[int, tuple[int, int]] = {}
        for issue_id, booked, amount in self.session.execute(
            select(r.issue_id, r.period, func.sum(r.amount))
            .where(r.commune_id == commune_id, r.period <= period)
            .group_by(r.issue_id, r.period)
        ):
            now, through = received.get(issue_id, (0, 0))
            if booked >= since.get(issue_id, ""):
                through += int(amount)
            if booked == period:
                now += int(amount)
            received[issue_id] = (now, through)
        sold = set(
            self.session.execute(
                select(AssetSaleRow.issue_id).where(
                    AssetSaleRow.commune_id == commune_id, AssetSaleRow.period == period
                )
            ).scalars()
        )
        owed = dict(
            self.session.execute(
                select(HoldingRow.issue_id, func.sum(HoldingRow.principal - HoldingRow.redeemed))
                .join(BondIssueRow, BondIssueRow.id == HoldingRow.issue_id)
                .where(BondIssueRow.commune_id == commune_id)
                .group_by(HoldingRow.issue_id)
            ).all()
        )
        before: dict[int, tuple[int, int]] = {}
        if previous is not None:
            before = {
                issue_id: (months, ending)
                for issue_id, months, ending in self.session.execute(
                    select(
                        LeaseArrearsRow.issue_id, LeaseArrearsRow.months, LeaseArrearsRow.ending
                    ).where(LeaseArrearsRow.clearing_id == previous)
                )
            }
        issues = self.session.execute(
            select(
                BondIssueRow.id,
                BondIssueRow.number,
                BondIssueRow.cooperative_id,
                BondIssueRow.closed_at,
                BondIssueRow.rent,
            )
            .where(
                BondIssueRow.commune_id == commune_id,
                BondIssueRow.status == IssueStatus.CLEARED.value,
                BondIssueRow.closed_at < period_start,
            )
            .order_by(BondIssueRow.number)
        ).all()
        return [
            LeaseDue(
                issue_id,
                number,
                cooperative_id,
                closed_at,
                rent,
                tuple(terms.get(issue_id, ())),
                received.get(issue_id, (0, 0))[0],
                received.get(issue_id, (0, 0))[1],
                int(owed.get(issue_id) or 0),
                before.get(issue_id, (0, 0))[0],
                Ending(before.get(issue_id, (0, 0))[1]),
                issue_id in sold,
            )
            for issue_id, number, cooperative_id, closed_at, rent in issues
        ]

    def record_arrears(self, clearing_id: int, lines: Sequence[LeaseArrears]) -> None:
        """Every lease's line, bulk-inserted (COPY on PostgreSQL): a federation has
        ten thousand leases, and an executemany is a round of parameters per row."""
        bulk_insert(
            self.session,
            LeaseArrearsRow.__table__,
            ARREARS_COLUMNS,
            (
                (
                    clearing_id,
                    line.issue_id,
                    line.rent_due,
                    line.paid,
                    line.arrears,
                    line.outstanding,
                    line.months,
                    int(line.ending),
                    line.status,
                )
                for line in lines
            ),
        )

    def arrears_lines(self, clearing_id: int) -> list[ArrearsLine]:
        """Each lease running in a cleared period, by bond number (none for a clearing
        from before lease arrears were kept)."""
        a = LeaseArrearsRow
        period = self.session.execute(
            select(ClearingRow.period).where(ClearingRow.id == clearing_id)
        ).scalar_one()
        return [
            ArrearsLine(*row)
            for row in self.session.execute(
                select(
                    BondIssueRow.number,
                    BondIssueRow.asset,
                    CooperativeRow.name,
                    a.rent_due,
                    a.paid,
                    a.arrears,
                    a.status,
                    a.outstanding,
                )
                .join(BondIssueRow, BondIssueRow.id == a.issue_id)
                .join(CooperativeRow, CooperativeRow.id == lessee(period))
                .where(a.clearing_id == clearing_id)
                .order_by(BondIssueRow.number)
            ).all()
        ]

    def arrears_readers(
        self, commune_id: int, cooperative_ids: Collection[int]
    ) -> list[ArrearsReader]:
        """The members of those cooperatives and the treasurers, still members."""
        m = MemberRow
        return [
            ArrearsReader(member_id, cooperative_id, bool(treasurer))
            for member_id, cooperative_id, treasurer in self.session.execute(
                select(m.id, m.cooperative_id, m.is_treasurer)
                .where(
                    m.commune_id == commune_id,
                    m.left_at.is_(None),
                    or_(m.is_treasurer, m.cooperative_id.in_(list(cooperative_ids))),
                )
                .order_by(m.id)
            )
        ]

    def take_waiting_ends(self, commune_id: int) -> list[int]:
        """The bond numbers whose ``end lease`` (rent unpaid) waits for an assembly at
        the latest clearing; from now on, on the agenda of the one asking."""
        latest = (
            select(func.max(ClearingRow.id)).where(ClearingRow.commune_id == commune_id)
        ).scalar_subquery()
        waiting = self.session.execute(
            select(LeaseArrearsRow.issue_id, BondIssueRow.number)
            .join(BondIssueRow, BondIssueRow.id == LeaseArrearsRow.issue_id)
            .where(
                LeaseArrearsRow.clearing_id == latest,
                LeaseArrearsRow.ending == int(Ending.WAITING),
            )
            .order_by(BondIssueRow.number)
        ).all()
        if waiting:
            self.session.execute(
                update(LeaseArrearsRow)
                .where(
                    LeaseArrearsRow.clearing_id == latest,
                    LeaseArrearsRow.issue_id.in_([issue_id for issue_id, _ in waiting]),
                )
                .values(ending=int(Ending.ON_AGENDA))
            )
        return [number for _, number in waiting]
