"""A member's direct room with the bot: found, created, or remembered from an invite.

A person's Matrix address is their Matrix id; their statements go to a direct
room the bot creates, encrypted, and are sent once they have joined it. The room
is recorded in the database (``uow.matrix``) and, as clients expect, in the bot's
``m.direct`` account data. A member who declines or leaves the room is not
pestered: a new one is made at most every ``NEW_DM_AFTER`` seconds.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from urllib.parse import quote

import aiohttp
from nio import EnableEncryptionBuilder, RoomCreateError, RoomPreset

from bot.clock import real_now
from bot.matrix.context import Context
from bot.matrix.outcomes import TRANSIENT, Later
from bot.matrix.sync import Said, incoming
from bot.transactions import committed
from handlers.incoming import Incoming
from storage.uow import SqlUnitOfWork

log = logging.getLogger("minga.matrix")

DM_RECHECK = timedelta(seconds=30)  # a DM the member has not joined yet: look again
NEW_DM_AFTER = 3600.0  # seconds: a member who left their DM room gets a new one at most this often


def to_incoming(uow: SqlUnitOfWork, message: Said) -> Incoming:
    """A message is private when its room is the sender's DM with the bot."""
    known = uow.matrix.room(message.room_id)
    return incoming(message, private=known is not None and known.dm_user_id == message.sender)


class DirectRooms:
    def __init__(self, context: Context) -> None:
        self.client = context.client
        self.database = context.database
        self.settings = context.settings
        self.clock = context.clock  # recorded with each room
        self._created: dict[str, float] = {}  # user id -> when (monotonic) we made their room

    async def find(self, user_id: str) -> str | Later:
        """The member's joined DM room; else when to look again, creating one."""
        now = real_now()
        known = await committed(self.database, lambda uow: uow.matrix.dm_room(user_id))
        if known is not None:
            room = self.client.rooms.get(known.room_id)
            if room is not None:
                if user_id in room.users and user_id not in room.invited_users:
                    return known.room_id
                if user_id in room.invited_users:
                    return Later(now + DM_RECHECK)  # delivered once they join
            created = self._created.get(user_id)
            if created is not None:
                age = time.monotonic() - created
                if room is None and age < 60:
                    return Later(now + timedelta(seconds=2))  # not in a sync yet
                if room is not None and age < NEW_DM_AFTER:
                    # They declined or left the room we just made: don't pester them.
                    return Later(now + timedelta(seconds=NEW_DM_AFTER - age))
        return await self._create(user_id)

    async def _create(self, user_id: str) -> Later:
        now = real_now()
        try:
            answer = await self.client.room_create(
                is_direct=True,
                invite=[user_id],
                preset=RoomPreset.trusted_private_chat,
                initial_state=[EnableEncryptionBuilder().as_dict()],
            )
        except TRANSIENT as error:
            log.warning("creating a DM room for %s failed (%s)", user_id, error)
            return Later(now + timedelta(seconds=2))
        if isinstance(answer, RoomCreateError):
            if answer.status_code == "M_LIMIT_EXCEEDED":
                wait_ms = answer.retry_after_ms or 5000
                return Later(now + timedelta(milliseconds=wait_ms), pause=True)
            log.warning("cannot create a DM room for %s: %s", user_id, answer)
            return Later(now + DM_RECHECK)
        room_id = answer.room_id
        self._created[user_id] = time.monotonic()

        def remember(uow: SqlUnitOfWork) -> None:
            uow.matrix.save_room(room_id, self.clock(), dm_user_id=user_id, encrypted=True)

        await committed(self.database, remember)
        log.info("created DM room %s for %s", room_id, user_id)
        await self._record_direct(user_id, room_id)
        return Later(now + DM_RECHECK)

    async def joined_invited(self, room_id: str, inviter: str) -> None:
        """The bot joined a room ``inviter`` marked as direct: their DM, unless they have one."""

        def remember(uow: SqlUnitOfWork) -> None:
            if uow.matrix.dm_room(inviter) is None:
                uow.matrix.save_room(room_id, self.clock(), dm_user_id=inviter)

        await committed(self.database, remember)

    async def _record_direct(self, user_id: str, room_id: str) -> None:
        """Add the room to the bot's ``m.direct`` account data, as clients expect."""
        client = self.client
        path = f"/_matrix/client/v3/user/{quote(client.user_id, safe='')}/account_data/m.direct"
        headers = {"Authorization": f"Bearer {client.access_token}"}
        try:
            async with aiohttp.ClientSession() as http:
                async with http.get(self.settings.homeserver + path, headers=headers) as got:
                    direct = await got.json() if got.status == 200 else {}
                rooms = direct.setdefault(user_id, [])
                if room_id not in rooms:
                    rooms.append(room_id)
                async with http.put(
                    self.settings.homeserver + path, headers=headers, json=direct
                ) as put:
                    if put.status != 200:
                        log.warning("m.direct not updated: %s", await put.text())
        except TRANSIENT as error:
            log.warning("m.direct not updated (%s)", error)
