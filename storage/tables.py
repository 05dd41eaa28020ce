"""The database schema, one SQLModel table per noun.

Money columns are BIGINT minor units: SQLAlchemy's Numeric goes through float on
SQLite. Timestamps are aware datetimes stored as UTC (SQLModel's UTCDateTime).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, SmallInteger, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def money(**kwargs: object) -> object:
    return Field(sa_column=Column(BigInteger, nullable=False, **kwargs))


# Names and their keys (domain.names.name_key, migration 0012): the unique index is on
# the key, so no two communes, cooperatives of a commune or members of a commune can
# have names that differ only in case, width or invisible characters.
KEY_LENGTH = 255  # a key is at most three times its name (case folding "ß" is "ss")


class CommuneRow(SQLModel, table=True):
    __tablename__ = "commune"
    __table_args__ = (Index("ix_commune_name_key", "name_key", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=80)
    name_key: str = Field(max_length=KEY_LENGTH)
    currency: str = Field(max_length=3)
    timezone: str = Field(max_length=64)
    locale: str = Field(max_length=16, default="en")
    created_at: datetime


class ChatRow(SQLModel, table=True):
    """A group chat (bound to one commune) or a private chat with the bot."""

    __tablename__ = "chat"
    __table_args__ = (UniqueConstraint("platform", "platform_chat_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    platform_chat_id: str = Field(max_length=255)
    is_private: bool = False
    title: str = Field(default="", max_length=255)
    commune_id: int | None = Field(default=None, foreign_key="commune.id", index=True)


class PersonRow(SQLModel, table=True):
    """A human, who may reach the bot through several chat accounts."""

    __tablename__ = "person"
    id: int | None = Field(default=None, primary_key=True)
    locale: str | None = Field(default=None, max_length=16)
    created_at: datetime


class AccountRow(SQLModel, table=True):
    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    platform_user_id: str = Field(max_length=255)
    person_id: int = Field(foreign_key="person.id", index=True)
    display_name: str = Field(max_length=255)
    language: str | None = Field(default=None, max_length=16)
    last_seen_at: datetime


class CooperativeRow(SQLModel, table=True):
    __tablename__ = "cooperative"
    __table_args__ = (
        UniqueConstraint("commune_id", "name"),
        Index("ix_cooperative_name_key", "commune_id", "name_key", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id")
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=KEY_LENGTH)


class MemberRow(SQLModel, table=True):
    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("commune_id", "person_id"),
        Index("ix_member_name_key", "commune_id", "name_key", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    name: str = Field(max_length=255)
    name_key: str = Field(max_length=KEY_LENGTH)
    # indexed (migration 0008): one member's statement counts their cooperative's members
    cooperative_id: int | None = Field(default=None, foreign_key="cooperative.id", index=True)
    is_admin: bool = False
    is_treasurer: bool = False
    joined_at: datetime
    left_at: datetime | None = None


class BondIssueRow(SQLModel, table=True):
    __tablename__ = "bond_issue"
    __table_args__ = (
        UniqueConstraint("commune_id", "number"),
        Index("ix_bond_issue_open_deadline", "status", "deadline"),
    )
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id")
    number: int
    cooperative_id: int = Field(foreign_key="cooperative.id")
    proposer_id: int = Field(foreign_key="member.id")
    asset: str = Field(max_length=80)
    price: int = money()
    rent: int = money()
    deadline: datetime
    created_at: datetime
    status: str = Field(default="open", max_length=16)
    closed_at: datetime | None = None
    # Running totals of the issue's pledges, written with each pledge (migration 0006):
    # a pledge reads this one row instead of summing every pledge of the issue.
    pledged: int = money(default=0, server_default="0")
    pledgers: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    pay_by: datetime | None = None  # a sold issue's end of its payment window (0018)


class PledgeRow(SQLModel, table=True):
    __tablename__ = "pledge"
    __table_args__ = (UniqueConstraint("issue_id", "member_id"),)
    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="bond_issue.id", index=True)
    member_id: int = Field(foreign_key="member.id")
    amount: int = money()
    seq: int


class HoldingRow(SQLModel, table=True):
    __tablename__ = "holding"
    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="bond_issue.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    principal: int = money()
    redeemed: int = money(default=0)
    seq: int


class RentReceiptRow(SQLModel, table=True):
    __tablename__ = "rent_receipt"
    __table_args__ = (Index("ix_rent_receipt_period", "commune_id", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id")
    issue_id: int = Field(foreign_key="bond_issue.id")
    amount: int = money()
    received_at: datetime
    period: str = Field(max_length=7)
    recorded_by: int = Field(foreign_key="member.id")


class ClearingRow(SQLModel, table=True):
    """One period's clearing; the unique constraint makes it happen once."""

    __tablename__ = "clearing"
    __table_args__ = (UniqueConstraint("commune_id", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id")
    period: str = Field(max_length=7)
    cleared_at: datetime
    rent_received: int = money()
    carry_in: int = money()
    redeemed: int = money()
    pool: int = money()
    eligible: int
    dividend_each: int = money()
    carry_out: int = money()
    fund_percent: int = 0  # the ``fund`` policy it kept its share by (migration 0022)
    fund_share: int = money(default=0)  # what the common fund kept of the pool


class ClearingLeaseRow(SQLModel, table=True):
    __tablename__ = "clearing_lease"
    id: int | None = Field(default=None, primary_key=True)
    clearing_id: int = Field(foreign_key="clearing.id", index=True)
    issue_id: int = Field(foreign_key="bond_issue.id")
    rent_received: int = money()
    redeemed: int = money()
    to_pool: int = money()
    outstanding_after: int = money()


# A clearing's redemptions are its journal entry's ``holding`` postings: there is no
# redemption table since migration 0005 (it held each of them a second time).


class ClearingMemberRow(SQLModel, table=True):
    """Who got a statement for a period, and their dividend (0 if not eligible)."""

    __tablename__ = "clearing_member"
    __table_args__ = (UniqueConstraint("clearing_id", "member_id"),)
    id: int | None = Field(default=None, primary_key=True)
    clearing_id: int = Field(foreign_key="clearing.id")
    member_id: int = Field(foreign_key="member.id", index=True)
    dividend: int = money()


class JournalEntryRow(SQLModel, table=True):
    __tablename__ = "journal_entry"
    __table_args__ = (Index("ix_journal_entry_kind_ref", "commune_id", "kind", "ref"),)
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    kind: str = Field(max_length=32)
    ref: str = Field(max_length=64)
    created_at: datetime


class JournalPostingRow(SQLModel, table=True):
    __tablename__ = "journal_posting"
    __table_args__ = (Index("ix_posting_account", "commune_id", "account_kind", "account_ref"),)
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="journal_entry.id", index=True)
    commune_id: int = Field(foreign_key="commune.id")
    account_kind: str = Field(max_length=16)
    account_ref: int
    amount: int = money()


class InboxRow(SQLModel, table=True):
    """Every command received, unique per platform id: a redelivery changes nothing."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=255)
    received_at: datetime
    payload: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    processed_at: datetime | None = None


class OutboxRow(SQLModel, table=True):
    """A message to deliver, written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "platform", "delivered_at"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    address: str = Field(max_length=255)
    is_private: bool = False
    person_id: int | None = Field(default=None, foreign_key="person.id")
    template: str = Field(max_length=64)
    context: str = Field(sa_column=Column(Text, nullable=False))
    locale: str = Field(max_length=16)
    dedup_key: str | None = Field(default=None, max_length=128, unique=True)
    created_at: datetime
    delivered_at: datetime | None = None
    attempts: int = 0
    claimed_until: datetime | None = None


class ConversationRow(SQLModel, table=True):
    """A step-by-step conversation in progress; survives a restart."""

    __tablename__ = "conversation"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=255)
    user_id: str = Field(max_length=255)
    name: str = Field(max_length=32)
    step: str = Field(max_length=32)
    data: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime


class FloodBucketRow(SQLModel, table=True):
    """Flood control: one token bucket per sender and chat (domain/flood.py).

    ``tat`` is the bucket's theoretical arrival time in microseconds since the
    epoch; ``verdict`` what became of the sender's latest message (domain.flood.Verdict).
    """

    __tablename__ = "flood_bucket"
    platform: str = Field(primary_key=True, max_length=16)
    chat_id: str = Field(primary_key=True, max_length=255)
    user_id: str = Field(primary_key=True, max_length=255)
    tat: int = Field(sa_column=Column(BigInteger, nullable=False))
    verdict: int = Field(sa_column=Column(SmallInteger, nullable=False))


class SettingRow(SQLModel, table=True):
    """Small key/value state of the process (the console's simulated clock)."""

    __tablename__ = "setting"
    key: str = Field(primary_key=True, max_length=128)
    value: str = Field(sa_column=Column(Text, nullable=False))


# --- assemblies -------------------------------------------------------------------


class AssemblyRow(SQLModel, table=True):
    __tablename__ = "assembly"
    __table_args__ = (UniqueConstraint("commune_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id", index=True)
    number: int
    title: str = Field(max_length=200)
    opens_at: datetime
    closes_at: datetime
    quorum_percent: int | None = None
    repeat_weeks: int | None = None
    secret: bool = False
    remote_weight: int = 100  # percent of a vote in the room; 0: those present decide
    status: str = Field(default="scheduled", max_length=16)
    created_by: int = Field(foreign_key="member.id")
    created_at: datetime
    reminded: int = 0  # how many of the reminders before closing were sent (0, 1, 2)
    eligible: int | None = None  # members when voting opened, fixed then
    budget: bool = False  # a budget round (migration 0022): fund motions by most yes


class MotionRow(SQLModel, table=True):
    __tablename__ = "motion"
    __table_args__ = (UniqueConstraint("commune_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id")
    assembly_id: int = Field(foreign_key="assembly.id", index=True)
    number: int
    position: int  # order on the assembly's agenda
    text: str = Field(max_length=500)
    threshold: str = Field(max_length=16)
    result: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # What carrying it does (domain.actions, as JSON; migration 0014); NULL: text only.
    action: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # A member's proposal until it has its supporters (migration 0017; domain.assemblies).
    status: str = Field(
        default="agenda", max_length=16, sa_column_kwargs={"server_default": "agenda"}
    )
    proposer_id: int | None = Field(default=None, foreign_key="member.id")  # None: an admin's


class AssemblyVoterRow(SQLModel, table=True):
    """Who may vote: the commune's members at the moment voting opened."""

    __tablename__ = "assembly_voter"
    __table_args__ = (UniqueConstraint("assembly_id", "member_id"),)
    id: int | None = Field(default=None, primary_key=True)
    assembly_id: int = Field(foreign_key="assembly.id")
    member_id: int = Field(foreign_key="member.id")
    present: bool = False


class VoteRow(SQLModel, table=True):
    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("motion_id", "member_id"),)
    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motion.id", index=True)
    member_id: int = Field(foreign_key="member.id")
    choice: str = Field(max_length=8)
    cast_at: datetime


class DelegationRow(SQLModel, table=True):
    """A member's standing delegation of their vote to another member."""

    __tablename__ = "delegation"
    __table_args__ = (UniqueConstraint("commune_id", "member_id"),)
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="commune.id")
    member_id: int = Field(foreign_key="member.id")
    delegate_id: int = Field(foreign_key="member.id")
    created_at: datetime


# --- matrix -----------------------------------------------------------------------
# The Matrix adapter's own durable state (bot/matrix), and the one-time codes of
# /link, which joins a person's accounts on two platforms (handlers/commands/link.py).


class MatrixSyncRow(SQLModel, table=True):
    """Where the bot's /sync stands.

    Committed in the same transaction as the inbox rows (``InboxRepository.receive``)
    of the events that sync brought, so a crash between /sync and the handlers
    loses nothing and handles nothing twice.
    """

    __tablename__ = "matrix_sync"
    user_id: str = Field(primary_key=True, max_length=255)
    next_batch: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime


class MatrixRoomRow(SQLModel, table=True):
    """A room the bot knows something durable about: whose DM it is, whether encrypted."""

    __tablename__ = "matrix_room"
    __table_args__ = (UniqueConstraint("room_id"),)
    id: int | None = Field(default=None, primary_key=True)
    room_id: str = Field(max_length=255)
    dm_user_id: str | None = Field(default=None, max_length=255, index=True)
    encrypted: bool = False
    created_at: datetime


class LinkCodeRow(SQLModel, table=True):
    """A one-time code from /link: whoever sends it from another account joins this person."""

    __tablename__ = "link_code"
    __table_args__ = (UniqueConstraint("code"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32)
    person_id: int = Field(foreign_key="person.id", index=True)
    platform: str = Field(max_length=16)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


# --- clearing: year to date -------------------------------------------------------


class ClearingYearToDateRow(SQLModel, table=True):
    """Each member's dividends and repayments in a clearing's year, through that
    clearing's period (migration 0007).

    Written by the next clearing of the same year (``ClearingRepository.finish``),
    from this one's totals plus the next period's own, so a December clearing reads
    November's totals instead of eleven months of postings. It is derived data, a
    sum over rows that never change (the roster and the journal), so it has no
    foreign keys: on PostgreSQL each would cost a trigger query per row.
    """

    __tablename__ = "clearing_year_to_date"
    __table_args__ = {"sqlite_with_rowid": False}  # one b-tree, by clearing then member
    clearing_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    member_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    dividends: int = money()
    repaid: int = money()


class ClearingCooperativeRow(SQLModel, table=True):
    """How many members each cooperative had when a clearing ran (migration 0009).

    A statement shows the cooperative's rent per member; counted live, a statement
    asked months later changed as members came and went. Kept with the clearing, it
    reads as the one sent then.
    """

    __tablename__ = "clearing_cooperative"
    clearing_id: int = Field(
        foreign_key="clearing.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    cooperative_id: int = Field(
        foreign_key="cooperative.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    members: int


class JobFailureRow(SQLModel, table=True):
    """Scheduled work that failed and waits to be retried (migration 0010).

    One row per failing item (a bond's deadline, a period's clearing, an assembly
    step), written after the item's own transaction rolled back and deleted in the
    transaction that finally does it: the pause survives a restart and is shared by
    every process on the database.
    """

    __tablename__ = "job_failure"
    commune_id: int = Field(
        foreign_key="commune.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    what: str = Field(primary_key=True, max_length=16)
    key: str = Field(primary_key=True, max_length=64)
    due_at: datetime
    failures: int
    first_failed_at: datetime
    retry_at: datetime
    error: str = Field(sa_column=Column(Text, nullable=False))
