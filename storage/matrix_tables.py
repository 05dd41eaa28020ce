"""The Matrix adapter's tables for voting by reaction (migration 0021_matrix_motion_events).

- ``matrix_motion_event``: the notice that carries a motion when voting opens
  (handlers/ballots.py), by its Matrix event id: a reaction to it is a vote.
- ``matrix_reaction``: a member's vote reaction on such a notice, kept until it is
  redacted, so removing it can withdraw the vote (or fall back to the member's
  other reaction still there).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class MatrixMotionEventRow(SQLModel, table=True):
    __tablename__ = "matrix_motion_event"
    event_id: str = Field(primary_key=True, max_length=255)
    room_id: str = Field(max_length=255)
    commune_id: int = Field(foreign_key="commune.id")
    assembly_id: int = Field(foreign_key="assembly.id")
    motion_id: int = Field(foreign_key="motion.id", index=True)
    number: int  # the motion's number in its commune, as /vote takes it
    created_at: datetime


class MatrixReactionRow(SQLModel, table=True):
    __tablename__ = "matrix_reaction"
    __table_args__ = (Index("ix_matrix_reaction_target_sender", "target_event_id", "sender"),)
    id: int | None = Field(default=None, primary_key=True)  # the order they came in
    event_id: str = Field(max_length=255, unique=True)
    room_id: str = Field(max_length=255)
    sender: str = Field(max_length=255)
    target_event_id: str = Field(max_length=255)
    choice: str = Field(max_length=16)  # yes, no or abstain
    created_at: datetime
