"""The Matrix adapter: /sync into the inbox, the inbox into the handlers, the outbox out.

Receiving, in three durable steps:

1. ``/sync`` from the token saved in the database (never matrix-nio's own: it
   saves a token before anyone has handled the events it covers). matrix-nio
   updates its room state and decrypts what it can.
2. One transaction stores every event worth handling as an unhandled inbox row
   (``InboxRepository.receive``: commands, answers to a form in progress,
   invites, messages not decrypted yet) and the new sync token. A crash before
   the commit syncs again from the old token; after it, the rows are there.
3. Each stored row goes to ``Dispatcher.handle``, which claims it (inbox unique on
   the event id): a row handled before a crash is not handled again.

On the very first start there is no token: the backlog is skipped, invites are
not. A ``limited`` timeline (more events than the sync filter returns) is
completed with ``/messages`` back to the previous token before anything is stored.

Sending: the outbox rows of platform ``matrix`` are claimed with a lease, sent
with the row's id as the transaction id (the device is kept across restarts, so
a retried send yields one event), and marked delivered. A group's address is
its room; a person's is their Matrix id, and their statements go to a direct
room the bot creates, encrypted, and sends to once they have joined. Nothing is
ever sent unencrypted into an encrypted room. ``M_LIMIT_EXCEEDED`` puts the
message back (``OutboxRepository.release``) until ``retry_after_ms`` or the
``Retry-After`` header allow, and pauses sending until then.

Trust policy for end-to-end encryption: the bot encrypts for every device of the
room's members, verified or not (as Element does by default; the bot cannot
verify anyone interactively), and decrypts what any of their devices send. A
device whose identity key changes under the same id is refused by matrix-nio.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    EnableEncryptionBuilder,
    ErrorResponse,
    InviteMemberEvent,
    JoinError,
    LocalProtocolError,
    LoginResponse,
    MegolmEvent,
    MessageDirection,
    RoomCreateError,
    RoomCreateEvent,
    RoomMemberEvent,
    RoomMessagesError,
    RoomMessageText,
    RoomPreset,
    RoomSendResponse,
    SyncError,
    WhoamiResponse,
)
from nio.exceptions import EncryptionError, OlmUnverifiedDeviceError, SendRetryError

from bot import coalesce
from bot.matrix.messages import notice_content, render_both
from bot.matrix.settings import MatrixSettings
from handlers.dispatch import Dispatcher
from handlers.incoming import Incoming
from handlers.parsing import PREFIXES
from storage.repositories.messaging import PendingMessage
from storage.uow import Database

log = logging.getLogger("minga.matrix")

PLATFORM = "matrix"
ADMIN_POWER = 50  # Element's "Moderator": may run !setup
LEASE = timedelta(minutes=2)  # a claimed message is ours this long
DM_RECHECK = timedelta(seconds=30)  # a DM the member has not joined yet: look again
ROOM_RECHECK = timedelta(seconds=30)  # a group room the bot is not (yet) in
ENCRYPTION_RECHECK = timedelta(seconds=5)  # an encrypted room nio has not caught up with
NEW_DM_AFTER = 3600.0  # seconds: a member who left their DM room gets a new one at most this often
UNDECRYPTABLE_AFTER = 600.0  # seconds: give up waiting for a message's room key
MAX_BACKOFF = 60.0
# Room versions in which creators are ordinary users with a power level.
LEGACY_ROOM_VERSIONS = frozenset(str(version) for version in range(1, 12))

# Network failures that mean "try again later", never "this message is bad".
TRANSIENT = (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError, ConnectionError)


def real_now() -> datetime:
    return datetime.now(UTC)


class GapNotFilled(RuntimeError):
    """/messages failed while completing a limited timeline: sync again later."""


class MingaClient(AsyncClient):
    """matrix-nio's client, reading the ``Retry-After`` header of a 429 too.

    It also remembers each room's creators: from room version 12 on they outrank
    every power level and are no longer listed in ``m.room.power_levels``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.creators: dict[str, set[str]] = {}

    async def _handle_joined_rooms(self, response: Any) -> None:
        for room_id, info in response.rooms.join.items():
            for event in [*info.state, *info.timeline.events]:
                if isinstance(event, RoomCreateEvent):
                    content = event.source.get("content", {})
                    extra = content.get("additional_creators") or []
                    self.creators[room_id] = {event.sender, *extra}
        await super()._handle_joined_rooms(response)

    def power_level(self, room: Any, user_id: str) -> float:
        """The user's power in the room; a creator's is infinite from room version 12."""
        if room.room_version not in LEGACY_ROOM_VERSIONS and user_id in self.creators.get(
            room.room_id, ()
        ):
            return float("inf")
        return room.power_levels.get_user_level(user_id)

    async def create_matrix_response(
        self, response_class, transport_response, data=None, save_to=None
    ):  # type: ignore[no-untyped-def]
        response = await super().create_matrix_response(
            response_class, transport_response, data, save_to
        )
        if (
            isinstance(response, ErrorResponse)
            and transport_response.status == 429
            and not response.retry_after_ms
        ):
            response.retry_after_ms = retry_after_header(
                transport_response.headers.get("Retry-After")
            )
        return response


def retry_after_header(value: str | None) -> int | None:
    """Milliseconds from a ``Retry-After`` header: seconds, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value) * 1000
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0, int((moment - real_now()).total_seconds() * 1000))


@dataclass(frozen=True)
class Later:
    """Not sent now: deliverable again from ``not_before``; ``pause`` stops all sending."""

    not_before: datetime
    pause: bool = False


Delivered = object()


class MatrixAdapter:
    name = "matrix"

    def __init__(
        self,
        database: Database,
        settings: MatrixSettings,
        clock: Callable[[], datetime] = real_now,
        hook: Callable[[str], None] | None = None,
        poll_seconds: float = 1.0,
    ) -> None:
        """``clock`` is the handlers' time (tests move it); leases and waits use real time.

        ``hook(point)`` is called at "synced" (nio has the response, nothing stored),
        "stored" (inbox rows and token committed) and "handled" (after each
        message): a test raises there to kill the adapter mid-way.
        """
        self.database = database
        self.settings = settings
        self.clock = clock
        self.hook = hook or (lambda point: None)
        self.poll_seconds = poll_seconds
        self.dispatcher = Dispatcher(database.unit_of_work, clock, settings.flood)
        self.client: MingaClient | None = None
        self.synced = asyncio.Event()  # the first sync of this process is absorbed
        self.failure: BaseException | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._paused_until = 0.0
        self._undecrypted: dict[str, float] = {}
        self._dm_created: dict[str, float] = {}

    # lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="matrix")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception, BaseException):
                await self._task
            self._task = None
        if self.client is not None:
            await self.client.close()

    def wake(self) -> None:
        """Look at the outbox now (e.g. after the scheduler queued statements)."""
        self._wake.set()

    async def _run(self) -> None:
        loops: list[asyncio.Task[None]] = []
        try:
            self.client = await self._login_until_done()
            loops = [
                asyncio.create_task(self._sync_loop(), name="matrix-sync"),
                asyncio.create_task(self._delivery_loop(), name="matrix-delivery"),
            ]
            done, _ = await asyncio.wait(loops, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()
        except asyncio.CancelledError:
            raise
        except BaseException as error:  # a test's simulated kill, or a bug
            self.failure = error
            log.error("the Matrix adapter stopped: %r", error)
            raise
        finally:
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)

    # logging in --------------------------------------------------------------------------
    @property
    def _session_file(self) -> Path:
        return self.settings.store / "session.json"

    def _new_client(self) -> MingaClient:
        store = self.settings.store
        store.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            store.chmod(0o700)
        config = AsyncClientConfig(
            encryption_enabled=True,
            store_sync_tokens=False,  # ours go in the database, with the events
            pickle_key=self.settings.pickle_key,
            max_limit_exceeded=0,  # a 429 comes back to us: we release and wait
            max_timeouts=0,  # a network failure too: we back off ourselves
            request_timeout=30,
        )
        return MingaClient(
            self.settings.homeserver, self.settings.user_id, store_path=str(store), config=config
        )

    async def _login_until_done(self) -> MingaClient:
        delay = 1.0
        while True:
            try:
                return await self._login()
            except TRANSIENT as error:
                log.warning("cannot reach %s (%s); retrying", self.settings.homeserver, error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF)

    async def _login(self) -> MingaClient:
        """Restore the saved login (same device: same keys, same transaction ids)."""
        settings = self.settings
        client = self._new_client()
        saved = self._load_session()
        if saved is not None:
            client.restore_login(saved["user_id"], saved["device_id"], saved["access_token"])
            answer = await client.whoami()
            if isinstance(answer, WhoamiResponse):
                await self._upload_keys(client)
                return client
            log.warning("the saved Matrix login no longer works: %s", answer)
            await client.close()
            client = self._new_client()
            client.device_id = saved["device_id"]  # log in again on the same device
        if settings.token and (saved is None or saved.get("access_token") != settings.token):
            client.access_token = settings.token
            answer = await client.whoami()
            if not isinstance(answer, WhoamiResponse):
                await client.close()
                raise RuntimeError(f"MINGA_MATRIX_TOKEN was refused: {answer}")
            client.restore_login(answer.user_id, answer.device_id, settings.token)
        elif settings.password:
            answer = await client.login(settings.password, device_name=settings.device_name)
            if not isinstance(answer, LoginResponse):
                await client.close()
                raise RuntimeError(f"logging in as {settings.user_id} failed: {answer}")
        else:
            await client.close()
            raise RuntimeError("the saved Matrix login is gone and no password is configured")
        self._save_session(client)
        await self._upload_keys(client)
        return client

    def _load_session(self) -> dict[str, str] | None:
        try:
            saved = json.loads(self._session_file.read_text())
        except (OSError, ValueError):
            return None
        if saved.get("user_id") != self.settings.user_id:
            return None
        if saved.get("homeserver") != self.settings.homeserver:
            return None
        return saved

    def _save_session(self, client: AsyncClient) -> None:
        data = {
            "homeserver": self.settings.homeserver,
            "user_id": client.user_id,
            "device_id": client.device_id,
            "access_token": client.access_token,
        }
        temporary = self._session_file.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            json.dump(data, out)
        temporary.replace(self._session_file)

    async def _upload_keys(self, client: AsyncClient) -> None:
        if client.olm is not None and client.should_upload_keys:
            await client.keys_upload()

    # receiving ---------------------------------------------------------------------------
    @property
    def _filter(self) -> dict[str, Any]:
        return {
            "room": {"timeline": {"limit": self.settings.timeline_limit}},
            "presence": {"not_types": ["*"]},
        }

    async def _sync_loop(self) -> None:
        assert self.client is not None
        first = True
        delay = 1.0
        while True:
            try:
                await self._sync_once(first)
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

    async def _sync_once(self, first: bool) -> None:
        client = self.client
        assert client is not None
        await self._handle_stored()  # left over from a crash, or waiting for a room key
        since = await asyncio.to_thread(self._saved_token)
        answer = await client.sync(
            timeout=0 if first else self.settings.sync_timeout_ms,
            sync_filter=self._filter,
            since=since,
            # After a restart nio knows no room: the full state rebuilds it (members,
            # power levels, encryption) while the timeline still starts at ``since``.
            full_state=True if first and since else None,
        )
        if isinstance(answer, SyncError):
            error = RuntimeError(f"sync refused: {answer}")
            if answer.retry_after_ms:
                error.retry_after = answer.retry_after_ms / 1000  # type: ignore[attr-defined]
            raise error
        self.hook("synced")
        staged, joins, encrypted = await self._collect(answer, since)
        await asyncio.to_thread(self._store, answer.next_batch, staged, joins, encrypted)
        self.hook("stored")
        await self._keys_housekeeping()
        self.synced.set()
        self._wake.set()
        await self._handle_stored()

    def _saved_token(self) -> str | None:
        with self.database.unit_of_work() as uow:
            return uow.matrix.sync_token(self.settings.user_id)

    async def _keys_housekeeping(self) -> None:
        client = self.client
        assert client is not None
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

    async def _collect(
        self, answer: Any, since: str | None
    ) -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, str]], set[str]]:
        """What this sync brought: events to store, members who joined, encrypted rooms."""
        client = self.client
        assert client is not None
        me = client.user_id
        staged: list[tuple[str, dict[str, Any]]] = []
        joins: list[tuple[str, str]] = []
        encrypted = {room_id for room_id, room in client.rooms.items() if room.encrypted}
        for room_id, info in answer.rooms.invite.items():
            for event in info.invite_state:
                if (
                    isinstance(event, InviteMemberEvent)
                    and event.state_key == me
                    and event.membership == "invite"
                ):
                    staged.append(
                        (
                            f"invite:{room_id}:{answer.next_batch}",
                            {
                                "kind": "invite",
                                "room_id": room_id,
                                "inviter": event.sender,
                                "is_direct": bool(event.content.get("is_direct")),
                            },
                        )
                    )
        if since is None:
            return staged, joins, encrypted  # first start: the backlog is not for us
        for room_id, info in answer.rooms.join.items():
            events = list(info.timeline.events)
            if info.timeline.limited and info.timeline.prev_batch:
                events = await self._fill_gap(room_id, info.timeline.prev_batch, since) + events
            # Whatever happened in a room before the bot joined it is not for us.
            for index in range(len(events) - 1, -1, -1):
                event = events[index]
                if (
                    isinstance(event, RoomMemberEvent)
                    and event.state_key == me
                    and event.membership == "join"
                    and event.prev_membership != "join"
                ):
                    events = events[index + 1 :]
                    break
            room = client.rooms.get(room_id)
            for event in events:
                if event.sender == me:
                    continue
                if isinstance(event, RoomMemberEvent):
                    if event.membership == "join" and event.prev_membership != "join":
                        joins.append((room_id, event.state_key))
                elif isinstance(event, RoomMessageText) and room is not None:
                    if _is_edit(event.source):
                        continue
                    staged.append((event.event_id, self._message(room, event)))
                elif isinstance(event, MegolmEvent):
                    staged.append(
                        (
                            event.event_id,
                            {"kind": "encrypted", "room_id": room_id, "event": event.source},
                        )
                    )
        return staged, joins, encrypted

    async def _fill_gap(self, room_id: str, prev_batch: str, since: str) -> list[Any]:
        """The events a limited timeline left out, oldest first, back to ``since``."""
        client = self.client
        assert client is not None
        found: list[Any] = []
        start = prev_batch
        for _ in range(1000):
            answer = await client.room_messages(
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

    def _message(self, room: Any, event: RoomMessageText) -> dict[str, Any]:
        sender = event.sender
        name = room.user_name(sender) or sender.split(":", 1)[0].lstrip("@")
        return {
            "kind": "message",
            "room_id": room.room_id,
            "sender": sender,
            "name": name,
            "title": room.display_name,
            "admin": self.client.power_level(room, sender) >= ADMIN_POWER,
            "text": event.body,
        }

    def _incoming(self, uow: Any, event_id: str, data: dict[str, Any]) -> Incoming:
        known = uow.matrix.room(data["room_id"])
        private = known is not None and known.dm_user_id == data["sender"]
        return Incoming(
            platform=PLATFORM,
            message_id=event_id,
            chat_id=data["room_id"],
            chat_is_private=private,
            user_id=data["sender"],
            user_name=data["name"],
            text=data["text"],
            chat_title="" if private else data["title"],
            sender_is_platform_admin=bool(data["admin"]) and not private,
        )

    def _store(
        self,
        next_batch: str,
        staged: list[tuple[str, dict[str, Any]]],
        joins: list[tuple[str, str]],
        encrypted: set[str],
    ) -> None:
        """One transaction: the inbox rows of this sync's events, and its token."""
        now = self.clock()
        with self.database.unit_of_work() as uow:
            for room_id in encrypted:
                uow.matrix.save_room(room_id, now, encrypted=True)
            talking: set[tuple[str, str]] = set()  # (room, sender) who sent a command
            for event_id, data in staged:
                if data["kind"] == "message":
                    incoming = self._incoming(uow, event_id, data)
                    if not self._worth_handling(uow, incoming, talking):
                        continue
                    talking.add((incoming.chat_id, incoming.user_id))
                    data = {"kind": "message", "incoming": asdict(incoming)}
                uow.inbox.receive(PLATFORM, event_id, json.dumps(data), now)
            for room_id, user_id in joins:
                known = uow.matrix.room(room_id)
                if known is not None and known.dm_user_id == user_id:
                    uow.matrix.wake(PLATFORM, user_id, real_now())
            uow.matrix.save_sync_token(self.settings.user_id, next_batch, now)
            uow.commit()

    @staticmethod
    def _worth_handling(uow: Any, msg: Incoming, talking: set[tuple[str, str]]) -> bool:
        """Commands, anything said in a DM, and answers to a form in progress.

        Other chatter in a group is never stored.
        """
        if msg.chat_is_private or msg.text.strip()[:1] in PREFIXES:
            return True
        if (msg.chat_id, msg.user_id) in talking:  # a form begun earlier in this sync
            return True
        return uow.conversations.get(PLATFORM, msg.chat_id, msg.user_id) is not None

    async def _handle_stored(self) -> None:
        """Hand every stored, unhandled event to the handlers, oldest first."""
        rows = await asyncio.to_thread(self._unhandled)
        for event_id, payload in rows:
            data = json.loads(payload or "{}")
            kind = data.get("kind")
            if kind == "message":
                await asyncio.to_thread(self.dispatcher.handle, Incoming(**data["incoming"]))
                self.hook("handled")
                self._wake.set()
            elif kind == "invite":
                if await self._accept_invite(data):
                    await asyncio.to_thread(self._mark_handled, event_id)
            elif kind == "encrypted":
                await self._handle_encrypted(event_id, data)
            else:
                await asyncio.to_thread(self._mark_handled, event_id)

    def _unhandled(self) -> list[tuple[str, str | None]]:
        with self.database.unit_of_work() as uow:
            return uow.inbox.unprocessed(PLATFORM, limit=200)

    def _mark_handled(self, event_id: str) -> None:
        with self.database.unit_of_work() as uow:
            uow.inbox.mark_processed(PLATFORM, event_id, self.clock())
            uow.commit()

    async def _handle_encrypted(self, event_id: str, data: dict[str, Any]) -> None:
        """A message whose room key had not arrived when it was stored: try again."""
        client = self.client
        assert client is not None
        event = MegolmEvent.from_dict(data["event"])
        event.room_id = data["room_id"]
        room = client.rooms.get(data["room_id"])
        try:
            decrypted = client.decrypt_event(event) if client.olm is not None else None
        except EncryptionError:
            decrypted = None
        if isinstance(decrypted, RoomMessageText) and room is not None:
            self._undecrypted.pop(event_id, None)
            message = self._message(room, decrypted)

            def handle() -> None:
                with self.database.unit_of_work() as uow:
                    incoming = self._incoming(uow, event_id, message)
                self.dispatcher.handle(incoming)

            await asyncio.to_thread(handle)
            self._wake.set()
            return
        if decrypted is not None:  # decrypted, but not a text message
            await asyncio.to_thread(self._mark_handled, event_id)
            return
        first = self._undecrypted.setdefault(event_id, time.monotonic())
        if time.monotonic() - first > UNDECRYPTABLE_AFTER:
            log.warning(
                "no room key for %s after %.0fs; skipping it", event_id, UNDECRYPTABLE_AFTER
            )
            self._undecrypted.pop(event_id, None)
            await asyncio.to_thread(self._mark_handled, event_id)

    async def _accept_invite(self, data: dict[str, Any]) -> bool:
        """Join if the inviter is allowed, else decline; False: try again later."""
        client = self.client
        assert client is not None
        room_id, inviter = data["room_id"], data["inviter"]
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
        if data.get("is_direct"):

            def remember() -> None:
                with self.database.unit_of_work() as uow:
                    if uow.matrix.dm_room(inviter) is None:
                        uow.matrix.save_room(room_id, self.clock(), dm_user_id=inviter)
                        uow.commit()

            await asyncio.to_thread(remember)
        return True

    # sending -----------------------------------------------------------------------------
    async def _delivery_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            self._wake.clear()
            if not self.synced.is_set():
                continue  # rooms, members and encryption are known after the first sync
            pause = self._paused_until - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            try:
                await self._deliver_batch()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Matrix delivery failed; retrying")
                await asyncio.sleep(1)

    def _claim(self) -> list[PendingMessage]:
        with self.database.unit_of_work() as uow:
            claimed = uow.outbox.claim(PLATFORM, real_now(), LEASE, limit=50)
            uow.commit()
            return claimed

    def _finish(self, message_id: int, outcome: object) -> None:
        with self.database.unit_of_work() as uow:
            if outcome is Delivered:
                uow.outbox.mark_delivered([message_id], self.clock())
            else:
                assert isinstance(outcome, Later)
                uow.outbox.release([message_id], outcome.not_before)
            uow.commit()

    def _held_back(self, message: PendingMessage) -> datetime | None:
        """When an earlier message to the same address is still waiting, wait with it."""
        with self.database.unit_of_work() as uow:
            return uow.matrix.earlier_waiting(PLATFORM, message.address, message.id)

    async def _deliver_batch(self) -> None:
        claiming = asyncio.ensure_future(asyncio.to_thread(self._claim))
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
                batch = coalesced(remaining) if self.settings.merge_notices else remaining[:1]
                message = batch[0]
                held = await asyncio.to_thread(self._held_back, message)
                if held is not None:
                    outcome: object = Later(max(held, real_now() + timedelta(seconds=1)))
                else:
                    outcome = await self._send(batch)
                for sent in batch:
                    await asyncio.to_thread(self._finish, sent.id, outcome)
                    remaining.remove(sent)
                if isinstance(outcome, Later) and outcome.pause:
                    wait = (outcome.not_before - real_now()).total_seconds()
                    self._paused_until = time.monotonic() + max(0.0, wait)
                    break
        finally:
            if remaining:  # paused, stopped or failed: give the rest back at once
                self._release_now([m.id for m in remaining])

    def _release_now(self, ids: list[int]) -> None:
        if ids:
            with self.database.unit_of_work() as uow:
                uow.outbox.release(ids, real_now())
                uow.commit()

    async def _send(self, batch: list[PendingMessage]) -> object:
        """One notice for the batch (bot/coalesce.py): one row, or a group's waiting ones."""
        message = batch[0]
        client = self.client
        assert client is not None
        now = real_now()
        if message.is_private:
            room_id, wait = await self._direct_room(message.address)
            if room_id is None:
                return wait
        else:
            room_id = message.address
        room = client.rooms.get(room_id)
        if room is None:
            return Later(now + ROOM_RECHECK)  # not joined, or gone
        known = await asyncio.to_thread(self._known_room, room_id)
        must_encrypt = known or room.encrypted or room_id in client.encrypted_rooms
        if must_encrypt and (client.olm is None or not room.encrypted):
            log.warning("%s is encrypted but nio does not know it yet: holding back", room_id)
            return Later(now + ENCRYPTION_RECHECK)
        content = merged_notice(batch)
        try:
            answer = await client.room_send(
                room_id,
                "m.room.message",
                content,
                tx_id=batch_transaction_id(batch),
                ignore_unverified_devices=True,  # the trust policy: see the module's doc
            )
        except TRANSIENT as error:
            log.warning("sending outbox #%s failed (%s); will retry", message.id, error)
            return Later(now + timedelta(seconds=2))
        except (LocalProtocolError, OlmUnverifiedDeviceError, SendRetryError, EncryptionError):
            log.exception("cannot encrypt outbox #%s for %s yet", message.id, room_id)
            return Later(now + timedelta(seconds=5))
        if isinstance(answer, RoomSendResponse):
            return Delivered
        return self._refused(message, answer, now)

    def _refused(self, message: PendingMessage, answer: Any, now: datetime) -> Later:
        if getattr(answer, "status_code", None) == "M_LIMIT_EXCEEDED":
            wait_ms = answer.retry_after_ms or 5000
            log.info("rate limited by the homeserver for %sms", wait_ms)
            return Later(now + timedelta(milliseconds=wait_ms), pause=True)
        log.warning("the homeserver refused outbox #%s: %s", message.id, answer)
        return Later(now + timedelta(seconds=30))

    def _known_room(self, room_id: str) -> bool:
        with self.database.unit_of_work() as uow:
            known = uow.matrix.room(room_id)
            return known is not None and known.encrypted

    async def _direct_room(self, user_id: str) -> tuple[str | None, Later]:
        """The member's joined DM room; else (None, when to look again), creating one."""
        client = self.client
        assert client is not None
        now = real_now()

        def lookup() -> Any:
            with self.database.unit_of_work() as uow:
                return uow.matrix.dm_room(user_id)

        known = await asyncio.to_thread(lookup)
        if known is not None:
            room = client.rooms.get(known.room_id)
            if room is not None:
                if user_id in room.users and user_id not in room.invited_users:
                    return known.room_id, Later(now)
                if user_id in room.invited_users:
                    return None, Later(now + DM_RECHECK)  # delivered once they join
            created = self._dm_created.get(user_id)
            if created is not None:
                age = time.monotonic() - created
                if room is None and age < 60:
                    return None, Later(now + timedelta(seconds=2))  # not in a sync yet
                if room is not None and age < NEW_DM_AFTER:
                    # They declined or left the room we just made: don't pester them.
                    return None, Later(now + timedelta(seconds=NEW_DM_AFTER - age))
        return None, await self._create_direct_room(user_id)

    async def _create_direct_room(self, user_id: str) -> Later:
        client = self.client
        assert client is not None
        now = real_now()
        try:
            answer = await client.room_create(
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
        self._dm_created[user_id] = time.monotonic()

        def remember() -> None:
            with self.database.unit_of_work() as uow:
                uow.matrix.save_room(room_id, self.clock(), dm_user_id=user_id, encrypted=True)
                uow.commit()

        await asyncio.to_thread(remember)
        log.info("created DM room %s for %s", room_id, user_id)
        await self._record_direct(user_id, room_id)
        return Later(now + DM_RECHECK)

    async def _record_direct(self, user_id: str, room_id: str) -> None:
        """Add the room to the bot's ``m.direct`` account data, as clients expect."""
        client = self.client
        assert client is not None
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


#: Characters in one merged notice (plain and HTML bodies together): well under the
#: homeserver's 64 KiB event limit, once encrypted.
NOTICE_LIMIT = 16_000


def coalesced(claimed: list[PendingMessage]) -> list[PendingMessage]:
    """The first claimed row and the rows that go in one notice with it: the rest of
    its group's run (bot/coalesce.py), as many as fit within ``NOTICE_LIMIT``."""
    run = coalesce.runs(claimed)[0]
    bodies = [render_both(m.template, m.locale, m.context) for m in run]
    start, stop = coalesce.pack([plain + html for plain, html in bodies], NOTICE_LIMIT)[0]
    return run[start:stop]


def merged_notice(batch: list[PendingMessage]) -> dict[str, Any]:
    bodies = [render_both(m.template, m.locale, m.context) for m in batch]
    return notice_content(
        coalesce.joined([plain for plain, _ in bodies]),
        coalesce.joined([html for _, html in bodies]),
    )


def batch_transaction_id(batch: list[PendingMessage]) -> str:
    """A row's own id alone; a merged notice's from every row in it, so a retry of the
    same rows is deduplicated by the homeserver and a different batch never is."""
    if len(batch) == 1:
        return transaction_id(batch[0])
    digest = hashlib.sha256(" ".join(transaction_id(m) for m in batch).encode()).hexdigest()
    return f"minga-{batch[0].id}-{batch[-1].id}-{digest[:12]}"


def transaction_id(message: PendingMessage) -> str:
    """The same for every try of one outbox row, different for any other message.

    The row id alone would do until a database is restored from a backup and hands
    out the same ids again: the homeserver would take a new message for a retry of
    the old one. A digest of what the row says tells them apart.
    """
    what = json.dumps(
        [message.address, message.template, message.locale, message.context], sort_keys=True
    )
    return f"minga-{message.id}-{hashlib.sha256(what.encode()).hexdigest()[:12]}"


def _is_edit(source: dict[str, Any]) -> bool:
    relates = source.get("content", {}).get("m.relates_to") or {}
    return relates.get("rel_type") == "m.replace"
