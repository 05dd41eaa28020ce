"""The Telegram adapter's bookkeeping: delivery states, blocked users, live bond messages.

Only bot/telegram uses this repository (as ``uow.telegram``); the handlers never
see Telegram. See storage/telegram_tables.py for what each table means.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from storage.repositories.messaging import PendingMessage, pending_message
from storage.tables import ChatRow, ConversationRow, OutboxRow
from storage.telegram_tables import (
    TelegramBlockedRow,
    TelegramBondMessageRow,
    TelegramDeliveryRow,
)

PLATFORM = "telegram"


@dataclass(frozen=True)
class BondMessage:
    id: int
    chat_id: str
    issue_number: int
    message_id: int
    locale: str
    context: dict[str, Any]
    edited_at: datetime


@dataclass(frozen=True)
class Blocked:
    user_id: str
    person_id: int | None


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


class TelegramRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _dialect(self) -> Any:
        return sqlite if self.session.get_bind().dialect.name == "sqlite" else postgresql

    # delivery -----------------------------------------------------------------------
    def pending(self, now: datetime, limit: int = 200) -> list[PendingMessage]:
        """Telegram's undelivered messages that may be tried now, in outbox order.

        Left out: messages claimed by a send in flight or waiting out a retry
        (``claimed_until`` in the future), and private messages to blocked users.
        """
        rows = self.session.execute(
            select(OutboxRow)
            .outerjoin(
                TelegramBlockedRow,
                and_(
                    OutboxRow.is_private.is_(True),
                    TelegramBlockedRow.user_id == OutboxRow.address,
                ),
            )
            .where(
                OutboxRow.platform == PLATFORM,
                OutboxRow.delivered_at.is_(None),
                (OutboxRow.claimed_until.is_(None)) | (OutboxRow.claimed_until <= now),
                TelegramBlockedRow.user_id.is_(None),
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        ).scalars()
        return [pending_message(r) for r in rows]

    def _state(
        self,
        outbox_id: int,
        state: str,
        now: datetime,
        chat_id: str | None = None,
        message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        changes: dict[str, Any] = {"state": state, "updated_at": now, "error": error}
        if chat_id is not None:
            changes["chat_id"] = chat_id
        if message_id is not None:
            changes["message_id"] = message_id
        statement = (
            self._dialect()
            .insert(TelegramDeliveryRow.__table__)
            .values(outbox_id=outbox_id, **{"chat_id": "", "parts_sent": 0, **changes})
            .on_conflict_do_update(index_elements=["outbox_id"], set_=changes)
        )
        self.session.execute(statement)

    def start_sending(self, outbox_id: int, chat_id: str, now: datetime, until: datetime) -> bool:
        """Claim a message for one send, recording the attempt first; False if taken."""
        claimed = self.session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.id == outbox_id,
                OutboxRow.delivered_at.is_(None),
                (OutboxRow.claimed_until.is_(None)) | (OutboxRow.claimed_until <= now),
            )
            .values(attempts=OutboxRow.attempts + 1, claimed_until=until)
        ).rowcount
        if claimed != 1:
            return False
        self._state(outbox_id, "sending", now, chat_id=chat_id)
        return True

    def parts_sent(self, outbox_id: int) -> int:
        row = self.session.get(TelegramDeliveryRow, outbox_id)
        return row.parts_sent if row else 0

    def part_sent(self, outbox_id: int, parts: int) -> None:
        """A long message goes in parts; a retry starts after the ones Telegram has."""
        self.session.execute(
            update(TelegramDeliveryRow)
            .where(TelegramDeliveryRow.outbox_id == outbox_id)
            .values(parts_sent=parts)
        )

    def sent(self, outbox_id: int, chat_id: str, message_id: int | None, now: datetime) -> None:
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(delivered_at=now, claimed_until=None)
        )
        self._state(outbox_id, "sent", now, chat_id=chat_id, message_id=message_id)

    def retry_later(self, outbox_id: int, not_before: datetime, error: str, now: datetime) -> None:
        """Telegram did not take it (429, no connection): try again from ``not_before``."""
        self.session.execute(
            update(OutboxRow).where(OutboxRow.id == outbox_id).values(claimed_until=not_before)
        )
        self._state(outbox_id, "retry", now, error=error)

    def finish(self, outbox_id: int, state: str, error: str | None, now: datetime) -> None:
        """Done with it without a confirmed delivery: ``uncertain``, ``failed`` or ``empty``."""
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == outbox_id)
            .values(delivered_at=now, claimed_until=None)
        )
        self._state(outbox_id, state, now, error=error)

    def block(self, outbox_id: int, user_id: str, person_id: int | None, now: datetime) -> None:
        """403 on a private message: it waits, with every later one, until they open the chat."""
        self.session.execute(
            update(OutboxRow).where(OutboxRow.id == outbox_id).values(claimed_until=None)
        )
        self._state(outbox_id, "blocked", now, error="bot can't initiate conversation")
        statement = (
            self._dialect()
            .insert(TelegramBlockedRow.__table__)
            .values(user_id=user_id, person_id=person_id, blocked_at=now, notified_at=None)
            .on_conflict_do_nothing()
        )
        self.session.execute(statement)

    def sweep_interrupted(self, now: datetime) -> list[int]:
        """Sends a crashed process left in flight: Telegram may have them, so they are
        recorded as uncertain and never sent again (sendMessage has no idempotency key)."""
        ids = list(
            self.session.execute(
                select(OutboxRow.id)
                .join(TelegramDeliveryRow, TelegramDeliveryRow.outbox_id == OutboxRow.id)
                .where(
                    TelegramDeliveryRow.state == "sending",
                    OutboxRow.delivered_at.is_(None),
                    OutboxRow.claimed_until <= now,
                )
            ).scalars()
        )
        for outbox_id in ids:
            self.finish(outbox_id, "uncertain", "interrupted while sending", now)
        return ids

    def states(self) -> dict[str, int]:
        """How many messages are in each delivery state (for tests, benchmarks and logs)."""
        rows = self.session.execute(
            select(TelegramDeliveryRow.state, func.count()).group_by(TelegramDeliveryRow.state)
        ).all()
        return {state: count for state, count in rows}

    # users the bot may not write to yet ------------------------------------------------
    def unnotified(self) -> list[Blocked]:
        rows = self.session.execute(
            select(TelegramBlockedRow)
            .where(TelegramBlockedRow.notified_at.is_(None))
            .order_by(TelegramBlockedRow.blocked_at, TelegramBlockedRow.user_id)
        ).scalars()
        return [Blocked(r.user_id, r.person_id) for r in rows]

    def mark_notified(self, user_ids: list[str], now: datetime) -> None:
        if user_ids:
            self.session.execute(
                update(TelegramBlockedRow)
                .where(TelegramBlockedRow.user_id.in_(user_ids))
                .values(notified_at=now)
            )

    def release(self, user_id: str) -> bool:
        """They opened the private chat: their waiting messages may go now."""
        return (
            self.session.execute(
                delete(TelegramBlockedRow).where(TelegramBlockedRow.user_id == user_id)
            ).rowcount
            > 0
        )

    # the live bond message in each group --------------------------------------------------
    def save_bond_message(
        self,
        chat_id: str,
        number: int,
        message_id: int,
        locale: str,
        context: dict[str, Any],
        now: datetime,
        dirty: bool = False,
    ) -> None:
        values = {
            "message_id": message_id,
            "locale": locale,
            "context": _json(context),
            "dirty": dirty,
            "edited_at": now,
        }
        statement = (
            self._dialect()
            .insert(TelegramBondMessageRow.__table__)
            .values(chat_id=chat_id, issue_number=number, **values)
            .on_conflict_do_update(index_elements=["chat_id", "issue_number"], set_=values)
        )
        self.session.execute(statement)

    def bond_progress(self, chat_ids: list[str], number: int) -> int:
        """The issue changed: its message in these groups needs an edit (batched later)."""
        if not chat_ids:
            return 0
        return self.session.execute(
            update(TelegramBondMessageRow)
            .where(
                TelegramBondMessageRow.chat_id.in_(chat_ids),
                TelegramBondMessageRow.issue_number == number,
            )
            .values(dirty=True)
        ).rowcount

    def dirty_bond_messages(self) -> list[BondMessage]:
        rows = self.session.execute(
            select(TelegramBondMessageRow)
            .where(TelegramBondMessageRow.dirty.is_(True))
            .order_by(TelegramBondMessageRow.id)
        ).scalars()
        return [
            BondMessage(
                r.id,
                r.chat_id,
                r.issue_number,
                r.message_id,
                r.locale,
                json.loads(r.context),
                r.edited_at,
            )
            for r in rows
        ]

    def bond_edited(
        self, bond_message_id: int, context: dict[str, Any] | None, now: datetime
    ) -> None:
        """It shows ``context`` now (None: unchanged, nothing was sent)."""
        values: dict[str, Any] = {"dirty": False}
        if context is not None:
            values.update(context=_json(context), edited_at=now)
        self.session.execute(
            update(TelegramBondMessageRow)
            .where(TelegramBondMessageRow.id == bond_message_id)
            .values(**values)
        )

    def forget_bond_message(self, bond_message_id: int) -> None:
        self.session.execute(
            delete(TelegramBondMessageRow).where(TelegramBondMessageRow.id == bond_message_id)
        )

    # group -> supergroup ------------------------------------------------------------------
    def migrate_chat(self, old: str, new: str) -> bool:
        """A group became a supergroup with a new id: it keeps its commune and everything."""
        if old == new:
            return False
        existing = self.session.execute(
            select(ChatRow).where(ChatRow.platform == PLATFORM, ChatRow.platform_chat_id == new)
        ).scalar_one_or_none()
        moved = 0
        if existing is None:  # else the supergroup was set up on its own: leave both be
            moved = self.session.execute(
                update(ChatRow)
                .where(ChatRow.platform == PLATFORM, ChatRow.platform_chat_id == old)
                .values(platform_chat_id=new)
            ).rowcount
        self.session.execute(
            update(ConversationRow)
            .where(ConversationRow.platform == PLATFORM, ConversationRow.chat_id == old)
            .values(chat_id=new)
        )
        self.session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.platform == PLATFORM,
                OutboxRow.address == old,
                OutboxRow.is_private.is_(False),
                OutboxRow.delivered_at.is_(None),
            )
            .values(address=new)
        )
        self.session.execute(
            update(TelegramBondMessageRow)
            .where(TelegramBondMessageRow.chat_id == old)
            .values(chat_id=new)
        )
        return moved > 0
