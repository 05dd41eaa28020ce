"""Receiving from Matrix: /sync into the inbox, then the inbox into the handlers.

In three durable steps:

1. ``/sync`` from the token saved in the database (never matrix-nio's own: it
   saves a token before anyone has handled the events it covers). matrix-nio
   updates its room state and decrypts what it can; ``bot.matrix.sync`` says
   what the response brought.
2. One transaction stores every event worth handling as an unhandled inbox row
   (``InboxRepository.receive``: commands, anything said in a DM, answers to a
   form in progress, invites, messages not decrypted yet) and the new sync token.
   A crash before the commit syncs again from the old token; after it, the rows
   are there.
3. Each stored row is handled (bot/matrix/inbox.py), before and after each sync.

A vote reaction to a motion's notice, or its redaction, is stored as the ``!vote``
it stands for (bot/matrix/reactions.py).

On the very first start there is no token: the backlog is skipped, invites are
not. A ``limited`` timeline (more events than the sync filter returns) is
completed with ``/messages`` back to the previous token before anything is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from nio import (
    Event,
    LocalProtocolError,
    MessageDirection,
    RoomMessagesError,
    SyncError,
)

from bot.clock import real_now
from bot.matrix import reactions, sync
from bot.matrix.context import Context
from bot.matrix.inbox import Inbox, payload
from bot.matrix.outcomes import MAX_BACKOFF, TRANSIENT
from bot.matrix.rooms import DirectRooms, to_incoming
from bot.transactions import committed
from handlers.dispatch import Dispatcher
from handlers.incoming import Incoming
from handlers.parsing import PREFIXES
from storage.uow import SqlUnitOfWork

log = logging.getLogger("minga.matrix")


class GapNotFilled(RuntimeError):
    """/messages failed while completing a limited timeline: sync again later."""


class SyncRefused(RuntimeError):
    """The homeserver answered /sync with an error; ``retry_after`` seconds, if it said."""

    def __init__(self, answer: SyncError) -> None:
        super().__init__(f"sync refused: {answer}")
        self.retry_after = answer.retry_after_ms / 1000 if answer.retry_after_ms else None


class Receiver:
    def __init__(
        self,
        context: Context,
        dispatcher: Dispatcher,
        rooms: DirectRooms,
        hook: Callable[[str], None],
    ) -> None:
        """``hook(point)`` is called at "synced" (nio has the response, nothing stored),
        "stored" (inbox rows and token committed) and, by the inbox, "handled"."""
        self.client = context.client
        self.database = context.database
        self.settings = context.settings
        self.clock = context.clock
        self.wake = context.wake
        self.synced = context.synced
        self.hook = hook
        self.creators: dict[str, set[str]] = {}  # room id -> its creators
        self.inbox = Inbox(context, self.creators, dispatcher, rooms, hook)

    @property
    def _filter(self) -> dict[str, Any]:
        return {
            "room": {"timeline": {"limit": self.settings.timeline_limit}},
            "presence": {"not_types": ["*"]},
        }

    async def run(self) -> None:
        first = True
        delay = 1.0
        while True:
            try:
                await self.sync_once(first)
                first = False
                delay = 1.0
            except asyncio.CancelledError:
                raise
            except Exception as error:
                wait = getattr(error, "retry_after", None) or delay
                if isinstance(error, TRANSIENT):
                    log.warning("Matrix sync failed (%s); retrying in %.0fs", error, wait)
                else:
                    log.exception("Matrix sync failed; retrying in %.0fs", wait)
                await asyncio.sleep(wait)
                delay = min(delay * 2, MAX_BACKOFF)

    async def sync_once(self, first: bool) -> None:
        client = self.client
        await self.inbox.handle_stored()  # left over from a crash, or waiting for a room key
        me = self.settings.user_id
        since = await committed(self.database, lambda uow: uow.matrix.sync_token(me))
        answer = await client.sync(
            timeout=0 if first else self.settings.sync_timeout_ms,
            sync_filter=self._filter,
            since=since,
            # After a restart nio knows no room: the full state rebuilds it (members,
            # power levels, encryption) while the timeline still starts at ``since``.
            full_state=True if first and since else None,
        )
        if isinstance(answer, SyncError):
            raise SyncRefused(answer)
        self.creators.update(sync.room_creators(answer))
        self.hook("synced")
        filled = {
            room_id: await self._fill_gap(room_id, prev_batch, since)
            for room_id, prev_batch in sync.gaps(answer, since).items()
        }
        found = sync.classify(answer, client.user_id, since, client.rooms, self.creators, filled)
        await committed(self.database, lambda uow: self._store(uow, found))
        self.hook("stored")
        await self._keys_housekeeping()
        self.synced.set()
        self.wake.set()
        await self.inbox.handle_stored()

    async def _keys_housekeeping(self) -> None:
        client = self.client
        if client.olm is None:
            return
        with contextlib.suppress(LocalProtocolError):
            if client.should_upload_keys:
                await client.keys_upload()
            if client.should_query_keys:
                await client.keys_query()
            if client.should_claim_keys:
                await client.keys_claim(client.get_users_for_key_claiming())
        await client.send_to_device_messages()

    async def _fill_gap(self, room_id: str, prev_batch: str, since: str | None) -> list[Event]:
        """The events a limited timeline left out, oldest first, back to ``since``."""
        found: list[Event] = []
        start = prev_batch
        for _ in range(1000):
            answer = await self.client.room_messages(
                room_id, start=start, end=since, direction=MessageDirection.back, limit=100
            )
            if isinstance(answer, RoomMessagesError):
                raise GapNotFilled(f"/messages in {room_id}: {answer}")
            found.extend(answer.chunk)
            if not answer.chunk or not answer.end or answer.end == start:
                break
            start = answer.end
        found.reverse()
        log.info("filled a gap of %d events in %s", len(found), room_id)
        return found

    def _store(self, uow: SqlUnitOfWork, found: sync.Classified) -> None:
        """One transaction: the inbox rows of this sync's events, and its token."""
        now = self.clock()
        for room_id in found.encrypted_rooms:
            uow.matrix.save_room(room_id, now, encrypted=True)
        talking: set[tuple[str, str]] = set()  # (room, sender) who sent a command
        for item in found.staged:
            stored: sync.Staged | Incoming = item
            if isinstance(item, sync.Reacted | sync.Unreacted):
                vote = reactions.as_vote(uow, item, now)
                if vote is None:
                    continue
                stored = vote
            elif isinstance(item, sync.Said):
                stored = to_incoming(uow, item)
                if not _worth_handling(uow, stored, talking):
                    continue
                talking.add((stored.chat_id, stored.user_id))
            uow.inbox.receive(sync.PLATFORM, item.event_id, payload(stored), now)
        for join in found.joins:
            known = uow.matrix.room(join.room_id)
            if known is not None and known.dm_user_id == join.user_id:
                uow.matrix.wake(sync.PLATFORM, join.user_id, real_now())
        uow.matrix.save_sync_token(self.settings.user_id, found.next_batch, now)


def _worth_handling(uow: SqlUnitOfWork, msg: Incoming, talking: set[tuple[str, str]]) -> bool:
    """Commands, anything said in a DM, and answers to a form in progress.

    Other chatter in a group is never stored.
    """
    if msg.chat_is_private or msg.text.strip()[:1] in PREFIXES:
        return True
    if (msg.chat_id, msg.user_id) in talking:  # a form begun earlier in this sync
        return True
    return uow.conversations.get(sync.PLATFORM, msg.chat_id, msg.user_id) is not None
