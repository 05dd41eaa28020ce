"""The reads of a clearing's report (``minga report``): its leases, roster, repayments.

The report's members' holding lines are the statements' (``holdings.py``).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from domain.clearing_reads import LeaseLine, MemberLine, MemberRedemption
from storage.repositories.clearings.shared import OnSession, lessee, repaid_where
from storage.tables import (
    BondIssueRow,
    ClearingLeaseRow,
    ClearingMemberRow,
    ClearingRow,
    CooperativeRow,
    HoldingRow,
    JournalPostingRow,
    MemberRow,
)


class ReportReads(OnSession):
    """A recorded clearing, line by line."""

    def lease_lines(self, clearing_id: int) -> list[LeaseLine]:
        """Each lease the clearing settled, by bond number, under its lessee then."""
        period = self.session.execute(
            select(ClearingRow.period).where(ClearingRow.id == clearing_id)
        ).scalar_one()
        return [
            LeaseLine(*r)
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
                .join(CooperativeRow, CooperativeRow.id == lessee(period))
                .where(ClearingLeaseRow.clearing_id == clearing_id)
                .order_by(BondIssueRow.number)
            ).all()
        ]

    def member_lines(self, clearing_id: int) -> list[MemberLine]:
        """Everyone on the roster with their dividend, in member order."""
        return [
            MemberLine(*r)
            for r in self.session.execute(
                select(MemberRow.id, MemberRow.name, ClearingMemberRow.dividend)
                .join(ClearingMemberRow, ClearingMemberRow.member_id == MemberRow.id)
                .where(ClearingMemberRow.clearing_id == clearing_id)
                .order_by(MemberRow.id)
            ).all()
        ]

    def redemptions_by_member(self, clearing_id: int) -> list[MemberRedemption]:
        """What this clearing repaid each member, bond by bond."""
        entry_id = self.entry_of(clearing_id)
        repaid = aliased(JournalPostingRow)
        return [
            MemberRedemption(member, number, int(amount))
            for member, number, amount in self.session.execute(
                select(HoldingRow.member_id, BondIssueRow.number, func.sum(repaid.amount))
                .join(repaid, repaid.account_ref == HoldingRow.id)
                .join(BondIssueRow, BondIssueRow.id == HoldingRow.issue_id)
                .where(*repaid_where(repaid, entry_id))
                .group_by(HoldingRow.member_id, BondIssueRow.number)
            )
        ]
