"""The Matrix adapter's durable bookkeeping: its sync position and its rooms.

The sync token is saved in the same transaction as the inbox rows of the events
that sync brought (bot/matrix/receiver.py), never by matrix-nio on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlmodel import Session

from storage.tables import MatrixRoomRow, MatrixSyncRow, OutboxRow


@dataclass(frozen=True)
class MatrixRoom:
    room_id: str
    dm_user_id: str | None
    encrypted: bool


class MatrixRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # sync position -------------------------------------------------------------------
    def sync_token(self, user_id: str) -> str | None:
        row = self.session.get(MatrixSyncRow, user_id)
        return row.next_batch if row else None

    def save_sync_token(self, user_id: str, next_batch: str, now: datetime) -> None:
        row = self.session.get(MatrixSyncRow, user_id) or MatrixSyncRow(
            user_id=user_id, next_batch=next_batch, updated_at=now
        )
        row.next_batch, row.updated_at = next_batch, now
        self.session.add(row)
        self.session.flush()

    # rooms -----------------------------------------------------------------------------
    def _row(self, room_id: str) -> MatrixRoomRow | None:
        return self.session.execute(
            select(MatrixRoomRow).where(MatrixRoomRow.room_id == room_id)
        ).scalar_one_or_none()

    def room(self, room_id: str) -> MatrixRoom | None:
        row = self._row(room_id)
        return MatrixRoom(row.room_id, row.dm_user_id, row.encrypted) if row else None

    def dm_room(self, user_id: str) -> MatrixRoom | None:
        """The member's direct room with the bot, the newest if there were several."""
        row = self.session.execute(
            select(MatrixRoomRow)
            .where(MatrixRoomRow.dm_user_id == user_id)
            .order_by(MatrixRoomRow.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        return MatrixRoom(row.room_id, row.dm_user_id, row.encrypted) if row else None

    def save_room(
        self,
        room_id: str,
        now: datetime,
        dm_user_id: str | None = None,
        encrypted: bool = False,
    ) -> MatrixRoom:
        """Record what we learnt of a room; a DM stays a DM and encryption stays on."""
        row = self._row(room_id) or MatrixRoomRow(room_id=room_id, created_at=now)
        row.dm_user_id = row.dm_user_id or dm_user_id
        row.encrypted = bool(row.encrypted or encrypted)
        self.session.add(row)
        self.session.flush()
        return MatrixRoom(row.room_id, row.dm_user_id, row.encrypted)

    # delivery --------------------------------------------------------------------------
    def wake(self, platform: str, address: str, now: datetime) -> int:
        """Make an address's held-back messages deliverable now (a member just joined)."""
        result = self.session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.platform == platform,
                OutboxRow.address == address,
                OutboxRow.delivered_at.is_(None),
                OutboxRow.claimed_until > now,
            )
            .values(claimed_until=now)
        )
        return result.rowcount or 0

    def earlier_waiting(self, platform: str, address: str, before_id: int) -> datetime | None:
        """When an earlier undelivered message to ``address`` may go; None if there is none.

        Messages to one room go in outbox order: a later one waits for the earlier.
        """
        rows = self.session.execute(
            select(OutboxRow.claimed_until).where(
                OutboxRow.platform == platform,
                OutboxRow.address == address,
                OutboxRow.delivered_at.is_(None),
                OutboxRow.id < before_id,
            )
        ).all()
        if not rows:
            return None
        moments = [moment for (moment,) in rows if moment is not None]
        return max(moments) if moments else datetime.min.replace(tzinfo=UTC)
