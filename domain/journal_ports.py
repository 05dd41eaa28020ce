"""What the service layer needs from the journal's storage (domain/journal.py).
Declared apart from domain/ports.py to keep that module small; ``domain.ports`` offers
it too."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Protocol

from domain.journal import AccountKind, JournalEntry, Posting
from domain.model import LedgerSummary
from domain.open_books import ExportRow


class Journal(Protocol):
    """The append-only journal: the books are never updated, only added to."""

    def append(self, commune_id: int, entry: JournalEntry, now: datetime) -> int: ...

    def start_entry(self, commune_id: int, kind: str, ref: str, now: datetime) -> int:
        """A clearing's entry is written piecewise: a federation's has 600,000 postings."""
        ...

    def add_account_postings(
        self,
        entry_id: int,
        commune_id: int,
        kind: AccountKind,
        amounts: Iterable[tuple[int, int]],
    ) -> None: ...

    def close_clearing(
        self, entry_id: int, commune_id: int, clearing_id: int, cash: Posting
    ) -> None:
        """Raises UnbalancedEntry unless the entry sums to zero: its dividends are
        written set-based, past domain.journal.entry's own check."""
        ...

    def summary(self, commune_id: int) -> LedgerSummary: ...

    def last_entry(self, commune_id: int) -> int:
        """The newest entry's id (0 if none): an export is the journal up to it, so
        what is booked while it is being written does not half-appear in it."""
        ...

    def export(
        self, commune_id: int, since: datetime | None, until: datetime | None, up_to: int
    ) -> Iterator[ExportRow]:
        """Every posting of the entries booked from ``since`` to before ``until`` (None:
        no bound) with ids up to ``up_to``, by entry then posting, streamed: a year of a
        federation's journal is millions of rows."""
        ...
