"""The Matrix adapter's lifecycle: log in, then receive and deliver until stopped.

The work is in its own modules, as for Telegram:

- ``receiver``: /sync into the inbox, with the sync token in the same
  transaction; ``sync`` (pure) says what a sync response brought, ``inbox``
  hands the stored rows to the handlers (messages, invites, decryption retries).
- ``delivery``: the outbox out, leased, one notice per group's waiting rows,
  encrypted where the room is, paused by ``M_LIMIT_EXCEEDED``.
- ``rooms``: members' direct rooms, created on demand and recorded in ``m.direct``.

This module logs in (restoring the saved login: the same device keeps the same
keys and transaction ids), starts the receiver and the deliverer on one client,
and stops them. The client is matrix-nio's, reading the ``Retry-After`` header
of a 429 too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from aiohttp import ClientResponse
from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    LoginResponse,
    Response,
    WhoamiResponse,
)

from bot.clock import real_now
from bot.config import PlatformFailed
from bot.matrix.context import Context
from bot.matrix.delivery import Deliverer
from bot.matrix.outcomes import MAX_BACKOFF, TRANSIENT
from bot.matrix.receiver import Receiver
from bot.matrix.rooms import DirectRooms
from bot.matrix.settings import MatrixSettings
from handlers.dispatch import Dispatcher
from storage.uow import Database

log = logging.getLogger("minga.matrix")


TOKEN_HINT = "check matrix_token (MINGA_MATRIX_TOKEN), or use matrix_password instead"
PASSWORD_HINT = "check matrix_user and matrix_password (MINGA_MATRIX_USER, MINGA_MATRIX_PASSWORD)"


class _NotYet(Exception):
    """The homeserver answered the login with a rate limit or a server error: try again."""


def refused(what: str, answer: object, setting: str) -> Exception:
    """A login that did not succeed: ``_NotYet`` when it may pass (a 429, a 5xx), else
    the ``PlatformFailed`` that stops ``minga run``, naming the setting to look at."""
    if isinstance(answer, ErrorResponse):
        status = getattr(answer.transport_response, "status", 0) or 0
        if answer.status_code == "M_LIMIT_EXCEEDED" or status >= 500:
            return _NotYet(f"{what}: {answer}")
        return PlatformFailed(f"matrix: {what} ({answer.status_code}: {answer.message}); {setting}")
    return PlatformFailed(f"matrix: {what} ({answer}); {setting}")


@contextlib.asynccontextmanager
async def closed_on_failure(client: AsyncClient) -> AsyncIterator[AsyncClient]:
    """Close the client (and its HTTP session) if the block fails in any way."""
    try:
        yield client
    except BaseException:
        await client.close()
        raise


class MingaClient(AsyncClient):
    """matrix-nio's client, reading the ``Retry-After`` header of a 429 too."""

    async def create_matrix_response(
        self,
        response_class: type,
        transport_response: ClientResponse,
        data: tuple[object, ...] | None = None,
        save_to: os.PathLike[str] | None = None,
    ) -> Response:
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


class MatrixAdapter:
    name = "matrix"
    first_retry = 1.0  # seconds before the first retry of a login that could not go through

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
        self.failure: BaseException | None = None  # minga run stops on it (bot/runner.py)
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

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

    @property
    def connected(self) -> bool:
        """Logged in and synced, and not stopped by a failure (for the health check)."""
        return self.client is not None and self.synced.is_set() and self.failure is None

    async def _run(self) -> None:
        loops: list[asyncio.Task[None]] = []
        try:
            client = self.client = await self._login_until_done()
            context = Context(
                client, self.database, self.settings, self.clock, self._wake, self.synced
            )
            rooms = DirectRooms(context)
            receiver = Receiver(context, self.dispatcher, rooms, self.hook)
            deliverer = Deliverer(context, rooms, self.poll_seconds)
            loops = [
                asyncio.create_task(receiver.run(), name="matrix-sync"),
                asyncio.create_task(deliverer.run(), name="matrix-delivery"),
            ]
            done, _ = await asyncio.wait(loops, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()
        except asyncio.CancelledError:
            raise
        except PlatformFailed as error:  # the login was refused: minga run says so and stops
            self.failure = error
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
        delay = self.first_retry
        while True:
            try:
                return await self._login()
            except TRANSIENT as error:
                log.warning("cannot reach %s (%s); retrying", self.settings.homeserver, error)
            except _NotYet as error:
                log.warning("%s; retrying", error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF)

    async def _login(self) -> MingaClient:
        """Restore the saved login (same device: same keys, same transaction ids).

        A client that does not come out logged in is closed, whatever stopped it
        (a refusal, a network error, a cancel): its HTTP session goes with it, so
        retrying never leaves an unclosed session behind.
        """
        saved = self._load_session()
        if saved is not None:
            client = self._new_client()
            async with closed_on_failure(client):
                client.restore_login(saved["user_id"], saved["device_id"], saved["access_token"])
                answer = await client.whoami()
                if isinstance(answer, WhoamiResponse):
                    await self._upload_keys(client)
                    return client
            log.warning("the saved Matrix login no longer works: %s", answer)
            await client.close()
        client = self._new_client()
        async with closed_on_failure(client):
            if saved is not None:
                client.device_id = saved["device_id"]  # log in again on the same device
            await self._log_in(client, saved)
            self._save_session(client)
            await self._upload_keys(client)
        return client

    async def _log_in(self, client: MingaClient, saved: dict[str, str] | None) -> None:
        """With the configured token (when it is not the saved one) or password."""
        settings = self.settings
        if settings.token and (saved is None or saved.get("access_token") != settings.token):
            client.access_token = settings.token
            answer = await client.whoami()
            if not isinstance(answer, WhoamiResponse):
                raise refused("the homeserver refused the access token", answer, TOKEN_HINT)
            client.restore_login(answer.user_id, answer.device_id, settings.token)
        elif settings.password:
            answer = await client.login(settings.password, device_name=settings.device_name)
            if not isinstance(answer, LoginResponse):
                raise refused(f"logging in as {settings.user_id} failed", answer, PASSWORD_HINT)
        else:
            raise PlatformFailed(
                "matrix: the saved login no longer works and no password is configured; "
                "set matrix_password (MINGA_MATRIX_PASSWORD) or a new matrix_token"
            )

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
