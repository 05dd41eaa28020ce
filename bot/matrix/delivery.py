"""The outbox to Matrix: claimed with a lease, sent once, in order per address.

The outbox rows of platform ``matrix`` are claimed with a lease, sent with a
transaction id of their own (bot/matrix/messages.py; the device is kept across
restarts, so a retried send yields one event), and marked delivered. With
``matrix_merge_notices`` (off by default) a group's waiting rows go as one
notice. A group's address is its room; a person's is their Matrix id, and their
rows wait until their direct room is joined (bot/matrix/rooms.py). Nothing is
ever sent unencrypted into an encrypted room. A row with a file (/export, /chart)
goes alone: its notice, then the file (bot/matrix/files.py).
``M_LIMIT_EXCEEDED`` puts the message back (``OutboxRepository.release``) until
``retry_after_ms`` or the ``Retry-After`` header allow, and pauses sending until then.

Trust policy for end-to-end encryption: the bot encrypts for every device of the
room's members, verified or not (as Element does by default; the bot cannot
verify anyone interactively), and decrypts what any of their devices send. A
device whose identity key changes under the same id is refused by matrix-nio.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime, timedelta

from nio import LocalProtocolError, RoomSendResponse
from nio.exceptions import EncryptionError, OlmUnverifiedDeviceError, SendRetryError

from bot.clock import real_now
from bot.matrix.context import Context
from bot.matrix.files import send_file
from bot.matrix.messages import batch_transaction_id, coalesced, merged_notice
from bot.matrix.outcomes import TRANSIENT, Delivered, Later, Outcome, refused
from bot.matrix.rooms import DirectRooms
from bot.matrix.sync import PLATFORM
from bot.transactions import committed
from handlers.attachments import carries_file
from handlers.ballots import TEMPLATE as BALLOT
from storage.repositories.messaging import PendingMessage
from storage.uow import SqlUnitOfWork

log = logging.getLogger("minga.matrix")

LEASE = timedelta(minutes=2)  # a claimed message is ours this long
ROOM_RECHECK = timedelta(seconds=30)  # a group room the bot is not (yet) in
ENCRYPTION_RECHECK = timedelta(seconds=5)  # an encrypted room nio has not caught up with


def _held_back(uow: SqlUnitOfWork, message: PendingMessage) -> datetime | None:
    """When an earlier message to the same address is still waiting, wait with it."""
    return uow.matrix.earlier_waiting(PLATFORM, message.address, message.id)


class Deliverer:
    def __init__(
        self,
        context: Context,
        rooms: DirectRooms,
        poll_seconds: float,
    ) -> None:
        """Nothing goes before the first sync: rooms, members and encryption are known
        after it. The outbox is looked at when woken, else every ``poll_seconds``."""
        self.client = context.client
        self.database = context.database
        self.clock = context.clock  # stamps what was delivered
        self.wake = context.wake
        self.synced = context.synced
        self.rooms = rooms
        self.poll_seconds = poll_seconds
        self.merge = context.settings.merge_notices  # a group's waiting rows as one
        self._paused_until = 0.0

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=self.poll_seconds)
            self.wake.clear()
            if not self.synced.is_set():
                continue
            pause = self._paused_until - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            try:
                await self.deliver_batch()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Matrix delivery failed; retrying")
                await asyncio.sleep(1)

    # the outbox ------------------------------------------------------------------------
    @staticmethod
    def _claim(uow: SqlUnitOfWork) -> list[PendingMessage]:
        return uow.outbox.claim(PLATFORM, real_now(), LEASE, limit=50)

    def _finish(self, uow: SqlUnitOfWork, message: PendingMessage, outcome: Outcome) -> None:
        if isinstance(outcome, Delivered):
            uow.outbox.mark_delivered([message.id], self.clock())
            if message.template == BALLOT and outcome.event_id and outcome.room_id:
                # a reaction to this notice is a vote (bot/matrix/reactions.py)
                ballot = message.context["ballot"]
                uow.matrix.save_ballot(outcome.event_id, outcome.room_id, ballot, self.clock())
        else:
            uow.outbox.release([message.id], outcome.not_before)

    def _release_now(self, ids: list[int]) -> None:
        if ids:
            with self.database.unit_of_work() as uow:
                uow.outbox.release(ids, real_now())
                uow.commit()

    async def deliver_batch(self) -> None:
        """Send what was claimed, a notice at a time; what is left goes back at once."""
        claiming = asyncio.ensure_future(committed(self.database, self._claim))
        try:
            claimed = await asyncio.shield(claiming)
        except asyncio.CancelledError:
            # Stopped while claiming: the claim still commits, so give it back.
            with contextlib.suppress(Exception):
                ids = [m.id for m in await claiming]
                await asyncio.to_thread(self._release_now, ids)
            raise
        remaining = list(claimed)
        try:
            while remaining:
                batch = coalesced(remaining) if self.merge else remaining[:1]
                message = batch[0]
                held = await committed(self.database, lambda uow, m=message: _held_back(uow, m))
                if held is not None:
                    outcome: Outcome = Later(max(held, real_now() + timedelta(seconds=1)))
                else:
                    outcome = await self._send(batch)
                for sent in batch:
                    await committed(
                        self.database, lambda uow, m=sent, o=outcome: self._finish(uow, m, o)
                    )
                    remaining.remove(sent)
                if isinstance(outcome, Later) and outcome.pause:
                    wait = (outcome.not_before - real_now()).total_seconds()
                    self._paused_until = time.monotonic() + max(0.0, wait)
                    break
        finally:
            if remaining:  # paused, stopped or failed: give the rest back at once
                self._release_now([m.id for m in remaining])

    # one notice ------------------------------------------------------------------------
    async def _send(self, batch: list[PendingMessage]) -> Outcome:
        """One notice for the batch: one row, or a group's waiting ones (bot/coalesce.py)."""
        message = batch[0]
        client = self.client
        now = real_now()
        if message.is_private:
            found = await self.rooms.find(message.address)
            if isinstance(found, Later):
                return found
            room_id = found
        else:
            room_id = message.address
        room = client.rooms.get(room_id)
        if room is None:
            return Later(now + ROOM_RECHECK)  # not joined, or gone
        known = await committed(self.database, lambda uow: uow.matrix.room(room_id))
        known_encrypted = known is not None and known.encrypted
        must_encrypt = known_encrypted or room.encrypted or room_id in client.encrypted_rooms
        if must_encrypt and (client.olm is None or not room.encrypted):
            log.warning("%s is encrypted but nio does not know it yet: holding back", room_id)
            return Later(now + ENCRYPTION_RECHECK)
        content = merged_notice(batch)
        later: Later | None = None
        try:
            answer = await client.room_send(
                room_id,
                "m.room.message",
                content,
                tx_id=batch_transaction_id(batch),
                ignore_unverified_devices=True,  # the trust policy: see the module's doc
            )
            if isinstance(answer, RoomSendResponse) and carries_file(message.context):
                # the notice was the file's caption; now the file (bot/matrix/files.py)
                later = await send_file(
                    client, self.database, message, room_id, batch_transaction_id(batch), now
                )
        except TRANSIENT as error:
            log.warning("sending outbox #%s failed (%s); will retry", message.id, error)
            return Later(now + timedelta(seconds=2))
        except (LocalProtocolError, OlmUnverifiedDeviceError, SendRetryError, EncryptionError):
            log.exception("cannot encrypt outbox #%s for %s yet", message.id, room_id)
            return Later(now + timedelta(seconds=5))
        if not isinstance(answer, RoomSendResponse):
            return refused(f"outbox #{message.id}", answer, now)
        return later or Delivered(answer.event_id, room_id)
