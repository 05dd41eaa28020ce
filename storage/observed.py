"""What ``minga run``'s metrics read from the database: set-based, read-only, no lock.

Each function is one query on a plain connection of its own (not a unit of work:
on SQLite that would take the write lock for every scrape).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from storage.tables import ClearingRow, CommuneRow, OutboxRow


@dataclass(frozen=True)
class Backlog:
    """A platform's messages not yet delivered, and when the oldest of them was queued."""

    platform: str
    pending: int
    oldest: datetime


def outbox_backlog(engine: Engine) -> list[Backlog]:
    """Per platform with anything pending (``delivered_at`` unset): how many, how old."""
    query = (
        select(OutboxRow.platform, func.count(), func.min(OutboxRow.created_at))
        .where(OutboxRow.delivered_at.is_(None))  # type: ignore[union-attr]
        .group_by(OutboxRow.platform)
    )
    with engine.connect() as connection:
        return [Backlog(p, n, oldest) for p, n, oldest in connection.execute(query)]


def last_clearings(engine: Engine) -> dict[str, tuple[str, datetime]]:
    """{commune's name: (its last cleared period, when it was cleared)}, for communes
    cleared at least once."""
    last = (
        select(ClearingRow.commune_id, func.max(ClearingRow.period).label("period"))
        .group_by(ClearingRow.commune_id)
        .subquery()
    )
    query = (
        select(CommuneRow.name, ClearingRow.period, ClearingRow.cleared_at)
        .join(last, last.c.commune_id == CommuneRow.id)
        .join(
            ClearingRow,
            (ClearingRow.commune_id == last.c.commune_id) & (ClearingRow.period == last.c.period),
        )
    )
    with engine.connect() as connection:
        return {name: (period, at) for name, period, at in connection.execute(query)}
