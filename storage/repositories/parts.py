"""What every part of a repository split by job starts from."""

from __future__ import annotations

from sqlmodel import Session


class SessionPart:
    """A part of a repository (``CommuneRepository``, ``AssemblyRepository``…): its
    parts are combined into one class, and all of them run on the unit of work's
    session."""

    def __init__(self, session: Session) -> None:
        self.session = session
