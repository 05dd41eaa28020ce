"""Flood control's buckets: one UPSERT … RETURNING per message addressed to minga.

The step is domain.flood.FloodLimit.step, written as SQL so that reading the
bucket, deciding and writing it back are one statement under the row's lock: two
processes handling the same sender's messages at once each take their own token,
and a command's hot path gains one round trip, not a read and a write. In both
dialects the SET expressions read the row as it was before the update, and
RETURNING gives it as it is after.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, bindparam, case
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from domain.flood import Bucket, FloodLimit, Verdict, instant
from storage.connection import connection_of
from storage.tables import FloodBucketRow


def _take_statement(dialect: Any) -> Any:
    table = FloodBucketRow.__table__
    tat, verdict = table.c.tat, table.c.verdict
    now = bindparam("now", type_=BigInteger)
    full = tat <= now
    admitted = tat <= bindparam("latest", type_=BigInteger)
    interval = bindparam("interval", type_=BigInteger)
    statement = dialect.insert(table).values(
        platform=bindparam("platform"),
        chat_id=bindparam("chat_id"),
        user_id=bindparam("user_id"),
        tat=bindparam("first", type_=BigInteger),
        verdict=int(Verdict.ADMIT),
    )
    return statement.on_conflict_do_update(
        index_elements=["platform", "chat_id", "user_id"],
        set_={
            "tat": case((full, now + interval), (admitted, tat + interval), else_=tat),
            "verdict": case(
                (full, int(Verdict.ADMIT)),
                (admitted & (verdict == int(Verdict.ADMIT)), int(Verdict.ADMIT)),
                (admitted, int(Verdict.ADMIT_WARNED)),
                (verdict == int(Verdict.ADMIT), int(Verdict.WARN)),
                else_=int(Verdict.SILENT),
            ),
        },
    ).returning(tat, verdict)


# Built once, like the inbox's: every command runs it.
_TAKE = {"sqlite": _take_statement(sqlite), "postgresql": _take_statement(postgresql)}


class FloodRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def take(
        self, platform: str, chat_id: str, user_id: str, now: datetime, limit: FloodLimit
    ) -> Bucket:
        """One message from ``user_id`` in ``chat_id`` at ``now``: its verdict, and the
        bucket as it is now (domain.flood.FloodLimit.step, in one statement)."""
        connection = connection_of(self.session)
        at = instant(now)
        row = connection.execute(
            _TAKE[connection.dialect.name],
            {
                "platform": platform,
                "chat_id": chat_id,
                "user_id": user_id,
                "now": at,
                "latest": at + limit.tolerance,
                "interval": limit.interval,
                "first": at + limit.interval,
            },
        ).one()
        return Bucket(int(row.tat), Verdict(row.verdict))
