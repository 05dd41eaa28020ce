"""Bond issues with their pledges, holdings and rent receipts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from domain.bonds import BondIssue, IssueStatus, LeaseTerm, Pledge
from domain.due import BondDeadline
from domain.model import Holding, RentReceipt
from storage.connection import connection_of
from storage.decision_tables import LeaseTermRow
from storage.repositories.lease_books import LeaseBookRepository
from storage.repositories.payments import PaymentRepository
from storage.tables import BondIssueRow, CooperativeRow, HoldingRow, PledgeRow, RentReceiptRow

_ISSUE = BondIssueRow.__table__
_PLEDGE = PledgeRow.__table__
_COOPERATIVE = CooperativeRow.__table__

# Every message about an issue names its cooperative: read the name with the issue, not
# in a statement of its own. A subquery, not a join, so FOR UPDATE locks the issue alone.
_COOPERATIVE_NAME = (
    select(_COOPERATIVE.c.name)
    .where(_COOPERATIVE.c.id == _ISSUE.c.cooperative_id)
    .scalar_subquery()
    .label("cooperative_name")
)
# Built once: a pledge is the hot path, and building a statement costs more than running it.
_BY_NUMBER = select(_ISSUE, _COOPERATIVE_NAME).where(
    _ISSUE.c.commune_id == bindparam("commune_id"), _ISSUE.c.number == bindparam("number")
)
_WITH_MY_PLEDGE = (
    select(
        _ISSUE,
        _COOPERATIVE_NAME,
        _PLEDGE.c.amount.label("my_amount"),
        _PLEDGE.c.seq.label("my_seq"),
    )
    .outerjoin(
        _PLEDGE,
        (_PLEDGE.c.issue_id == _ISSUE.c.id) & (_PLEDGE.c.member_id == bindparam("member_id")),
    )
    .where(_ISSUE.c.commune_id == bindparam("commune_id"), _ISSUE.c.number == bindparam("number"))
)
_MY_PLEDGE = select(_PLEDGE.c.amount, _PLEDGE.c.seq).where(
    _PLEDGE.c.issue_id == bindparam("issue_id"), _PLEDGE.c.member_id == bindparam("member_id")
)
_SAVE_ISSUE = (
    update(_ISSUE)
    .where(_ISSUE.c.id == bindparam("issue_id"))
    .values(
        status=bindparam("status"),
        deadline=bindparam("deadline"),
        closed_at=bindparam("closed_at"),
        pledged=bindparam("pledged"),
        pledgers=bindparam("pledgers"),
        last_seq=bindparam("last_seq"),
        pay_by=bindparam("pay_by"),
    )
)
_HOLDING = HoldingRow.__table__
_HOLDINGS_FROM_PLEDGES = insert(_HOLDING).from_select(
    ["issue_id", "member_id", "principal", "redeemed", "seq"],
    select(_PLEDGE.c.issue_id, _PLEDGE.c.member_id, _PLEDGE.c.amount, literal(0), _PLEDGE.c.seq)
    .where(_PLEDGE.c.issue_id == bindparam("issue_id"))
    .order_by(_PLEDGE.c.seq),
)
_UNPLEDGE = delete(_PLEDGE).where(
    _PLEDGE.c.issue_id == bindparam("issue_id"), _PLEDGE.c.member_id == bindparam("member_id")
)


_NOT_CLOSED = tuple(s.value for s in (IssueStatus.OPEN, IssueStatus.AWAITING, IssueStatus.SOLD))


def _upsert_pledge(dialect: str):  # type: ignore[no-untyped-def]
    """The member's pledge as the domain computed it under the issue's lock."""
    statement = (sqlite if dialect == "sqlite" else postgresql).insert(_PLEDGE)
    return statement.on_conflict_do_update(
        index_elements=["issue_id", "member_id"], set_={"amount": statement.excluded.amount}
    )


_UPSERT_PLEDGE = {dialect: _upsert_pledge(dialect) for dialect in ("sqlite", "postgresql")}


def _issue(row) -> BondIssue:  # type: ignore[no-untyped-def]
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
        pledged=row.pledged,
        pledgers=row.pledgers,
        last_seq=row.last_seq,
        pay_by=row.pay_by,
        cooperative_name=getattr(row, "cooperative_name", None),
    )


class BondRepository(PaymentRepository, LeaseBookRepository):
    """Issues carry their pledges' running totals, written with the pledges they count."""

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
        """The issue; ``lock`` holds its row until commit (PostgreSQL; SQLite's
        BEGIN IMMEDIATE has already serialised the transaction)."""
        query = _BY_NUMBER.with_for_update() if lock else _BY_NUMBER
        row = (
            connection_of(self.session)
            .execute(query, {"commune_id": commune_id, "number": number})
            .one_or_none()
        )
        return None if row is None else _issue(row)

    def for_pledging(
        self, commune_id: int, number: int, member_id: int
    ) -> tuple[BondIssue, Pledge | None] | None:
        """The issue, locked, with the member's pledge so far.

        SQLite: one query, the transaction already holds the write lock. PostgreSQL:
        the member's pledge is read after the issue's lock is granted, in a statement
        of its own: under READ COMMITTED a statement that waited for the lock still
        sees the other tables as they were when it began, so a joined pledge could be
        one the member's other, just-committed pledge has since topped up.
        """
        connection = connection_of(self.session)
        params = {"commune_id": commune_id, "number": number, "member_id": member_id}
        if connection.dialect.name == "sqlite":
            row = connection.execute(_WITH_MY_PLEDGE, params).one_or_none()
            if row is None:
                return None
            amount, seq = row.my_amount, row.my_seq
        else:
            row = connection.execute(_BY_NUMBER.with_for_update(), params).one_or_none()
            if row is None:
                return None
            mine = connection.execute(
                _MY_PLEDGE, {"issue_id": row.id, "member_id": member_id}
            ).one_or_none()
            amount, seq = (None, None) if mine is None else mine
        pledge = None if amount is None else Pledge(member_id, amount, seq)
        return _issue(row), pledge

    def save(self, issue: BondIssue) -> None:
        """Write back the issue's status, deadline (set anew by its approval) and its
        running totals."""
        connection_of(self.session).execute(
            _SAVE_ISSUE,
            {
                "issue_id": issue.id,
                "status": issue.status.value,
                "deadline": issue.deadline,
                "closed_at": issue.closed_at,
                "pledged": issue.pledged,
                "pledgers": issue.pledgers,
                "last_seq": issue.last_seq,
                "pay_by": issue.pay_by,
            },
        )

    def save_pledge(self, issue: BondIssue, pledge: Pledge) -> None:
        """The member's pledge as it now stands, and the issue's totals that count it."""
        connection = connection_of(self.session)
        connection.execute(
            _UPSERT_PLEDGE[connection.dialect.name],
            {
                "issue_id": issue.id,
                "member_id": pledge.member_id,
                "amount": pledge.amount,
                "seq": pledge.seq,
            },
        )
        self.save(issue)

    def remove_pledge(self, issue: BondIssue, member_id: int) -> None:
        connection_of(self.session).execute(
            _UNPLEDGE, {"issue_id": issue.id, "member_id": member_id}
        )
        self.save(issue)

    def pledges(self, issue_id: int) -> list[Pledge]:
        """Every pledge of the issue, in pledge order."""
        rows = self.session.execute(
            select(PledgeRow.member_id, PledgeRow.amount, PledgeRow.seq)
            .where(PledgeRow.issue_id == issue_id)
            .order_by(PledgeRow.seq)
        ).all()
        return [Pledge(member_id, amount, seq) for member_id, amount, seq in rows]

    def issues(self, commune_id: int, status: IssueStatus | None = None) -> list[BondIssue]:
        query = select(BondIssueRow).where(BondIssueRow.commune_id == commune_id)
        if status is not None:
            query = query.where(BondIssueRow.status == status.value)
        rows = self.session.execute(query.order_by(BondIssueRow.number)).scalars()
        return [_issue(r) for r in rows]

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

    def due_deadlines(self, now: datetime) -> list[BondDeadline]:
        """Open issues whose deadline has passed, oldest deadline first."""
        return [
            BondDeadline(commune_id=commune_id, number=number, when=deadline)
            for deadline, commune_id, number in self.session.execute(
                select(BondIssueRow.deadline, BondIssueRow.commune_id, BondIssueRow.number)
                .where(BondIssueRow.status == IssueStatus.OPEN.value, BondIssueRow.deadline <= now)
                .order_by(BondIssueRow.deadline, BondIssueRow.id)
            ).all()
        ]

    # holdings -------------------------------------------------------------------
    def add_holdings(self, issue: BondIssue) -> list[Holding]:
        """Every pledge of the issue becomes a holding, in one statement, in pledge order."""
        connection_of(self.session).execute(_HOLDINGS_FROM_PLEDGES, {"issue_id": issue.id})
        return self.holdings(issue.id)

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

    def period_rent(self, commune_id: int, period: str) -> int:
        """All the rent the commune received in ``period``, every lease together."""
        return int(
            self.session.execute(
                select(func.coalesce(func.sum(RentReceiptRow.amount), 0)).where(
                    RentReceiptRow.commune_id == commune_id, RentReceiptRow.period == period
                )
            ).scalar_one()
        )

    def principal_outstanding(self, commune_id: int) -> int:
        """What the commune's bonds stand for: open issues' prices (and those awaiting
        approval, or sold) and what holdings are still owed (domain.limits bounds it)."""
        open_prices = self.session.execute(
            select(func.coalesce(func.sum(BondIssueRow.price), 0)).where(
                BondIssueRow.commune_id == commune_id,
                BondIssueRow.status.in_(_NOT_CLOSED),
            )
        ).scalar_one()
        return int(open_prices) + self.owed(commune_id)[0]

    def rents_due(self, commune_id: int, period: str, period_start: datetime) -> dict[int, int]:
        """{issue id: rent per period} of the leases running through a whole period."""
        t = LeaseTermRow
        latest = (
            select(func.max(t.id))
            .where(t.issue_id == BondIssueRow.id, t.from_period <= period)
            .correlate(BondIssueRow)
            .scalar_subquery()
        )
        rows = self.session.execute(
            select(BondIssueRow.id, BondIssueRow.rent, t.id, t.rent)
            .outerjoin(t, t.id == latest)
            .where(
                BondIssueRow.commune_id == commune_id,
                BondIssueRow.status == IssueStatus.CLEARED.value,
                BondIssueRow.closed_at < period_start,
            )
        ).all()
        return {
            issue_id: rent if term_id is None else term_rent
            for issue_id, rent, term_id, term_rent in rows
            if term_id is None or term_rent is not None
        }

    def lease_terms(self, issue_id: int) -> list[LeaseTerm]:
        rows = self.session.execute(
            select(LeaseTermRow.from_period, LeaseTermRow.rent, LeaseTermRow.cooperative_id)
            .where(LeaseTermRow.issue_id == issue_id)
            .order_by(LeaseTermRow.id)
        ).all()
        return [LeaseTerm(*row) for row in rows]

    def add_lease_term(
        self, commune_id: int, issue_id: int, term: LeaseTerm, motion_id: int | None
    ) -> None:
        self.session.add(
            LeaseTermRow(
                commune_id=commune_id,
                issue_id=issue_id,
                from_period=term.from_period,
                rent=term.rent,
                motion_id=motion_id,
                cooperative_id=term.cooperative_id,
            )
        )
        self.session.flush()

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
