"""Payouts (migration 0023): what clearings and sales owed each member, and what the
treasurer paid them (domain/payouts.py). Kept apart from storage/tables.py and
storage/decision_tables.py, which are near their size limit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel


class ClearingOwedRow(SQLModel, table=True):
    """What one clearing or sale entry of the journal owed one member (repayments,
    dividends; a sale's repayments, not its write-offs), in the period it is booked
    into. Written with the entry, and by migration 0023 for entries made before."""

    __tablename__ = "clearing_owed"
    __table_args__ = (Index("ix_clearing_owed_member", "commune_id", "member_id", "period"),)
    entry_id: int = Field(
        foreign_key="journal_entry.id",
        primary_key=True,
        sa_column_kwargs={"autoincrement": False},
    )
    member_id: int = Field(
        foreign_key="member.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    commune_id: int = Field(foreign_key="commune.id")
    period: str = Field(max_length=7)
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))


class PayoutRow(SQLModel, table=True):
    """Money the treasurer paid a member of what the commune owed them (``/payout``),
    booked into the open period (``period``); ``up_to`` is the period a ``/payout all``
    paid up to (None: everything owed, or one member's payout). Its journal entry is
    ref ``payout:<id>``."""

    __tablename__ = "payout"
    __table_args__ = (Index("ix_payout_member", "commune_id", "member_id"),)
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id")
    member_id: int = Field(foreign_key="member.id")
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    period: str = Field(max_length=7)
    up_to: str | None = Field(default=None, max_length=7)
    at: datetime
    recorded_by: int = Field(foreign_key="member.id")
