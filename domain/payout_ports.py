"""What payouts need from storage (domain/payouts.py). Declared apart from
domain/ports.py to keep that module small; ``domain.ports`` offers it too."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.clearing_reads import MemberRange
from domain.payouts import MemberPayouts, PayoutTotals


class Payouts(Protocol):
    """What clearings and sales owed each member, and what the treasurer paid them."""

    def keep_clearing_owed(self, commune_id: int, entry_id: int, period: str) -> None:
        """Keep what a clearing's entry (closed) owes each member."""
        ...

    def keep_sale_owed(self, commune_id: int, entry_id: int, sale_id: int, period: str) -> None:
        """Keep what a sale's entry owes each holder: what it repaid them."""
        ...

    def owed(self, commune_id: int, member_id: int) -> int:
        """What the commune owes the member now."""
        ...

    def pay(
        self,
        commune_id: int,
        member_id: int,
        amount: int,
        period: str,
        at: datetime,
        recorded_by: int,
    ) -> int:
        """Keep one payout (its journal entry is the caller's); returns its id."""
        ...

    def pay_all(
        self,
        commune_id: int,
        up_to: str | None,
        period: str,
        at: datetime,
        recorded_by: int,
    ) -> tuple[int, int]:
        """Pay everyone what periods up to ``up_to`` (all when None) owed them, with the
        journal entries, set-based; (how many were paid, how much in all)."""
        ...

    def totals(self, commune_id: int, period: str) -> PayoutTotals:
        """Paid in ``period``, paid ever, and owed now, to everyone."""
        ...

    def by_member(
        self, commune_id: int, period: str | None, members: MemberRange | None = None
    ) -> dict[int, MemberPayouts]:
        """{member id: paid in ``period``, owed after it}, of everyone ever owed or of
        the members in ``members`` (first to last)."""
        ...

    def names(self, member_ids: set[int]) -> dict[int, str]:
        """{member id: name} of these members, former ones too."""
        ...
