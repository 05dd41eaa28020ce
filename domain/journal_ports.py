"""What the service layer needs from the journal's storage (domain/journal.py).
Declared apart from domain/ports.py to keep that module small; ``domain.ports`` offers
it too."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from domain.journal import AccountKind, JournalEntry, Posting
from domain.model import LedgerSummary


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
