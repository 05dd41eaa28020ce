"""Asset sales (domain/sales.py): a sale, its lines, and the holdings it settles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, bindparam, cast, func, insert, select, update

from domain.clearing import HoldingBalance
from domain.clearing_reads import MemberRange
from domain.sales import NO_SALES, Sale, SaleShare, SaleTotals
from storage.connection import connection_of
from storage.decision_tables import AssetSaleLineRow, AssetSaleRow
from storage.repositories.parts import SessionPart
from storage.tables import BondIssueRow, HoldingRow


class SaleRepository(SessionPart):
    def sold(self, issue_id: int) -> tuple[str, int] | None:
        row = self.session.execute(
            select(AssetSaleRow.period, AssetSaleRow.proceeds).where(
                AssetSaleRow.issue_id == issue_id
            )
        ).one_or_none()
        return None if row is None else (row[0], int(row[1]))

    def owed(self, issue_id: int) -> list[HoldingBalance]:
        h = HoldingRow
        return [
            HoldingBalance(holding_id, member_id, int(outstanding))
            for holding_id, member_id, outstanding in self.session.execute(
                select(h.id, h.member_id, h.principal - h.redeemed)
                .where(h.issue_id == issue_id, h.principal > h.redeemed)
                .order_by(h.seq, h.id)
            ).all()
        ]

    def record(
        self, commune_id: int, sale: Sale, period: str, at: datetime, recorded_by: int
    ) -> int:
        row = AssetSaleRow(
            commune_id=commune_id,
            issue_id=sale.issue_id,
            period=period,
            proceeds=sale.proceeds,
            repaid=sale.repaid,
            to_pool=sale.to_pool,
            written_off=sale.written_off,
            at=at,
            recorded_by=recorded_by,
        )
        self.session.add(row)
        self.session.flush()
        sale_id = row.id
        assert sale_id is not None
        if sale.lines:
            self.session.execute(
                insert(AssetSaleLineRow.__table__),
                [
                    {
                        "sale_id": sale_id,
                        "holding_id": line.holding_id,
                        "repaid": line.repaid,
                        "written_off": line.written_off,
                    }
                    for line in sale.lines
                ],
            )
            # Settled: repaid and written off alike count as no longer owed.
            connection_of(self.session).execute(
                update(HoldingRow.__table__)
                .where(HoldingRow.__table__.c.id == bindparam("holding"))
                .values(redeemed=HoldingRow.__table__.c.redeemed + bindparam("settled")),
                [
                    {"holding": line.holding_id, "settled": line.repaid + line.written_off}
                    for line in sale.lines
                ],
            )
        return sale_id

    def totals(self, commune_id: int, period: str) -> SaleTotals:
        s = AssetSaleRow
        row = self.session.execute(
            select(
                func.count(s.id),
                cast(func.coalesce(func.sum(s.proceeds), 0), BigInteger),
                cast(func.coalesce(func.sum(s.repaid), 0), BigInteger),
                cast(func.coalesce(func.sum(s.to_pool), 0), BigInteger),
                cast(func.coalesce(func.sum(s.written_off), 0), BigInteger),
            ).where(s.commune_id == commune_id, s.period == period)
        ).one()
        if not row[0]:
            return NO_SALES
        return SaleTotals(*(int(v) for v in row[1:]))

    def sold_in(self, commune_id: int, period: str) -> set[int]:
        return set(
            self.session.execute(
                select(AssetSaleRow.issue_id).where(
                    AssetSaleRow.commune_id == commune_id, AssetSaleRow.period == period
                )
            ).scalars()
        )

    def shares(
        self, commune_id: int, period: str, members: MemberRange | None = None
    ) -> dict[int, list[SaleShare]]:
        s, line, h, i = AssetSaleRow, AssetSaleLineRow, HoldingRow, BondIssueRow
        query = (
            select(
                h.member_id,
                i.number,
                cast(func.sum(line.repaid), BigInteger),
                cast(func.sum(line.written_off), BigInteger),
            )
            .select_from(s)
            .join(line, line.sale_id == s.id)
            .join(h, h.id == line.holding_id)
            .join(i, i.id == s.issue_id)
            .where(s.commune_id == commune_id, s.period == period)
            .group_by(h.member_id, i.number)
            .order_by(h.member_id, i.number)
        )
        if members is not None:
            query = query.where(h.member_id.between(*members))
        found: dict[int, list[SaleShare]] = {}
        for member_id, number, repaid, written_off in self.session.execute(query):
            found.setdefault(member_id, []).append(
                SaleShare(member_id, number, int(repaid), int(written_off))
            )
        return found
