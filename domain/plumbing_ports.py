"""The ports of the plumbing: what the service layer needs from storage besides the books.

The idempotent inbox, the transactional outbox, flood control, conversations in
progress, settings, scheduled work's failures, /link's codes and the audit of the
books: each is a repository of ``domain.ports.UnitOfWork`` like the commune's,
kept apart so that domain/ports.py reads as the commune, its bonds, assemblies,
clearings and journal. ``domain.ports`` offers every name here too; the same rules
hold (tests/test_ports.py matches them against storage).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from domain.audit import Discrepancy
from domain.due import DueWork
from domain.flood import Bucket, FloodLimit
from domain.messages import Outgoing
from domain.retries import JobFailure


class Audit(Protocol):
    """The books' invariants (domain/audit.py), re-verified from the stored rows."""

    def discrepancies(self, commune_id: int | None = None) -> list[Discrepancy]:
        """Every broken invariant of the commune, or of all communes when None."""
        ...


class Inbox(Protocol):
    def record(
        self, platform: str, external_id: str, now: datetime, payload: str | None = None
    ) -> bool:
        """False for a message handled before: redeliveries must not act twice."""
        ...


class Flood(Protocol):
    """Flood control's token buckets, one per sender and chat (domain/flood.py)."""

    def take(
        self, platform: str, chat_id: str, user_id: str, now: datetime, limit: FloodLimit
    ) -> Bucket:
        """One message's token: ``limit.step`` of the stored bucket, in one statement
        (a command's hot path gains a single round trip)."""
        ...


class Outbox(Protocol):
    def add(self, messages: list[Outgoing], now: datetime) -> None:
        """Queued in the command's transaction: sent only if the command commits."""
        ...


class Conversations(Protocol):
    """Multi-step commands in progress, one per person per chat: they survive restarts."""

    def get(
        self, platform: str, chat_id: str, user_id: str
    ) -> tuple[str, dict[str, Any]] | None: ...

    def save(
        self,
        platform: str,
        chat_id: str,
        user_id: str,
        name: str,
        step: str,
        data: dict[str, Any],
        now: datetime,
    ) -> None: ...

    def end(self, platform: str, chat_id: str, user_id: str) -> bool: ...


class Settings(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...


class JobFailures(Protocol):
    """Scheduled work that failed and waits for its retry (see domain.retries)."""

    def all(self) -> list[JobFailure]: ...

    def get(self, work: DueWork) -> JobFailure | None: ...

    def save(self, failure: JobFailure) -> None: ...

    def delete(self, work: DueWork) -> bool:
        """True when there was a failure to forget: the item went through after a streak."""
        ...


class Links(Protocol):
    """/link: one person, several chat accounts."""

    def new_code(self, person_id: int, platform: str, now: datetime, ttl: timedelta) -> str: ...

    def take(self, code: str, now: datetime) -> tuple[int, str] | None:
        """(person, platform) of a valid code, used up: a code links once."""
        ...

    def shared_communes(self, one: int, other: int) -> list[str]:
        """Two memberships of one commune cannot merge into one person."""
        ...

    def merge(self, source: int, target: int) -> None: ...
