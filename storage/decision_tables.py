"""What the commune decides that is not money: its policies and the record of its
decisions (migration 0014), and pledges' payments (0018), leases' arrears (0019),
assets' sales (0020) and the common fund's grants (0022). Kept apart from
storage/tables.py, which is at its size limit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


class PolicyRow(SQLModel, table=True):
    """A policy a commune has set (migration 0014); a policy without a row has its
    default (domain.policies)."""

    __tablename__ = "policy"
    commune_id: int = Field(
        foreign_key="commune.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    name: str = Field(primary_key=True, max_length=32)
    value: str = Field(max_length=32)
    changed_at: datetime


class ChangeRecordRow(SQLModel, table=True):
    """Append-only: each decision that changed a commune's rules or its bonds, and who
    or which motion made it (migration 0014). Money moves are in the journal; this is
    the record for what is not money (a policy, a role, a lease's rent or end, a bond's
    approval)."""

    __tablename__ = "change_record"
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    at: datetime
    kind: str = Field(max_length=32)
    subject: str = Field(max_length=255)
    before: str = Field(max_length=255)
    after: str = Field(max_length=255)
    member_id: int | None = Field(default=None, foreign_key="member.id")
    motion_id: int | None = Field(default=None, foreign_key="motion.id")


class LeaseTermRow(SQLModel, table=True):
    """A lease's rent from a period on, or its end (``rent`` None: no rent is due from
    ``from_period`` on), decided by a carried motion (migration 0016). A lease without
    a row pays its bond's ``rent`` for as long as it runs; the latest row up to a
    period says what that period owes. With ``cooperative_id`` (migration 0020), the
    asset is let again to that cooperative from ``from_period`` (a ``relet`` motion)."""

    __tablename__ = "lease_term"
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id")
    issue_id: int = Field(foreign_key="bond_issue.id", index=True)
    from_period: str = Field(max_length=7)
    rent: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    motion_id: int | None = Field(default=None, foreign_key="motion.id")
    cooperative_id: int | None = Field(default=None, foreign_key="cooperative.id")


class MotionSupportRow(SQLModel, table=True):
    """A member supporting a member's proposal (migration 0017): the proposer's own row
    comes with the proposal; at the ``support`` policy's number it joins the agenda."""

    __tablename__ = "motion_support"
    __table_args__ = (UniqueConstraint("motion_id", "member_id"),)
    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motion.id")  # the unique key's first column
    member_id: int = Field(foreign_key="member.id")
    at: datetime


class PledgePaymentRow(SQLModel, table=True):
    """Money a pledger paid for a sold bond (``kind`` "payment"), or the treasurer gave
    back after the bond expired ("refund"), as the treasurer recorded it (migration
    0018); each has its journal entry, ref ``payment:<id>``."""

    __tablename__ = "pledge_payment"
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id")
    issue_id: int = Field(foreign_key="bond_issue.id", index=True)
    member_id: int = Field(foreign_key="member.id")
    kind: str = Field(max_length=16)
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    at: datetime
    recorded_by: int = Field(foreign_key="member.id")


def _amount() -> Any:
    return Field(sa_column=Column(BigInteger, nullable=False))


class LeaseArrearsRow(SQLModel, table=True):
    """Each lease running in a cleared period (migration 0019), paid or not: the rent
    it owed, what it paid, its cumulative arrears, how many periods in a row it has
    been in arrears, and where its ``end lease`` motion for unpaid rent is
    (domain.arrears.Ending). The next clearing carries the run on from here."""

    __tablename__ = "lease_arrears"
    clearing_id: int = Field(
        foreign_key="clearing.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    issue_id: int = Field(
        foreign_key="bond_issue.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    rent_due: int = _amount()
    paid: int = _amount()
    arrears: int = _amount()
    outstanding: int = _amount()
    months: int
    ending: int
    status: str = Field(max_length=8)


class AssetSaleRow(SQLModel, table=True):
    """The sale of an ended lease's asset, as the treasurer recorded it (migration 0020):
    one per bond, in the period it was booked into (the open period). ``proceeds`` =
    ``repaid`` + ``to_pool``; what the holdings were owed = ``repaid`` +
    ``written_off``. Its journal entry is ref ``sale:<id>``."""

    __tablename__ = "asset_sale"
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id")
    issue_id: int = Field(foreign_key="bond_issue.id", unique=True)
    period: str = Field(max_length=7)
    proceeds: int = _amount()
    repaid: int = _amount()
    to_pool: int = _amount()
    written_off: int = _amount()
    at: datetime
    recorded_by: int = Field(foreign_key="member.id")


class AssetSaleLineRow(SQLModel, table=True):
    """What a sale did to each holding of its bond that was still owed (migration 0020):
    repaid from the proceeds, and written off."""

    __tablename__ = "asset_sale_line"
    sale_id: int = Field(
        foreign_key="asset_sale.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    holding_id: int = Field(
        foreign_key="holding.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    repaid: int = _amount()
    written_off: int = _amount()


class FundGrantRow(SQLModel, table=True):
    """What a carried fund motion granted from the common fund (migration 0022): one per
    motion, to a cooperative or a member, in the period it was granted in. Its journal
    entry is ref ``grant:<motion id>``: the fund out, ``granted``/<motion id> in."""

    __tablename__ = "fund_grant"
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    motion_id: int = Field(foreign_key="motion.id", unique=True)
    amount: int = _amount()
    purpose: str = Field(max_length=500)
    cooperative_id: int | None = Field(default=None, foreign_key="cooperative.id")
    member_id: int | None = Field(default=None, foreign_key="member.id")
    period: str = Field(max_length=7)
    at: datetime
