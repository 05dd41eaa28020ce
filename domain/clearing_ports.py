"""What the period clearing needs from storage (domain/clearing.py, handlers/clearing.py,
the statements and the arrears). Declared apart from domain/ports.py to keep that module
small; ``domain.ports`` offers it too."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from domain.arrears import ArrearsLine, ArrearsReader, LeaseArrears, LeaseDue
from domain.clearing import ClearingOutcome, ClearingRecord, LeaseHoldings, LeaseTotal
from domain.clearing_reads import (
    CooperativeRent,
    LeaseLine,
    MemberHoldings,
    MemberLine,
    MemberRange,
    MemberRedemption,
    Recipient,
    YearToDate,
)


class Clearings(Protocol):
    """The period clearing's reads and writes, each over all members at once: a
    federation's clearing is hundreds of thousands of rows, so nothing here is per member."""

    def get(self, commune_id: int, period: str) -> ClearingRecord | None: ...

    def latest(self, commune_id: int) -> ClearingRecord | None: ...

    def recent(self, commune_id: int, count: int) -> list[ClearingRecord]:
        """The ``count`` latest clearings, oldest first (for /chart)."""
        ...

    def large(self) -> AbstractContextManager[None]:
        """Room for a whole commune's clearing (a storage tuning; may do nothing)."""
        ...

    def lease_totals(self, commune_id: int, period: str) -> list[LeaseTotal]: ...

    def owed_by_lease(
        self, leases: Sequence[LeaseTotal], batch: int = ...
    ) -> Iterator[LeaseHoldings]:
        """Streamed in pledge order so a federation's holdings are never all in
        memory; ``batch`` is storage's to tune."""
        ...

    def eligible_count(self, commune_id: int, period_start: datetime) -> int: ...

    def record(
        self, commune_id: int, period: str, now: datetime, outcome: ClearingOutcome
    ) -> int: ...

    def finish(
        self, clearing_id: int, entry_id: int, commune_id: int, period_start: datetime
    ) -> None:
        """Repays holdings from the entry's postings, so the journal is the one source."""
        ...

    # statements: each read for the whole roster, and ``_among`` a few members or
    # cooperatives (/statement): the same rows, read by those members' own indexes
    def recipients(self, clearing_id: int) -> list[Recipient]: ...

    def recipients_among(self, clearing_id: int, members: MemberRange) -> list[Recipient]: ...

    def cooperative_rents(self, commune_id: int, period: str) -> dict[int, CooperativeRent]: ...

    def cooperative_rents_among(
        self, commune_id: int, period: str, cooperative_ids: Collection[int]
    ) -> dict[int, CooperativeRent]: ...

    def cooperative_sizes(self, commune_id: int, clearing_id: int) -> dict[int, int]:
        """Each cooperative's members as the clearing kept them (its statements show
        the rent per member, and must read the same when asked later)."""
        ...

    def cooperative_sizes_among(
        self, commune_id: int, clearing_id: int, cooperative_ids: Collection[int]
    ) -> dict[int, int]: ...

    def year_to_date(self, commune_id: int, first: str, last: str) -> dict[int, YearToDate]: ...

    def year_to_date_among(
        self, commune_id: int, first: str, last: str, members: MemberRange
    ) -> dict[int, YearToDate]: ...

    def holding_lines(
        self, commune_id: int, clearing_id: int, period: str, period_end: datetime
    ) -> Iterator[MemberHoldings]:
        """Streamed by member: statements are built as the rows come, never all at once."""
        ...

    def holding_lines_just_cleared(
        self, commune_id: int, period: str, period_end: datetime, repaid_now: Mapping[int, int]
    ) -> Iterator[MemberHoldings]:
        """``holding_lines`` of the clearing being recorded, given what it repaid."""
        ...

    def holding_lines_among(
        self,
        commune_id: int,
        clearing_id: int,
        period: str,
        period_end: datetime,
        members: MemberRange,
    ) -> Iterator[MemberHoldings]: ...

    # the report
    def lease_lines(self, clearing_id: int) -> list[LeaseLine]: ...

    def member_lines(self, clearing_id: int) -> list[MemberLine]: ...

    def redemptions_by_member(self, clearing_id: int) -> list[MemberRedemption]: ...

    def lease_dues(
        self, commune_id: int, period: str, period_start: datetime, previous: int | None
    ) -> list[LeaseDue]: ...

    def record_arrears(self, clearing_id: int, lines: Sequence[LeaseArrears]) -> None: ...

    def arrears_lines(self, clearing_id: int) -> list[ArrearsLine]: ...

    def arrears_readers(
        self, commune_id: int, cooperative_ids: Collection[int]
    ) -> list[ArrearsReader]: ...

    def take_waiting_ends(self, commune_id: int) -> list[int]: ...  # and marks them taken
