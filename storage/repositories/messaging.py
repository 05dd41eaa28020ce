"""Inbox, outbox, conversations and settings: the bot's own durable plumbing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from domain.messages import Outgoing
from storage.bulk import bulk_insert
from storage.connection import connection_of
from storage.tables import ConversationRow, InboxRow, OutboxRow, SettingRow


@dataclass(frozen=True)
class PendingMessage:
    id: int
    platform: str
    address: str
    is_private: bool
    person_id: int | None
    template: str
    locale: str
    context: dict[str, Any]


def _insert_ignoring_conflicts(session: Session, table: Any, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when the row was new."""
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    statement = dialect.insert(table).values(**values).on_conflict_do_nothing()
    return session.execute(statement.returning(table.c.id)).first() is not None


def _json_default(value: Any) -> Any:
    """PostgreSQL sums BIGINTs into NUMERIC; a whole-number Decimal is still cents."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def pending_message(row: OutboxRow) -> PendingMessage:
    """An outbox row as the adapters see it, with its context decoded."""
    return PendingMessage(
        row.id,
        row.platform,
        row.address,
        row.is_private,
        row.person_id,
        row.template,
        row.locale,
        json.loads(row.context),
    )


def _fast_json(context: dict[str, Any]) -> str:
    """``json.dumps``'s text (bar non-ASCII, see ``_ORJSON``), five times faster."""
    return orjson.dumps(context, default=_json_default, option=_ORJSON).decode()


def _record_statement(dialect: Any) -> Any:
    """Insert as handled; a stored, unhandled row is claimed; a handled one is left be."""
    table = InboxRow.__table__
    statement = dialect.insert(table)
    return statement.on_conflict_do_update(
        index_elements=["platform", "external_id"],
        set_={"processed_at": statement.excluded.processed_at},
        where=table.c.processed_at.is_(None),
    ).returning(table.c.id)


# Built once: every message runs it, and building it costs more than running it.
_RECORD = {"sqlite": _record_statement(sqlite), "postgresql": _record_statement(postgresql)}
_ADD_OUTBOX = insert(OutboxRow.__table__)


class InboxRepository:
    """Every message received, unique per (platform, platform id).

    The console and the dispatcher record a message as they handle it. An adapter
    whose platform forgets a message once told it arrived (Telegram's getUpdates
    offset) stores it first with ``receive``, unhandled, and hands it to the
    dispatcher afterwards: ``record`` then claims that stored row.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self, platform: str, external_id: str, now: datetime, payload: str | None = None
    ) -> bool:
        """Claim a message for handling; False when it was handled before.

        New: inserted as handled. Stored by ``receive`` and not handled yet: marked
        handled (under the row's lock, so only one handling claims it). Handled
        already: a redelivery, False.
        """
        connection = connection_of(self.session)
        statement = _RECORD[connection.dialect.name]
        found = connection.execute(
            statement,
            {
                "platform": platform,
                "external_id": external_id,
                "received_at": now,
                "payload": payload,
                "processed_at": now,
            },
        )
        return found.first() is not None

    def receive(self, platform: str, external_id: str, payload: str, now: datetime) -> bool:
        """Store a message as received and not yet handled; False if already stored."""
        return _insert_ignoring_conflicts(
            self.session,
            InboxRow.__table__,
            {
                "platform": platform,
                "external_id": external_id,
                "received_at": now,
                "payload": payload,
                "processed_at": None,
            },
        )

    def unprocessed(self, platform: str, limit: int = 100) -> list[tuple[str, str | None]]:
        """(platform id, payload) of stored messages not handled yet, oldest first."""
        rows = self.session.execute(
            select(InboxRow.external_id, InboxRow.payload)
            .where(InboxRow.platform == platform, InboxRow.processed_at.is_(None))
            .order_by(InboxRow.id)
            .limit(limit)
        ).all()
        return [(external_id, payload) for external_id, payload in rows]

    def mark_processed(self, platform: str, external_id: str, now: datetime) -> bool:
        """Handled without the dispatcher (nothing in it was for the commands)."""
        result = self.session.execute(
            update(InboxRow)
            .where(
                InboxRow.platform == platform,
                InboxRow.external_id == external_id,
                InboxRow.processed_at.is_(None),
            )
            .values(processed_at=now)
        )
        return result.rowcount > 0


BULK = 500  # messages in one add() from which the rows go in as a bulk insert
# The same JSON as json.dumps(separators=(",", ":"), sort_keys=True), but for
# non-ASCII text, which orjson writes as UTF-8 instead of \u escapes.
_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
OUTBOX_COLUMNS = (  # in bulk_insert's order; bench/clearing.py's floor writes the same
    "platform",
    "address",
    "is_private",
    "person_id",
    "template",
    "context",
    "locale",
    "dedup_key",
    "created_at",
    "attempts",
)


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, messages: list[Outgoing], now: datetime) -> None:
        if not messages:
            return
        if len(messages) >= BULK:  # a clearing's statements: COPY / the driver's executemany
            bulk_insert(
                self.session,
                OutboxRow.__table__,
                OUTBOX_COLUMNS,
                (
                    (
                        m.address.platform,
                        m.address.address,
                        m.address.is_private,
                        m.address.person_id,
                        m.template,
                        _fast_json(m.context),
                        m.locale,
                        m.dedup_key,
                        now,
                        0,
                    )
                    for m in messages
                ),
            )
            return
        rows = [
            {
                "platform": m.address.platform,
                "address": m.address.address,
                "is_private": m.address.is_private,
                "person_id": m.address.person_id,
                "template": m.template,
                "context": json.dumps(
                    m.context, separators=(",", ":"), sort_keys=True, default=_json_default
                ),
                "locale": m.locale,
                "dedup_key": m.dedup_key,
                "created_at": now,
                "attempts": 0,
            }
            for m in messages
        ]
        connection_of(self.session).execute(_ADD_OUTBOX, rows)

    def pending(self, platform: str, limit: int = 1000) -> list[PendingMessage]:
        rows = self.session.execute(
            select(OutboxRow)
            .where(OutboxRow.platform == platform, OutboxRow.delivered_at.is_(None))
            .order_by(OutboxRow.id)
            .limit(limit)
        ).scalars()
        return [pending_message(r) for r in rows]

    def claim(
        self, platform: str, now: datetime, lease: timedelta, limit: int = 100
    ) -> list[PendingMessage]:
        """Take up to ``limit`` deliverable messages for ``lease``; nobody else gets them.

        PostgreSQL: FOR UPDATE SKIP LOCKED, so several worker processes share the
        outbox without waiting on each other. SQLite: BEGIN IMMEDIATE already made
        this transaction the only writer. A worker that dies holding a claim loses it
        when the lease runs out and another takes the messages over. ``claimed_until``
        also serves as "not before" for a message put back after a rate limit.
        """
        due = or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until <= now)
        rows = list(
            self.session.execute(
                select(OutboxRow)
                .where(OutboxRow.platform == platform, OutboxRow.delivered_at.is_(None), due)
                .order_by(OutboxRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).scalars()
        )
        if rows:
            self.session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_([r.id for r in rows]))
                .values(claimed_until=now + lease, attempts=OutboxRow.attempts + 1)
            )
        return [pending_message(r) for r in rows]

    def release(self, ids: list[int], not_before: datetime) -> None:
        """Put claimed messages back, deliverable again from ``not_before``."""
        if ids:
            self.session.execute(
                update(OutboxRow).where(OutboxRow.id.in_(ids)).values(claimed_until=not_before)
            )

    def mark_delivered(self, ids: list[int], now: datetime) -> None:
        if ids:
            self.session.execute(
                update(OutboxRow).where(OutboxRow.id.in_(ids)).values(delivered_at=now)
            )

    def count(self, template: str | None = None) -> int:
        query = select(OutboxRow.id)
        if template:
            query = query.where(OutboxRow.template == template)
        return len(self.session.execute(query).all())


class ConversationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, platform: str, chat_id: str, user_id: str) -> ConversationRow | None:
        return self.session.execute(
            select(ConversationRow).where(
                ConversationRow.platform == platform,
                ConversationRow.chat_id == chat_id,
                ConversationRow.user_id == user_id,
            )
        ).scalar_one_or_none()

    def get(self, platform: str, chat_id: str, user_id: str) -> tuple[str, dict[str, Any]] | None:
        """(conversation name, its data) of the one in progress, if any."""
        row = self._row(platform, chat_id, user_id)
        return (row.name, json.loads(row.data)) if row else None

    def save(
        self,
        platform: str,
        chat_id: str,
        user_id: str,
        name: str,
        step: str,
        data: dict[str, Any],
        now: datetime,
    ) -> None:
        row = self._row(platform, chat_id, user_id) or ConversationRow(
            platform=platform,
            chat_id=chat_id,
            user_id=user_id,
            name=name,
            step="",
            data="{}",
            updated_at=now,
        )
        row.name = name
        row.step = step
        row.data = json.dumps(data, sort_keys=True)
        row.updated_at = now
        self.session.add(row)
        self.session.flush()

    def end(self, platform: str, chat_id: str, user_id: str) -> bool:
        result = self.session.execute(
            delete(ConversationRow).where(
                ConversationRow.platform == platform,
                ConversationRow.chat_id == chat_id,
                ConversationRow.user_id == user_id,
            )
        )
        return result.rowcount > 0


class SettingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> str | None:
        row = self.session.get(SettingRow, key)
        return row.value if row else None

    def set(self, key: str, value: str) -> None:
        row = self.session.get(SettingRow, key) or SettingRow(key=key, value=value)
        row.value = value
        self.session.add(row)
        self.session.flush()
