"""Bond issues with their pledges, holdings and rent receipts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from domain.bonds import BondIssue, IssueStatus, Pledge
from domain.model import Holding, RentReceipt
from storage.tables import BondIssueRow, HoldingRow, PledgeRow, RentReceiptRow


def _issue(row: BondIssueRow, pledges: list[Pledge]) -> BondIssue:
    return BondIssue(
        id=row.id,
        commune_id=row.commune_id,
        number=row.number,
        cooperative_id=row.cooperative_id,
        proposer_id=row.proposer_id,
        asset=row.asset,
        price=row.price,
        rent=row.rent,
        deadline=row.deadline,
        created_at=row.created_at,
        status=IssueStatus(row.status),
        closed_at=row.closed_at,
        pledges=pledges,
    )


class BondRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next_number(self, commune_id: int) -> int:
        highest = self.session.execute(
            select(func.max(BondIssueRow.number)).where(BondIssueRow.commune_id == commune_id)
        ).scalar_one()
        return (highest or 0) + 1

    def add(self, issue: BondIssue) -> BondIssue:
        row = BondIssueRow(
            commune_id=issue.commune_id,
            number=issue.number,
            cooperative_id=issue.cooperative_id,
            proposer_id=issue.proposer_id,
            asset=issue.asset,
            price=issue.price,
            rent=issue.rent,
            deadline=issue.deadline,
            created_at=issue.created_at,
            status=issue.status.value,
        )
        self.session.add(row)
        self.session.flush()
        issue.id = row.id
        return issue

    def get(self, commune_id: int, number: int, lock: bool = False) -> BondIssue | None:
        """The issue with its pledges; ``lock`` holds its row until commit (PostgreSQL)."""
        query = select(BondIssueRow).where(
            BondIssueRow.commune_id == commune_id, BondIssueRow.number == number
        )
        if lock:
            query = query.with_for_update()
        row = self.session.execute(query).scalar_one_or_none()
        if row is None:
            return None
        return _issue(row, self._pledges(row.id))

    def _pledges(self, issue_id: int) -> list[Pledge]:
        rows = self.session.execute(
            select(PledgeRow).where(PledgeRow.issue_id == issue_id).order_by(PledgeRow.seq)
        ).scalars()
        return [Pledge(r.member_id, r.amount, r.seq) for r in rows]

    def save(self, issue: BondIssue) -> None:
        """Write back the issue's status and its pledges as they now stand."""
        row = self.session.get(BondIssueRow, issue.id)
        assert row is not None
        row.status = issue.status.value
        row.closed_at = issue.closed_at
        self.session.add(row)
        existing = {
            r.member_id: r
            for r in self.session.execute(
                select(PledgeRow).where(PledgeRow.issue_id == issue.id)
            ).scalars()
        }
        wanted = {p.member_id: p for p in issue.pledges}
        for member_id, pledge_row in existing.items():
            if member_id not in wanted:
                self.session.delete(pledge_row)
        for member_id, pledge in wanted.items():
            pledge_row = existing.get(member_id)
            if pledge_row is None:
                pledge_row = PledgeRow(
                    issue_id=issue.id, member_id=member_id, amount=pledge.amount, seq=pledge.seq
                )
            pledge_row.amount = pledge.amount
            pledge_row.seq = pledge.seq
            self.session.add(pledge_row)
        self.session.flush()

    def issues(self, commune_id: int, status: IssueStatus | None = None) -> list[BondIssue]:
        query = select(BondIssueRow).where(BondIssueRow.commune_id == commune_id)
        if status is not None:
            query = query.where(BondIssueRow.status == status.value)
        rows = list(self.session.execute(query.order_by(BondIssueRow.number)).scalars())
        return [_issue(r, self._pledges(r.id)) for r in rows]

    def open_pledges_of(self, member_id: int) -> list[tuple[int, int]]:
        """(commune_id, number) of open issues the member has pledged to."""
        return [
            (commune_id, number)
            for commune_id, number in self.session.execute(
                select(BondIssueRow.commune_id, BondIssueRow.number)
                .join(PledgeRow, PledgeRow.issue_id == BondIssueRow.id)
                .where(
                    PledgeRow.member_id == member_id, BondIssueRow.status == IssueStatus.OPEN.value
                )
            ).all()
        ]

    def due_deadlines(self, now: datetime) -> list[tuple[datetime, int, int]]:
        """(deadline, commune_id, number) of open issues whose deadline has passed."""
        return [
            (deadline, commune_id, number)
            for deadline, commune_id, number in self.session.execute(
                select(BondIssueRow.deadline, BondIssueRow.commune_id, BondIssueRow.number)
                .where(BondIssueRow.status == IssueStatus.OPEN.value, BondIssueRow.deadline <= now)
                .order_by(BondIssueRow.deadline, BondIssueRow.id)
            ).all()
        ]

    # holdings -------------------------------------------------------------------
    def add_holdings(self, issue: BondIssue) -> list[Holding]:
        rows = [
            HoldingRow(
                issue_id=issue.id, member_id=p.member_id, principal=p.amount, redeemed=0, seq=p.seq
            )
            for p in issue.holdings()
        ]
        self.session.add_all(rows)
        self.session.flush()
        return [Holding(r.id, r.issue_id, r.member_id, r.principal, 0, r.seq) for r in rows]

    def holdings(self, issue_id: int) -> list[Holding]:
        rows = self.session.execute(
            select(HoldingRow).where(HoldingRow.issue_id == issue_id).order_by(HoldingRow.seq)
        ).scalars()
        return [
            Holding(r.id, r.issue_id, r.member_id, r.principal, r.redeemed, r.seq) for r in rows
        ]

    def outstanding(self, issue_id: int) -> int:
        owed = func.coalesce(func.sum(HoldingRow.principal - HoldingRow.redeemed), 0)
        return int(
            self.session.execute(select(owed).where(HoldingRow.issue_id == issue_id)).scalar_one()
        )

    # rent ------------------------------------------------------------------------
    def add_rent(self, receipt: RentReceipt, commune_id: int) -> RentReceipt:
        row = RentReceiptRow(
            commune_id=commune_id,
            issue_id=receipt.issue_id,
            amount=receipt.amount,
            received_at=receipt.received_at,
            period=receipt.period,
            recorded_by=receipt.recorded_by,
        )
        self.session.add(row)
        self.session.flush()
        receipt.id = row.id
        return receipt

    def rent_total(self, issue_id: int, period: str | None = None) -> int:
        query = select(func.coalesce(func.sum(RentReceiptRow.amount), 0)).where(
            RentReceiptRow.issue_id == issue_id
        )
        if period is not None:
            query = query.where(RentReceiptRow.period == period)
        return int(self.session.execute(query).scalar_one())

    def rents_due(self, commune_id: int, period_start: datetime) -> dict[int, int]:
        """{issue id: rent per period} of the leases running through a whole period."""
        return {
            issue_id: rent
            for issue_id, rent in self.session.execute(
                select(BondIssueRow.id, BondIssueRow.rent).where(
                    BondIssueRow.commune_id == commune_id,
                    BondIssueRow.status == IssueStatus.CLEARED.value,
                    BondIssueRow.closed_at < period_start,
                )
            ).all()
        }

    def labels(self, commune_id: int) -> dict[int, tuple[int, str]]:
        """{issue id: (number, asset)} for every issue of the commune, in one query."""
        return {
            issue_id: (number, asset)
            for issue_id, number, asset in self.session.execute(
                select(BondIssueRow.id, BondIssueRow.number, BondIssueRow.asset).where(
                    BondIssueRow.commune_id == commune_id
                )
            ).all()
        }

    def owed(self, commune_id: int) -> tuple[int, int]:
        """(principal still owed to bondholders, number of assets it is owed on)."""
        total, assets = self.session.execute(
            select(
                func.coalesce(func.sum(HoldingRow.principal - HoldingRow.redeemed), 0),
                func.count(func.distinct(HoldingRow.issue_id)),
            )
            .join(BondIssueRow, BondIssueRow.id == HoldingRow.issue_id)
            .where(
                BondIssueRow.commune_id == commune_id, HoldingRow.principal > HoldingRow.redeemed
            )
        ).one()
        return int(total), int(assets)
