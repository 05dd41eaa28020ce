"""What the common fund needs from storage (domain/fund.py). Declared apart from
domain/ports.py to keep that module small; ``domain.ports`` offers it too."""

from __future__ import annotations

from typing import Protocol

from domain.fund import FundFlows, FundGrant


class Fund(Protocol):
    """The common fund: its balance in the journal, its grants, its flows by period."""

    def balance(self, commune_id: int) -> int:
        """What the ``fund`` account holds now (its journal postings)."""
        ...

    def grant(self, commune_id: int, grant: FundGrant) -> int:
        """Keep a grant (its journal entry is written apart); returns its id."""
        ...

    def flows(self, commune_id: int, period: str | None = None) -> FundFlows:
        """What the fund took in (clearings' shares) and granted out in ``period``, and
        its balance after that period's clearing; with None, all time and now."""
        ...
