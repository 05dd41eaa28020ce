"""What the commune's decisions need from storage: its policies and the record of
what it decided (domain/policies.py, domain.model.ChangeRecord). Declared apart from
domain/ports.py to keep that module small; ``domain.ports`` offers it too."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.model import ChangeRecord


class Policies(Protocol):
    """A commune's policies (domain/policies.py) and the record of its decisions."""

    def stored(self, commune_id: int) -> dict[str, str]:
        """The policies set so far, by name; an unset one has its default."""
        ...

    def put(self, commune_id: int, name: str, value: str, at: datetime) -> None: ...

    def record(self, change: ChangeRecord) -> None:
        """Append to the record of decisions (never updated or deleted)."""
        ...

    def records(self, commune_id: int) -> list[ChangeRecord]:
        """The commune's decisions, oldest first."""
        ...
