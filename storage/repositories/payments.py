"""Sold bonds' payment windows, and their pledgers' payments and refunds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlmodel import Session

from domain.bonds import IssueStatus
from domain.due import PaymentWindow
from storage.decision_tables import PledgePaymentRow
from storage.tables import BondIssueRow


class PaymentRepository:
    """The part of the bond repository about collecting pledges (``payment-days``)."""

    session: Session

    def due_payment_windows(self, now: datetime) -> list[PaymentWindow]:
        """Sold issues whose payment window has ended, oldest first."""
        i = BondIssueRow
        return [
            PaymentWindow(commune_id=commune_id, number=number, when=pay_by)
            for pay_by, commune_id, number in self.session.execute(
                select(i.pay_by, i.commune_id, i.number)
                .where(i.status == IssueStatus.SOLD.value, i.pay_by <= now)
                .order_by(i.pay_by, i.id)
            ).all()
        ]

    def add_payment(
        self,
        commune_id: int,
        issue_id: int,
        member_id: int,
        kind: str,
        amount: int,
        at: datetime,
        recorded_by: int,
    ) -> int:
        row = PledgePaymentRow(
            commune_id=commune_id,
            issue_id=issue_id,
            member_id=member_id,
            kind=kind,
            amount=amount,
            at=at,
            recorded_by=recorded_by,
        )
        self.session.add(row)
        self.session.flush()
        assert row.id is not None
        return row.id

    def payments(self, issue_id: int) -> dict[int, tuple[int, int]]:
        """{member id: (paid, refunded)} of the issue's pledgers who paid anything."""
        p = PledgePaymentRow
        rows = self.session.execute(
            select(
                p.member_id,
                func.sum(case((p.kind == "payment", p.amount), else_=0)),
                func.sum(case((p.kind == "refund", p.amount), else_=0)),
            )
            .where(p.issue_id == issue_id)
            .group_by(p.member_id)
        ).all()
        return {member: (int(paid), int(back)) for member, paid, back in rows}
