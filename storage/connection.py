"""The one connection a unit of work's transaction runs on, looked up once.

``Session.connection()`` walks the session's transaction machinery each time (about
25 µs); a command asks for it on every statement of its hot path. The connection
cannot change while the session's transaction lasts, so it is remembered in the
session until that transaction ends (commit or rollback; a savepoint's end does not
count), and looked up afresh in the next.
"""

from __future__ import annotations

from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, SessionTransaction

_KEY = "minga.connection"


def connection_of(session: Session) -> Connection:
    found = session.info.get(_KEY)
    if found is None:
        found = session.info[_KEY] = session.connection()
    return found  # type: ignore[no-any-return]


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_KEY, None)
