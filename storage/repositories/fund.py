"""The common fund (domain/fund.py): its balance, its grants, its flows by period."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.fund import FundFlows, FundGrant
from domain.journal import AccountKind
from storage.decision_tables import FundGrantRow
from storage.repositories.parts import SessionPart
from storage.tables import ClearingRow, JournalPostingRow


class FundRepository(SessionPart):
    def balance(self, commune_id: int) -> int:
        p = JournalPostingRow
        return int(
            self.session.execute(
                select(func.coalesce(func.sum(p.amount), 0)).where(
                    p.commune_id == commune_id, p.account_kind == AccountKind.FUND.value
                )
            ).scalar_one()
        )

    def grant(self, commune_id: int, grant: FundGrant) -> int:
        row = FundGrantRow(
            commune_id=commune_id,
            motion_id=grant.motion_id,
            amount=grant.amount,
            purpose=grant.purpose,
            cooperative_id=grant.cooperative_id,
            member_id=grant.member_id,
            period=grant.period,
            at=grant.at,
        )
        self.session.add(row)
        self.session.flush()
        assert row.id is not None
        return row.id

    def flows(self, commune_id: int, period: str | None = None) -> FundFlows:
        c, g = ClearingRow, FundGrantRow

        def total(amount: object, *where: object) -> int:
            return int(
                self.session.execute(
                    select(func.coalesce(func.sum(amount), 0)).where(*where)
                ).scalar_one()
            )

        if period is None:
            fund_in = total(c.fund_share, c.commune_id == commune_id)
            fund_out = total(g.amount, g.commune_id == commune_id)
            return FundFlows(fund_in, fund_out, fund_in - fund_out)
        fund_in = total(c.fund_share, c.commune_id == commune_id, c.period == period)
        fund_out = total(g.amount, g.commune_id == commune_id, g.period == period)
        taken = total(c.fund_share, c.commune_id == commune_id, c.period <= period)
        given = total(g.amount, g.commune_id == commune_id, g.period <= period)
        return FundFlows(fund_in, fund_out, taken - given)
