"""The invariants of pledges' payments (``payment-days`` > 0): what was paid, refunded,
held in ``paid_in`` and spent on the asset."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Select, and_, case, cast, func, or_, select

from domain.bonds import IssueStatus
from domain.journal import AccountKind
from storage.decision_tables import PledgePaymentRow
from storage.repositories.audit.shape import (
    CLEARED,
    Scope,
    expected_sum,
    found_sum,
    shape,
    sides,
)
from storage.tables import BondIssueRow, JournalPostingRow, PledgeRow

PAID_IN = AccountKind.PAID_IN.value
EXPIRED = IssueStatus.EXPIRED.value


def _signed(p: Any) -> Any:
    return case((p.kind == "payment", p.amount), else_=-p.amount)


class PaymentChecks(Scope):
    def _per_pledger(self) -> Any:
        p = PledgePaymentRow
        return (
            select(
                p.issue_id,
                p.member_id,
                func.sum(case((p.kind == "payment", p.amount), else_=0)).label("paid"),
                func.sum(case((p.kind == "refund", p.amount), else_=0)).label("back"),
            )
            .group_by(p.issue_id, p.member_id)
            .subquery()
        )

    def payments_sane(self) -> list[Select[Any]]:
        """Paid never past the pledge; refunds only for an expired bond's payments; a
        cleared bond with payments was paid its price in full."""
        i, pl, per = BondIssueRow, PledgeRow, self._per_pledger()
        pledge = func.coalesce(pl.amount, 0)
        ids = {"commune": i.commune_id, "issue": i.id, "member": per.c.member_id}
        paid_total = (
            select(per.c.issue_id, func.sum(per.c.paid).label("paid"))
            .group_by(per.c.issue_id)
            .subquery()
        )
        return [
            shape("payment_over_pledge", **ids, expected=pledge, found=per.c.paid)
            .select_from(per)
            .join(i, i.id == per.c.issue_id)
            .outerjoin(pl, and_(pl.issue_id == per.c.issue_id, pl.member_id == per.c.member_id))
            .where(self.of(i.commune_id), or_(per.c.paid > pledge, per.c.paid <= 0)),
            shape("refund_expired", **ids, expected=per.c.paid, found=per.c.back)
            .select_from(per)
            .join(i, i.id == per.c.issue_id)
            .where(
                self.of(i.commune_id),
                per.c.back > 0,
                or_(i.status != EXPIRED, per.c.back > per.c.paid),
            ),
            shape(
                "issue_paid",
                commune=i.commune_id,
                issue=i.id,
                expected=i.price,
                found=paid_total.c.paid,
            )
            .select_from(paid_total)
            .join(i, i.id == paid_total.c.issue_id)
            .where(self.of(i.commune_id), i.status == CLEARED, paid_total.c.paid != i.price),
        ]

    def paid_in_held(self) -> Select[Any]:
        """A bond's ``paid_in`` account holds what was paid less what was refunded, until
        it clears and the money buys the asset."""
        p, i, j = PledgePaymentRow, BondIssueRow, JournalPostingRow
        expected = (
            select(
                p.issue_id.label("issue_id"),
                i.commune_id.label("commune_id"),
                cast(case((i.status == CLEARED, 0), else_=_signed(p)), BigInteger).label("amount"),
            )
            .join(i, i.id == p.issue_id)
            .where(self.of(i.commune_id))
        )
        found = select(
            cast(j.account_ref, BigInteger), j.commune_id, cast(j.amount, BigInteger)
        ).where(self.of(j.commune_id), j.account_kind == PAID_IN)
        rows = sides(expected, found)
        return (
            shape(
                "paid_in_held",
                commune=func.max(rows.c.commune_id),
                issue=rows.c.issue_id,
                expected=expected_sum(rows),
                found=found_sum(rows),
            )
            .group_by(rows.c.issue_id)
            .having(expected_sum(rows) != found_sum(rows))
        )
