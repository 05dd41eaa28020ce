"""The period clearing's reads and writes, set-based: no query per member.

The clearing of a period touches every member and holding of a commune, so each
step here is one statement over all rows (grouped reads, bulk inserts,
UPDATE … FROM a subquery), never a loop of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, insert, literal, or_, select, update
from sqlmodel import Session

from domain.clearing import ClearingOutcome, HoldingBalance, LeaseRent
from storage.tables import (
    AccountRow,
    BondIssueRow,
    ClearingLeaseRow,
    ClearingMemberRow,
    ClearingRow,
    CooperativeRow,
    HoldingRow,
    MemberRow,
    PersonRow,
    RedemptionRow,
    RentReceiptRow,
)


@dataclass(frozen=True)
class Recipient:
    """A member who gets a statement, with where and in what language."""

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

    # inputs ------------------------------------------------------------------------------
    def lease_rents(self, commune_id: int, period: str) -> list[LeaseRent]:
        rents = self.session.execute(
            select(RentReceiptRow.issue_id, func.sum(RentReceiptRow.amount))
            .join(BondIssueRow, BondIssueRow.id == RentReceiptRow.issue_id)
            .where(RentReceiptRow.commune_id == commune_id, RentReceiptRow.period == period)
            .group_by(RentReceiptRow.issue_id, BondIssueRow.number)
            .order_by(BondIssueRow.number)
        ).all()
        if not rents:
            return []
        rented = (
            select(RentReceiptRow.issue_id)
            .where(RentReceiptRow.commune_id == commune_id, RentReceiptRow.period == period)
            .scalar_subquery()
        )
        holdings: dict[int, list[HoldingBalance]] = {}
        for hid, member_id, issue_id, outstanding in self.session.execute(
            select(
                HoldingRow.id,
                HoldingRow.member_id,
                HoldingRow.issue_id,
                HoldingRow.principal - HoldingRow.redeemed,
            )
            .where(HoldingRow.issue_id.in_(rented), HoldingRow.principal > HoldingRow.redeemed)
            .order_by(HoldingRow.issue_id, HoldingRow.seq, HoldingRow.id)
        ).all():
            holdings.setdefault(issue_id, []).append(HoldingBalance(hid, member_id, outstanding))
        return [
            LeaseRent(issue_id, int(total), holdings.get(issue_id, [])) for issue_id, total in rents
        ]

    def _eligible(self, period_start: datetime):  # type: ignore[no-untyped-def]
        return and_(MemberRow.left_at.is_(None), MemberRow.joined_at < period_start)

    def eligible_member_ids(self, commune_id: int, period_start: datetime) -> list[int]:
        return list(
            self.session.execute(
                select(MemberRow.id)
                .where(MemberRow.commune_id == commune_id, self._eligible(period_start))
                .order_by(MemberRow.id)
            ).scalars()
        )

    # outputs -----------------------------------------------------------------------------
    def record(
        self,
        commune_id: int,
        period: str,
        period_start: datetime,
        now: datetime,
        outcome: ClearingOutcome,
    ) -> int:
        """Write the clearing, its leases, redemptions and statement roster; repay holdings."""
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
        if outcome.redemptions:
            self.session.execute(
                insert(RedemptionRow.__table__),
                [
                    {
                        "clearing_id": clearing_id,
                        "holding_id": r.holding_id,
                        "member_id": r.member_id,
                        "issue_id": r.issue_id,
                        "amount": r.amount,
                        "outstanding_after": r.outstanding_after,
                    }
                    for r in outcome.redemptions
                ],
            )
            repaid = (
                select(RedemptionRow.amount)
                .where(
                    RedemptionRow.clearing_id == clearing_id,
                    RedemptionRow.holding_id == HoldingRow.id,
                )
                .scalar_subquery()
            )
            self.session.execute(
                update(HoldingRow)
                .where(
                    HoldingRow.id.in_(
                        select(RedemptionRow.holding_id).where(
                            RedemptionRow.clearing_id == clearing_id
                        )
                    )
                )
                .values(redeemed=HoldingRow.redeemed + repaid)
                .execution_options(synchronize_session=False)
            )
        redeemed_members = select(RedemptionRow.member_id).where(
            RedemptionRow.clearing_id == clearing_id
        )
        roster = select(
            literal(clearing_id),
            MemberRow.id,
            case((self._eligible(period_start), literal(outcome.dividend_each)), else_=0),
        ).where(
            MemberRow.commune_id == commune_id,
            or_(MemberRow.left_at.is_(None), MemberRow.id.in_(redeemed_members)),
        )
        self.session.execute(
            insert(ClearingMemberRow.__table__).from_select(
                ["clearing_id", "member_id", "dividend"], roster
            )
        )
        return clearing_id

    # statements ------------------------------------------------------------------------
    def recipients(self, clearing_id: int) -> list[Recipient]:
        """Everyone on the roster, with their most recently used account."""
        ranked = select(
            AccountRow.person_id,
            AccountRow.platform,
            AccountRow.platform_user_id,
            AccountRow.language,
            func.row_number()
            .over(
                partition_by=AccountRow.person_id,
                order_by=(AccountRow.last_seen_at.desc(), AccountRow.id.desc()),
            )
            .label("rank"),
        ).subquery()
        rows = self.session.execute(
            select(
                MemberRow.id,
                MemberRow.name,
                MemberRow.person_id,
                MemberRow.cooperative_id,
                ClearingMemberRow.dividend,
                ranked.c.platform,
                ranked.c.platform_user_id,
                PersonRow.locale,
                ranked.c.language,
            )
            .join(ClearingMemberRow, ClearingMemberRow.member_id == MemberRow.id)
            .join(PersonRow, PersonRow.id == MemberRow.person_id)
            .join(ranked, and_(ranked.c.person_id == MemberRow.person_id, ranked.c.rank == 1))
            .where(ClearingMemberRow.clearing_id == clearing_id)
            .order_by(MemberRow.id)
        ).all()
        return [Recipient(*r) for r in rows]

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

    def year_to_date(self, commune_id: int, first: str, last: str) -> dict[int, tuple[int, int]]:
        """{member id: (dividends, repaid)} over the clearings from ``first`` to ``last``."""
        in_year = and_(
            ClearingRow.commune_id == commune_id,
            ClearingRow.period >= first,
            ClearingRow.period <= last,
        )
        totals: dict[int, list[int]] = {}
        for member_id, total in self.session.execute(
            select(ClearingMemberRow.member_id, func.sum(ClearingMemberRow.dividend))
            .join(ClearingRow, ClearingRow.id == ClearingMemberRow.clearing_id)
            .where(in_year)
            .group_by(ClearingMemberRow.member_id)
        ).all():
            totals.setdefault(member_id, [0, 0])[0] = int(total)
        for member_id, total in self.session.execute(
            select(RedemptionRow.member_id, func.sum(RedemptionRow.amount))
            .join(ClearingRow, ClearingRow.id == RedemptionRow.clearing_id)
            .where(in_year)
            .group_by(RedemptionRow.member_id)
        ).all():
            totals.setdefault(member_id, [0, 0])[1] = int(total)
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
        return [
            tuple(r)
            for r in self.session.execute(
                select(RedemptionRow.member_id, BondIssueRow.number, func.sum(RedemptionRow.amount))
                .join(BondIssueRow, BondIssueRow.id == RedemptionRow.issue_id)
                .where(RedemptionRow.clearing_id == clearing_id)
                .group_by(RedemptionRow.member_id, BondIssueRow.number)
            ).all()
        ]

    def outstanding_after(
        self, commune_id: int, period: str, period_end: datetime
    ) -> list[tuple[int, int, int]]:
        """(member id, issue number, outstanding) as it stood after ``period`` cleared."""
        repaid_until = (
            select(func.coalesce(func.sum(RedemptionRow.amount), 0))
            .join(ClearingRow, ClearingRow.id == RedemptionRow.clearing_id)
            .where(RedemptionRow.holding_id == HoldingRow.id, ClearingRow.period <= period)
            .scalar_subquery()
        )
        return [
            (member_id, number, int(outstanding))
            for member_id, number, outstanding in self.session.execute(
                select(
                    HoldingRow.member_id,
                    BondIssueRow.number,
                    func.sum(HoldingRow.principal - repaid_until),
                )
                .join(BondIssueRow, BondIssueRow.id == HoldingRow.issue_id)
                .where(BondIssueRow.commune_id == commune_id, BondIssueRow.closed_at < period_end)
                .group_by(HoldingRow.member_id, BondIssueRow.number)
            ).all()
        ]
