"""The Matrix inbox: what a sync stages there, and handling it from there.

A sync stores three kinds of rows (bot/matrix/receiver.py), as JSON:

- ``message``: the ``Incoming`` the dispatcher gets. ``Dispatcher.handle`` claims
  the row (inbox unique on the event id): a row handled before a crash is not
  handled again.
- ``invite``: joined if the inviter is allowed (``matrix_allow``), else declined;
  a rate limit or a network failure leaves it for the next pass.
- ``encrypted``: a message whose room key had not arrived; tried again each pass,
  handled once decrypted (a vote reaction as its ``!vote``: bot/matrix/reactions.py),
  skipped after ``UNDECRYPTABLE_AFTER`` seconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, replace

from nio import JoinError, MegolmEvent, ReactionEvent, RoomMessageText
from nio.exceptions import EncryptionError

from bot.matrix.context import Context
from bot.matrix.outcomes import TRANSIENT
from bot.matrix.reactions import as_vote
from bot.matrix.rooms import DirectRooms, to_incoming
from bot.matrix.sync import (
    PLATFORM,
    Invited,
    Reacted,
    Staged,
    Undecrypted,
    Unreacted,
    reaction,
    said,
)
from bot.transactions import committed
from handlers.dispatch import Dispatcher
from handlers.incoming import Incoming

log = logging.getLogger("minga.matrix")

UNDECRYPTABLE_AFTER = 600.0  # seconds: give up waiting for a message's room key
BATCH = 200  # stored rows handled per pass


def payload(item: Staged | Incoming) -> str:
    """The inbox row's payload of a staged event (a message as its ``Incoming``)."""
    if isinstance(item, Invited):
        data = {
            "kind": "invite",
            "room_id": item.room_id,
            "inviter": item.inviter,
            "is_direct": item.is_direct,
        }
    elif isinstance(item, Undecrypted):
        data = {"kind": "encrypted", "room_id": item.room_id, "event": item.source}
    elif isinstance(item, Incoming):
        data = {"kind": "message", "incoming": asdict(item)}
    else:
        raise TypeError(f"a message is stored as its Incoming, not {item!r}")
    return json.dumps(data)


def stored(event_id: str, text: str | None) -> Incoming | Invited | Undecrypted | None:
    """What ``payload`` stored; None for anything else (handled as nothing to do)."""
    data = json.loads(text or "{}")
    kind = data.get("kind")
    if kind == "message":
        return Incoming(**data["incoming"])
    if kind == "invite":
        return Invited(event_id, data["room_id"], data["inviter"], bool(data.get("is_direct")))
    if kind == "encrypted":
        return Undecrypted(event_id, data["room_id"], data["event"])
    return None


class Inbox:
    def __init__(
        self,
        context: Context,
        creators: Mapping[str, Collection[str]],
        dispatcher: Dispatcher,
        rooms: DirectRooms,
        hook: Callable[[str], None],
    ) -> None:
        """``creators``: each room's creators, kept by the receiver (they outrank every
        power level from room version 12). ``hook("handled")`` after each message:
        a test raises there to kill the adapter."""
        self.client = context.client
        self.database = context.database
        self.settings = context.settings
        self.clock = context.clock
        self.wake = context.wake  # handling a message may have queued replies
        self.creators = creators
        self.dispatcher = dispatcher
        self.rooms = rooms
        self.hook = hook
        self._undecrypted: dict[str, float] = {}  # event id -> first try (monotonic)

    async def handle_stored(self) -> None:
        """Hand every stored, unhandled event to the handlers, oldest first."""
        rows = await committed(self.database, lambda uow: uow.inbox.unprocessed(PLATFORM, BATCH))
        for event_id, text in rows:
            item = stored(event_id, text)
            if isinstance(item, Incoming):
                await asyncio.to_thread(self.dispatcher.handle, item)
                self.hook("handled")
                self.wake.set()
            elif isinstance(item, Invited):
                if await self._accept_invite(item):
                    await self._mark_handled(event_id)
            elif isinstance(item, Undecrypted):
                await self._handle_encrypted(item)
            else:
                await self._mark_handled(event_id)

    async def _mark_handled(self, event_id: str) -> None:
        await committed(
            self.database,
            lambda uow: uow.inbox.mark_processed(PLATFORM, event_id, self.clock()),
        )

    async def _handle_encrypted(self, item: Undecrypted) -> None:
        """A message whose room key had not arrived when it was stored: try again."""
        client = self.client
        event_id = item.event_id
        event = MegolmEvent.from_dict(item.source)
        event.room_id = item.room_id
        room = client.rooms.get(item.room_id)
        try:
            decrypted = client.decrypt_event(event) if client.olm is not None else None
        except EncryptionError:
            decrypted = None
        if isinstance(decrypted, RoomMessageText) and room is not None:
            self._undecrypted.pop(event_id, None)
            message = replace(said(room, decrypted, self.creators), event_id=event_id)

            def handle() -> None:
                with self.database.unit_of_work() as uow:
                    found = to_incoming(uow, message)
                self.dispatcher.handle(found)

            await asyncio.to_thread(handle)
            self.wake.set()
            return
        if isinstance(decrypted, ReactionEvent) and room is not None:
            self._undecrypted.pop(event_id, None)
            await self._handle_reaction(event_id, reaction(room, decrypted, self.creators))
            return
        if decrypted is not None:  # decrypted, but not a text message
            await self._mark_handled(event_id)
            return
        first = self._undecrypted.setdefault(event_id, time.monotonic())
        if time.monotonic() - first > UNDECRYPTABLE_AFTER:
            log.warning(
                "no room key for %s after %.0fs; skipping it", event_id, UNDECRYPTABLE_AFTER
            )
            self._undecrypted.pop(event_id, None)
            await self._mark_handled(event_id)

    async def _handle_reaction(self, event_id: str, found: Reacted | Unreacted | None) -> None:
        """A reaction decrypted late: the ``!vote`` it stands for, as if it came in a sync."""

        def handle() -> None:
            with self.database.unit_of_work() as uow:
                vote = as_vote(uow, found, self.clock()) if found is not None else None
                if vote is None:
                    uow.inbox.mark_processed(PLATFORM, event_id, self.clock())
                uow.commit()
            if vote is not None:
                self.dispatcher.handle(vote)

        await asyncio.to_thread(handle)
        self.wake.set()

    async def _accept_invite(self, invite: Invited) -> bool:
        """Join if the inviter is allowed, else decline; False: try again later."""
        client = self.client
        room_id, inviter = invite.room_id, invite.inviter
        try:
            if not self.settings.may_invite(inviter):
                log.info("declining %s's invite to %s (not allowed)", inviter, room_id)
                await client.room_leave(room_id)
                return True
            answer = await client.join(room_id)
        except TRANSIENT as error:
            log.warning("joining %s failed (%s); will retry", room_id, error)
            return False
        if isinstance(answer, JoinError):
            if answer.status_code == "M_LIMIT_EXCEEDED":
                return False
            log.warning("cannot join %s: %s", room_id, answer)
            return True  # withdrawn or forbidden: nothing more to do
        log.info("joined %s, invited by %s", room_id, inviter)
        if invite.is_direct:
            await self.rooms.joined_invited(room_id, inviter)
        return True
