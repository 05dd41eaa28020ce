"""What selling an ended lease's asset needs from storage (domain/sales.py). Declared
apart from domain/ports.py to keep that module small; ``domain.ports`` offers it too."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.clearing import HoldingBalance
from domain.clearing_reads import MemberRange
from domain.sales import Sale, SaleShare, SaleTotals


class Sales(Protocol):
    """Asset sales, each with its lines (what it did to each holding)."""

    def sold(self, issue_id: int) -> tuple[str, int] | None:
        """(period, proceeds) of the bond's asset sale; None while it is not sold."""
        ...

    def owed(self, issue_id: int) -> list[HoldingBalance]:
        """The bond's holdings still owed, in pledge order (the order ties go by)."""
        ...

    def record(
        self, commune_id: int, sale: Sale, period: str, at: datetime, recorded_by: int
    ) -> int:
        """Keep the sale and its lines and settle its holdings; returns the sale's id."""
        ...

    def totals(self, commune_id: int, period: str) -> SaleTotals:
        """The period's sales, summed (all zero when there were none)."""
        ...

    def sold_in(self, commune_id: int, period: str) -> set[int]:
        """The issue ids whose asset was sold in the period."""
        ...

    def shares(
        self, commune_id: int, period: str, members: MemberRange | None = None
    ) -> dict[int, list[SaleShare]]:
        """{member id: what the period's sales did to their holdings, by bond number},
        of every holder or of the members in ``members`` (first to last)."""
        ...
