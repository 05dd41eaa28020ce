"""The Matrix adapter's durable bookkeeping: its sync position, its rooms, and the
motions' notices and members' reactions to them (votes by reaction).

The sync token is saved in the same transaction as the inbox rows of the events
that sync brought (bot/matrix/receiver.py), never by matrix-nio on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlmodel import Session

from storage.matrix_tables import MatrixMotionEventRow, MatrixReactionRow
from storage.tables import AssemblyRow, MatrixRoomRow, MatrixSyncRow, MotionRow, OutboxRow


@dataclass(frozen=True)
class MatrixRoom:
    room_id: str
    dm_user_id: str | None
    encrypted: bool


@dataclass(frozen=True)
class Ballot:
    """The notice of a motion, a reaction to which is a vote (storage/matrix_tables.py)."""

    event_id: str
    room_id: str
    number: int  # the motion's number in its commune


@dataclass(frozen=True)
class Reaction:
    event_id: str
    sender: str
    target_event_id: str
    choice: str


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

    # votes by reaction -------------------------------------------------------------------
    def save_ballot(
        self, event_id: str, room_id: str, ballot: dict[str, int], now: datetime
    ) -> None:
        """The event carrying a motion's notice; ``ballot`` as handlers/ballots.py made it."""
        if self.session.get(MatrixMotionEventRow, event_id) is not None:
            return  # a retried send the homeserver deduplicated
        motion = self.session.execute(
            select(MotionRow.id, AssemblyRow.commune_id)
            .join(AssemblyRow, AssemblyRow.id == MotionRow.assembly_id)
            .where(MotionRow.id == ballot["motion_id"])
        ).one_or_none()
        if motion is None:
            return
        self.session.add(
            MatrixMotionEventRow(
                event_id=event_id,
                room_id=room_id,
                commune_id=motion.commune_id,
                assembly_id=ballot["assembly_id"],
                motion_id=motion.id,
                number=ballot["number"],
                created_at=now,
            )
        )
        self.session.flush()

    def ballot(self, event_id: str) -> Ballot | None:
        row = self.session.get(MatrixMotionEventRow, event_id)
        return Ballot(row.event_id, row.room_id, row.number) if row else None

    def add_reaction(
        self, event_id: str, room_id: str, sender: str, target: str, choice: str, now: datetime
    ) -> bool:
        """Keep a vote reaction; False when it was kept already (the same event again)."""
        if self._reaction(event_id) is not None:
            return False
        self.session.add(
            MatrixReactionRow(
                event_id=event_id,
                room_id=room_id,
                sender=sender,
                target_event_id=target,
                choice=choice,
                created_at=now,
            )
        )
        self.session.flush()
        return True

    def _reaction(self, event_id: str) -> MatrixReactionRow | None:
        return self.session.execute(
            select(MatrixReactionRow).where(MatrixReactionRow.event_id == event_id)
        ).scalar_one_or_none()

    def reaction(self, event_id: str) -> Reaction | None:
        row = self._reaction(event_id)
        return _reaction(row) if row else None

    def reactions(self, target: str, sender: str) -> list[Reaction]:
        """The sender's vote reactions still on ``target``, oldest first."""
        rows = self.session.execute(
            select(MatrixReactionRow)
            .where(MatrixReactionRow.target_event_id == target, MatrixReactionRow.sender == sender)
            .order_by(MatrixReactionRow.id)
        ).scalars()
        return [_reaction(row) for row in rows]

    def remove_reaction(self, event_id: str) -> None:
        self.session.execute(
            delete(MatrixReactionRow).where(MatrixReactionRow.event_id == event_id)
        )


def _reaction(row: MatrixReactionRow) -> Reaction:
    return Reaction(row.event_id, row.sender, row.target_event_id, row.choice)
