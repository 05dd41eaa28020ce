"""What the service layer needs from storage, as structural interfaces.

storage/ implements these; handlers/ depends only on them, so the commands can be
tested against any implementation and never import SQL. Each repository Protocol
lists what handlers/ calls and no more: a fake for a test implements exactly what
the core uses. What only the chat adapters need (fetching and leasing the outbox,
the inbox of a platform that forgets, bot/telegram's and bot/matrix's bookkeeping)
stays off these ports: bot/ holds the concrete storage.uow.SqlUnitOfWork, is
allowed to import storage, and its rows (the outbox's PendingMessage) are no
domain nouns. tests/test_ports.py keeps the storage classes and these in step.

The plumbing's repositories (inbox, outbox, flood control, conversations,
settings, job failures, links and the audit) are declared in
domain/plumbing_ports.py, the policies with the record of decisions in
domain/decision_ports.py, the period clearing in domain/clearing_ports.py, the journal
in domain/journal_ports.py, asset sales in domain/sale_ports.py, the common fund in
domain/fund_ports.py and payouts in domain/payout_ports.py; this module
offers them too, so ``domain.ports`` stays the one place handlers import ports from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from domain.actions import Action
from domain.assemblies import Assembly, Choice, Motion, Threshold
from domain.bonds import BondIssue, IssueStatus, LeaseTerm, Pledge
from domain.clearing_ports import Clearings  # offered here too: see the docstring
from domain.decision_ports import Policies  # offered here too: see the docstring
from domain.due import AssemblyStep, BondDeadline, PaymentWindow
from domain.fund_ports import Fund  # offered here too: see the docstring
from domain.journal_ports import Journal  # offered here too: see the docstring
from domain.model import (
    Account,
    Address,
    Chat,
    Commune,
    Contact,
    Cooperative,
    Holding,
    LeaseBook,
    Member,
    RentReceipt,
)
from domain.payout_ports import Payouts  # offered here too: see the docstring
from domain.plumbing_ports import (  # offered here too: see the docstring
    Audit,
    Conversations,
    Flood,
    Inbox,
    JobFailures,
    Links,
    Outbox,
    Settings,
)
from domain.sale_ports import Sales  # offered here too: see the docstring


class Communes(Protocol):
    """Who is speaking, where, and as which member: every message starts here."""

    def get(self, commune_id: int, lock: bool = False) -> Commune: ...

    def claim(self, commune_id: int) -> Commune | None:
        """None while another worker holds the commune: scheduled work moves on."""
        ...

    def by_name(self, name: str) -> Commune | None:
        """Found by ``domain.names.name_key``: case, width and invisible characters aside."""
        ...

    def all(self) -> list[Commune]: ...

    def add(
        self, name: str, currency: str, timezone: str, locale: str, now: datetime
    ) -> Commune: ...

    def chat(self, platform: str, platform_chat_id: str) -> Chat | None: ...

    def in_chat(
        self, platform: str, platform_chat_id: str, person_id: int | None
    ) -> tuple[Chat | None, Commune | None, Member | None]:
        """All three at once: every message needs them, so one read, not three."""
        ...

    def bind_chat(
        self, platform: str, platform_chat_id: str, title: str, commune_id: int
    ) -> None: ...

    def group_addresses(self, commune_id: int) -> list[Address]: ...

    def seen_account(
        self,
        platform: str,
        platform_user_id: str,
        display_name: str,
        language: str | None,
        now: datetime,
    ) -> Account | None:
        """A known account, its name kept fresh; None (and nothing written) for a stranger."""
        ...

    def touch_account(
        self,
        platform: str,
        platform_user_id: str,
        display_name: str,
        language: str | None,
        now: datetime,
    ) -> Account:
        """Find or create, keeping the name fresh: a person exists from the first command
        minga carries out for them (a refused one, or chatter, creates nobody)."""
        ...

    def set_person_locale(self, person_id: int, locale: str) -> None: ...
    def set_locale(self, commune_id: int, locale: str) -> None:  # the group's (/lang group)
        ...

    def contacts(self, member_ids: Iterable[int]) -> dict[int, Contact]:
        """How to reach each member privately, looked up for all of them at once."""
        ...

    def cooperative(self, cooperative_id: int) -> Cooperative: ...

    def cooperative_by_name(self, commune_id: int, name: str) -> Cooperative | None:
        """By name key, like ``by_name``; keys are unique within a commune."""
        ...

    def cooperatives(self, commune_id: int) -> list[Cooperative]: ...

    def add_cooperative(self, commune_id: int, name: str) -> Cooperative: ...

    def member(self, member_id: int) -> Member: ...

    def member_of(self, commune_id: int, person_id: int) -> Member | None: ...

    def member_by_name(self, commune_id: int, name: str) -> Member | None:
        """By name key, former members included (``save_member`` keeps keys unique)."""
        ...

    def names_taken(self, commune_id: int, names: Sequence[str], member_id: int) -> set[str]:
        """Which of ``names`` (by key) another member than ``member_id`` holds, former
        members included: a newcomer's name is chosen in one query, not one per try."""
        ...

    def memberships(self, person_id: int) -> list[Member]: ...

    def former_bondholders(self, person_id: int) -> list[Member]:
        """Memberships left while holding bonds: /statement still answers them."""
        ...

    def count_admins(self, commune_id: int) -> int: ...

    def count_members(self, commune_id: int) -> int: ...  # now, not those who left

    def treasurer_ids(self, commune_id: int) -> list[int]: ...  # now members, in id order

    def admin_ids(self, commune_id: int) -> list[int]:
        """The commune's current admins, as member ids: who hears that scheduled work failed."""
        ...

    def save_member(self, member: Member) -> Member: ...


class Bonds(Protocol):
    """An issue carries its pledges' running totals, written with the pledges they count."""

    def next_number(self, commune_id: int) -> int: ...

    def add(self, issue: BondIssue) -> BondIssue: ...

    def get(self, commune_id: int, number: int, lock: bool = False) -> BondIssue | None: ...

    def for_pledging(
        self, commune_id: int, number: int, member_id: int
    ) -> tuple[BondIssue, Pledge | None] | None:
        """Locked with the member's pledge so far, so concurrent pledges count once each."""
        ...

    def save(self, issue: BondIssue) -> None: ...

    def save_pledge(self, issue: BondIssue, pledge: Pledge) -> None:
        """With the issue's running totals: the two must never disagree."""
        ...

    def remove_pledge(self, issue: BondIssue, member_id: int) -> None: ...

    def pledges(self, issue_id: int) -> list[Pledge]: ...

    def issues(self, commune_id: int, status: IssueStatus | None = None) -> list[BondIssue]: ...

    def open_pledges_of(self, member_id: int) -> list[tuple[int, int]]: ...

    def due_deadlines(self, now: datetime) -> list[BondDeadline]:
        """Open issues whose deadline has passed, oldest deadline first."""
        ...

    def due_payment_windows(self, now: datetime) -> list[PaymentWindow]: ...

    def add_payment(  # kind "payment" or "refund"; returns its id
        self, commune_id: int, issue_id: int, member_id: int, kind: str, amount: int,
        at: datetime, recorded_by: int,
    ) -> int: ...  # fmt: skip

    def payments(self, issue_id: int) -> dict[int, tuple[int, int]]:  # member: (paid, refunded)
        ...

    def add_holdings(self, issue: BondIssue) -> list[Holding]: ...

    def outstanding(self, issue_id: int) -> int: ...

    def add_rent(self, receipt: RentReceipt, commune_id: int) -> RentReceipt: ...

    def rent_total(self, issue_id: int, period: str | None = None) -> int: ...

    def period_rent(self, commune_id: int, period: str) -> int: ...

    def principal_outstanding(self, commune_id: int) -> int:
        """Open issues' prices plus what holdings are still owed: what limits checks."""
        ...

    def rents_due(self, commune_id: int, period: str, period_start: datetime) -> dict[int, int]:
        """{issue id: rent} of the leases running through the whole period, at the rent
        their latest lease term sets for it (an ended lease owes nothing)."""
        ...

    def lease_terms(self, issue_id: int) -> list[LeaseTerm]: ...

    def add_lease_term(
        self, commune_id: int, issue_id: int, term: LeaseTerm, motion_id: int | None
    ) -> None: ...

    def labels(self, commune_id: int) -> dict[int, tuple[int, str]]: ...

    def lease_books(self, commune_id: int) -> list[LeaseBook]:
        """Every cleared bond's ledger line, by number: one read, whatever the count."""
        ...

    def owed(self, commune_id: int) -> tuple[int, int]: ...


class Assemblies(Protocol):
    def add(self, assembly: Assembly) -> Assembly: ...

    def get(self, commune_id: int, number: int, lock: bool = False) -> Assembly | None: ...

    def by_id(self, assembly_id: int, lock: bool = False) -> Assembly: ...

    def all(self, commune_id: int) -> list[Assembly]: ...

    def save(self, assembly: Assembly) -> None: ...

    def due(self, now: datetime) -> list[AssemblyStep]:
        """Openings, reminders and closings whose time has come."""
        ...

    def add_motion(
        self,
        assembly: Assembly,
        text: str,
        threshold: Threshold,
        action: Action | None = None,
        proposer_id: int | None = None,
    ) -> Motion:
        """With ``proposer_id``, a member's proposal; without, on the agenda at once."""
        ...

    def motions(self, assembly_id: int) -> list[Motion]:
        """The agenda: only these are voted on. ``proposals``: the members' motions not
        on it; ``to_agenda`` puts one at its end; ``support``/``unsupport`` say whether
        they changed anything; ``supporters`` in the order they came, the proposer first."""
        ...

    def proposals(self, assembly_id: int) -> list[Motion]: ...

    def undecided_actions(self, commune_id: int) -> list[tuple[Assembly, Motion]]:
        """Action motions on the agenda of assemblies not closed, in the order of ``all``."""
        ...

    def to_agenda(self, motion: Motion) -> Motion: ...

    def not_supported(self, motion_id: int) -> None: ...

    def support(self, motion_id: int, member_id: int, at: datetime) -> bool: ...

    def unsupport(self, motion_id: int, member_id: int) -> bool: ...

    def supporters(self, motion_id: int) -> list[int]: ...

    def motion(self, commune_id: int, number: int) -> Motion | None: ...

    def save_result(self, motion_id: int, result: str) -> None: ...

    def results(self, assembly_id: int) -> dict[int, str]: ...

    def snapshot_voters(self, assembly: Assembly) -> int:
        """Who may vote is fixed when voting opens; later joiners wait for the next one."""
        ...

    def voters(self, assembly_id: int) -> list[int]: ...

    def present(self, assembly_id: int) -> set[int]: ...

    def mark_present(self, assembly_id: int, member_ids: list[int]) -> None: ...

    def unmark_present(self, assembly_id: int, member_ids: list[int]) -> None: ...

    def cast(self, motion_id: int, member_id: int, choice: Choice, now: datetime) -> bool:
        """True when it changed an earlier vote, so the reply can say so."""
        ...

    def uncast(self, motion_id: int, member_id: int) -> Choice | None:
        """Take the member's vote back; the choice it was, None if there was none."""
        ...

    def votes(self, motion_id: int) -> dict[int, Choice]: ...

    def delegations(self, commune_id: int) -> dict[int, int]: ...

    def delegate(
        self, commune_id: int, member_id: int, delegate_id: int, now: datetime
    ) -> None: ...

    def undelegate(self, commune_id: int, member_id: int) -> int | None: ...

    def end_delegations(self, commune_id: int, member_id: int) -> list[int]:
        """Remove the member's delegation and every one to them (they are leaving);
        returns the members who had delegated to them, to be told."""
        ...

    def withdraw_voter(self, commune_id: int, member_id: int, now: datetime) -> list[int]:
        """Take a leaving member off every vote still open: their voter row, presence
        and votes go, and each such assembly's eligible count drops by one. Returns
        those assemblies' ids; closed ones (and their stored results) are untouched."""
        ...


class UnitOfWork(Protocol):
    """One transaction with its repositories (see storage.uow.SqlUnitOfWork).

    The repositories are read-only properties: a settable Protocol attribute would
    have to match storage's concrete class exactly, where a property accepts any
    class that implements the repository's Protocol.
    """

    @property
    def communes(self) -> Communes: ...
    @property
    def bonds(self) -> Bonds: ...
    @property
    def assemblies(self) -> Assemblies: ...
    @property
    def clearings(self) -> Clearings: ...
    @property
    def journal(self) -> Journal: ...
    @property
    def policies(self) -> Policies: ...
    @property
    def sales(self) -> Sales: ...
    @property
    def fund(self) -> Fund: ...
    @property
    def payouts(self) -> Payouts: ...
    @property
    def audit(self) -> Audit: ...
    @property
    def inbox(self) -> Inbox: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def conversations(self) -> Conversations: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def links(self) -> Links: ...
    @property
    def job_failures(self) -> JobFailures: ...
    @property
    def flood(self) -> Flood: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def savepoint(self) -> AbstractContextManager[None]: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
Clock = Callable[[], datetime]
