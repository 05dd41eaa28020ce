"""The commune's nouns, as plain dataclasses that storage maps to rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple


class Role(StrEnum):
    ADMIN = "admin"
    TREASURER = "treasurer"
    MEMBER = "member"


@dataclass
class Commune:
    id: int
    name: str
    currency: str
    timezone: str
    locale: str
    created_at: datetime


@dataclass
class Cooperative:
    id: int
    commune_id: int
    name: str


@dataclass
class Member:
    """A person's membership of one commune; money and votes hang off this."""

    id: int
    commune_id: int
    person_id: int
    name: str
    joined_at: datetime
    cooperative_id: int | None = None
    is_admin: bool = False
    is_treasurer: bool = False
    left_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.left_at is None

    def eligible_for(self, period_start: datetime) -> bool:
        """Whole-period members share the dividend; who joins mid-period waits."""
        return self.active and self.joined_at < period_start


@dataclass
class Holding:
    """One bondholder's claim on one lease: principal minus what rent repaid."""

    id: int
    issue_id: int
    member_id: int
    principal: int
    redeemed: int = 0
    seq: int = 0

    @property
    def outstanding(self) -> int:
        return self.principal - self.redeemed


@dataclass
class RentReceipt:
    id: int
    issue_id: int
    amount: int
    received_at: datetime
    period: str
    recorded_by: int


@dataclass
class LedgerSummary:
    """The open books of a commune, read back from the journal."""

    entries: int = 0
    unbalanced_entries: int = 0
    balances: dict[str, int] = field(default_factory=dict)


@dataclass
class Chat:
    """A place messages arrive from: a group bound to a commune, or a DM."""

    platform: str
    platform_chat_id: str
    is_private: bool
    commune_id: int | None = None


@dataclass
class Account:
    """One chat account of a person (a Telegram user, a Matrix user, a console name)."""

    id: int
    platform: str
    platform_user_id: str
    person_id: int
    display_name: str
    language: str | None = None
    person_locale: str | None = None


@dataclass(frozen=True)
class Address:
    """Where the outbox delivers: a group chat, or a person's private chat."""

    platform: str
    address: str
    is_private: bool
    person_id: int | None = None


@dataclass(frozen=True)
class Contact:
    """How to reach a member privately: their most recently used account, and the
    languages that decide how a message to them reads (their choice wins)."""

    address: Address
    chosen_locale: str | None
    reported_locale: str | None


@dataclass(frozen=True)
class ChangeRecord:
    """One decision that changed what is not money: a policy, a role, a lease's rent
    or end, a bond's approval. ``member_id`` made it directly, or ``motion_id``
    carried it in an assembly (``before``/``after`` as the commune reads them)."""

    commune_id: int
    at: datetime
    kind: str
    subject: str
    before: str
    after: str
    member_id: int | None = None
    motion_id: int | None = None


class LeaseBook(NamedTuple):
    """A cleared bond's line in the open books (/ledger): its lease, what it cost,
    what its holders are still owed, and all the rent it has brought in."""

    number: int
    asset: str
    cooperative: str
    price: int
    outstanding: int
    rent_received: int
