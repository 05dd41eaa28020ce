"""The cleared bonds' lines of the open books (/ledger), read for the whole commune."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from domain.bonds import IssueStatus
from domain.model import LeaseBook
from storage.tables import BondIssueRow, CooperativeRow, HoldingRow, RentReceiptRow


class LeaseBookRepository:
    """The part of the bond repository that /ledger reads: kept apart so a commune
    with thousands of leases costs one query, not three per lease."""

    session: Session

    def lease_books(self, commune_id: int) -> list[LeaseBook]:
        """Every cleared bond's ledger line, by number, in one query: what its holdings
        are still owed and its rent, each grouped once over the commune's rows (not
        two lookups per lease)."""
        owed = (
            select(
                HoldingRow.issue_id.label("issue_id"),
                func.sum(HoldingRow.principal - HoldingRow.redeemed).label("amount"),
            )
            .join(BondIssueRow, BondIssueRow.id == HoldingRow.issue_id)
            .where(BondIssueRow.commune_id == commune_id)
            .group_by(HoldingRow.issue_id)
            .subquery()
        )
        rent = (
            select(
                RentReceiptRow.issue_id.label("issue_id"),
                func.sum(RentReceiptRow.amount).label("amount"),
            )
            .where(RentReceiptRow.commune_id == commune_id)
            .group_by(RentReceiptRow.issue_id)
            .subquery()
        )
        rows = self.session.execute(
            select(
                BondIssueRow.number,
                BondIssueRow.asset,
                CooperativeRow.name,
                BondIssueRow.price,
                func.coalesce(owed.c.amount, 0),
                func.coalesce(rent.c.amount, 0),
            )
            .join(CooperativeRow, CooperativeRow.id == BondIssueRow.cooperative_id)
            .outerjoin(owed, owed.c.issue_id == BondIssueRow.id)
            .outerjoin(rent, rent.c.issue_id == BondIssueRow.id)
            .where(
                BondIssueRow.commune_id == commune_id,
                BondIssueRow.status == IssueStatus.CLEARED.value,
            )
            .order_by(BondIssueRow.number)
        ).all()
        return [
            LeaseBook(number, asset, name, price, int(outstanding), int(received))
            for number, asset, name, price, outstanding, received in rows
        ]
