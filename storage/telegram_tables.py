"""The Telegram adapter's own tables (migration 0003_telegram).

The outbox says *what* to deliver; these say how delivery to Telegram went:

- ``telegram_delivery``: per outbox message, its state (``sending`` while a request
  is in flight, ``sent``, ``retry``, ``uncertain`` when Telegram may or may not have
  it, ``failed``, ``empty``) and the Telegram message id it got.
- ``telegram_blocked``: users the bot may not write to yet (403: they never pressed
  Start, or blocked the bot). Their private messages wait in the outbox; the group
  is told once, with a deep link, and the row goes when they open the private chat.
- ``telegram_bond_message``: the group message showing a bond issue's progress,
  edited (in batches) as pledges arrive; ``dirty`` when newer figures wait to be
  shown, ``context`` what it shows now.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.tables import InboxRow


class TelegramDeliveryRow(SQLModel, table=True):
    __tablename__ = "telegram_delivery"
    __table_args__ = (Index("ix_telegram_delivery_state", "state"),)
    outbox_id: int = Field(primary_key=True, foreign_key="outbox.id")
    state: str = Field(max_length=16)
    chat_id: str = Field(max_length=255)
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    parts_sent: int = 0  # of a long message split in parts: those already sent
    updated_at: datetime


class TelegramBlockedRow(SQLModel, table=True):
    __tablename__ = "telegram_blocked"
    user_id: str = Field(primary_key=True, max_length=255)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    blocked_at: datetime
    notified_at: datetime | None = None


class TelegramBondMessageRow(SQLModel, table=True):
    __tablename__ = "telegram_bond_message"
    __table_args__ = (UniqueConstraint("chat_id", "issue_number"),)
    id: int | None = Field(default=None, primary_key=True)
    chat_id: str = Field(max_length=255)
    issue_number: int
    message_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    locale: str = Field(max_length=16)
    context: str = Field(sa_column=Column(Text, nullable=False))
    dirty: bool = False
    edited_at: datetime


# What an adapter stored on receipt but has not handled yet (InboxRepository.unprocessed).
Index("ix_inbox_unprocessed", InboxRow.__table__.c.platform, InboxRow.__table__.c.processed_at)
