"""The in-memory fake's rows: what tests/fakes.py's repositories read and write.

One ``Tables`` is one database's state. A unit of work copies it, works on the copy
and hands it back on commit; a savepoint is a deep copy taken before and put back
on a refusal. Rows are the domain's own dataclasses where they exist, copied on
the way in and out: a handler mutating what it read changes nothing until it saves,
as with storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.assemblies import Assembly, Choice, Motion
from domain.bonds import BondIssue, LeaseTerm, Pledge
from domain.fund import FundGrant
from domain.journal import JournalEntry
from domain.messages import Outgoing
from domain.model import ChangeRecord, Commune, Cooperative, Holding, Member, RentReceipt
from domain.retries import JobFailure
from domain.sales import Sale


@dataclass
class AccountRow:
    id: int
    person_id: int
    display_name: str
    language: str | None
    last_seen_at: datetime


@dataclass
class ChatRow:
    id: int
    title: str
    commune_id: int | None
    is_private: bool = False


@dataclass
class EntryRow:
    commune_id: int
    entry: JournalEntry
    created_at: datetime


@dataclass
class OutboxRow:
    id: int
    message: Outgoing  # its context as storage would decode it: JSON, there and back
    delivered: bool = False


@dataclass
class Tables:
    """Each dict is a table, keyed as storage's unique constraint keys it."""

    ids: dict[str, int] = field(default_factory=dict)
    communes: dict[int, Commune] = field(default_factory=dict)
    chats: dict[tuple[str, str], ChatRow] = field(default_factory=dict)
    people: dict[int, str | None] = field(default_factory=dict)  # id: chosen locale
    accounts: dict[tuple[str, str], AccountRow] = field(default_factory=dict)
    cooperatives: dict[int, Cooperative] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    issues: dict[int, BondIssue] = field(default_factory=dict)
    pledges: dict[tuple[int, int], Pledge] = field(default_factory=dict)  # (issue, member)
    holdings: dict[int, Holding] = field(default_factory=dict)
    rents: dict[int, tuple[RentReceipt, int]] = field(default_factory=dict)  # receipt, commune
    journal: dict[int, EntryRow] = field(default_factory=dict)
    assemblies: dict[int, Assembly] = field(default_factory=dict)
    motions: dict[int, Motion] = field(default_factory=dict)
    results: dict[int, str] = field(default_factory=dict)  # motion id: result
    supports: dict[tuple[int, int], datetime] = field(default_factory=dict)  # (motion, member)
    voters: dict[tuple[int, int], bool] = field(default_factory=dict)  # (assembly, member): present
    votes: dict[tuple[int, int], tuple[Choice, datetime]] = field(default_factory=dict)
    delegations: dict[tuple[int, int], int] = field(default_factory=dict)  # (commune, member)
    conversations: dict[tuple[str, str, str], tuple[str, str, dict[str, Any]]] = field(
        default_factory=dict
    )
    settings: dict[str, str] = field(default_factory=dict)
    inbox: set[tuple[str, str]] = field(default_factory=set)
    outbox: list[OutboxRow] = field(default_factory=list)
    job_failures: dict[tuple[object, ...], JobFailure] = field(default_factory=dict)
    policies: dict[tuple[int, str], str] = field(default_factory=dict)  # (commune, name)
    changes: list[ChangeRecord] = field(default_factory=list)
    # id: (issue id, term, motion id)
    lease_terms: dict[int, tuple[int, LeaseTerm, int | None]] = field(default_factory=dict)
    # id: (issue id, member id, kind, amount)
    payments: dict[int, tuple[int, int, str, int]] = field(default_factory=dict)
    # id: (commune id, period, the sale)
    sales: dict[int, tuple[int, str, Sale]] = field(default_factory=dict)
    # id: (commune id, the grant)
    fund_grants: dict[int, tuple[int, FundGrant]] = field(default_factory=dict)
    # (entry id, member id): (commune id, period, amount) owed by a clearing or sale
    owed: dict[tuple[int, int], tuple[int, str, int]] = field(default_factory=dict)
    # id: (commune id, member id, amount, period)
    payouts: dict[int, tuple[int, int, int, str]] = field(default_factory=dict)

    def next_id(self, table: str) -> int:
        """Ids as a sequence hands them out: never reused, even after a delete."""
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def domain(self) -> dict[str, list[tuple[object, object]]]:
        """The commune's own state by storage's table names, for proving that a refusal
        changed nothing (like tests/harness.py's domain_snapshot: the inbox, outbox,
        accounts and settings are plumbing a refused command may still touch)."""
        tables = {table: sorted(getattr(self, name).items()) for table, name in _DOMAIN.items()}
        tables["journal_posting"] = [
            (entry_id, posting)
            for entry_id, row in sorted(self.journal.items())
            for posting in row.entry.postings
        ]
        return tables


_DOMAIN = {  # storage's table: the Tables field holding its rows
    "commune": "communes",
    "chat": "chats",
    "cooperative": "cooperatives",
    "member": "members",
    "bond_issue": "issues",
    "pledge": "pledges",
    "holding": "holdings",
    "rent_receipt": "rents",
    "journal_entry": "journal",
    "conversation": "conversations",
    "assembly": "assemblies",
    "motion": "motions",
    "motion_result": "results",
    "motion_support": "supports",
    "assembly_voter": "voters",
    "vote": "votes",
    "delegation": "delegations",
    "policy": "policies",
    "lease_term": "lease_terms",
    "pledge_payment": "payments",
    "asset_sale": "sales",
    "fund_grant": "fund_grants",
    "clearing_owed": "owed",
    "payout": "payouts",
}
