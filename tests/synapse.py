"""A throwaway Synapse homeserver for the Matrix tests.

Synapse is installed from PyPI into a virtual environment of its own, never into
minga's (its pins are many), and cached across runs under
``~/.cache/minga/synapse-<version>`` (``MINGA_SYNAPSE_CACHE`` overrides the
parent directory). A fresh machine installs it in about 40-50 s; the install goes
into a temporary directory that is renamed when complete, under a file lock, so
an interrupted or concurrent install never leaves a broken cache behind.

The homeserver runs on 127.0.0.1 on a free port, with SQLite, no federation
(``trusted_key_servers: []``, no federation listener), generous rate limits, a
signing key made with ``signedjson`` and a config written here, not generated.
Users are registered through the registration shared secret (the admin API's
HMAC handshake), so no command-line tool is needed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SYNAPSE_VERSION = "1.163.2"
SERVER_NAME = "minga.test"
SHARED_SECRET = "minga-test-registration-secret"


class SynapseUnavailable(RuntimeError):
    pass


def cache_root() -> Path:
    configured = os.environ.get("MINGA_SYNAPSE_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "minga"


def synapse_python(version: str = SYNAPSE_VERSION) -> Path:
    """The Python of a virtual environment with matrix-synapse installed (cached)."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"synapse-{version}"
    python = target / "bin" / "python"
    ready = target / ".installed"
    if ready.exists():
        return python
    with (root / f"synapse-{version}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test run may be installing it
        if ready.exists():
            return python
        shutil.rmtree(target, ignore_errors=True)
        building = root / f"synapse-{version}.partial-{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        started = time.monotonic()
        try:
            subprocess.run(
                [sys.executable, "-m", "venv", str(building)],
                check=True,
                capture_output=True,
                text=True,
            )
            subprocess.run(
                [
                    str(building / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--disable-pip-version-check",
                    f"matrix-synapse=={version}",
                ],
                check=True,
                capture_output=True,
                text=True,
                timeout=900,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            shutil.rmtree(building, ignore_errors=True)
            output = getattr(error, "stderr", "") or ""
            raise SynapseUnavailable(
                f"installing matrix-synapse {version} failed: {output}"
            ) from error
        (building / ".installed").write_text(f"{time.monotonic() - started:.1f}s\n")
        building.rename(target)  # a venv's python finds its prefix from pyvenv.cfg
    return python


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _config(directory: Path, port: int) -> dict[str, Any]:
    lots = {"per_second": 1000, "burst_count": 1000}
    return {
        "server_name": SERVER_NAME,
        "pid_file": str(directory / "homeserver.pid"),
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(directory / "homeserver.db")}},
        "media_store_path": str(directory / "media"),
        "signing_key_path": str(directory / "signing.key"),
        "log_config": None,
        "report_stats": False,
        "registration_shared_secret": SHARED_SECRET,
        "macaroon_secret_key": "minga-test-macaroon",
        "form_secret": "minga-test-form",
        "enable_registration": True,
        "enable_registration_without_verification": True,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "presence": {"enabled": False},
        "url_preview_enabled": False,
        "enable_metrics": False,
        "rc_message": lots,
        "rc_registration": lots,
        "rc_login": {"address": lots, "account": lots, "failed_attempts": lots},
        "rc_joins": {"local": lots, "remote": lots},
        "rc_joins_per_room": lots,
        "rc_invites": {"per_room": lots, "per_user": lots, "per_issuer": lots},
        "rc_room_creation": lots,
        "rc_key_requests": lots,
        "rc_admin_redaction": lots,
        "rc_3pid_validation": lots,
        "rc_presence": {"per_user": lots},
        "rc_delayed_event_mgmt": lots,
        "rc_reports": lots,
    }


@dataclass
class User:
    user_id: str
    name: str
    password: str
    access_token: str
    device_id: str


class Homeserver:
    """One Synapse process; stop() and start() again keep its database and port."""

    def __init__(self, directory: Path, python: Path | None = None) -> None:
        self.directory = directory
        self.python = python or synapse_python()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server_name = SERVER_NAME
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = directory / "synapse.log"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "media").mkdir(exist_ok=True)
        # JSON is YAML: no PyYAML needed on minga's side.
        (directory / "homeserver.yaml").write_text(json.dumps(_config(directory, self.port)))
        subprocess.run(
            [
                str(self.python),
                "-c",
                "import sys; from signedjson.key import generate_signing_key, write_signing_keys;"
                "f = open(sys.argv[1], 'w'); write_signing_keys(f, [generate_signing_key('a')])",
                str(directory / "signing.key"),
            ],
            check=True,
        )

    def start(self, timeout: float = 60) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                str(self.python),
                "-m",
                "synapse.app.homeserver",
                "-c",
                str(self.directory / "homeserver.yaml"),
            ],
            cwd=self.directory,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise SynapseUnavailable(f"synapse exited; see {self.log_path}:\n{self.log_tail()}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=2),
            ):
                return
            if time.monotonic() > deadline:
                self.stop()
                raise SynapseUnavailable(f"synapse did not answer; see {self.log_path}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    # the client-server and admin APIs, synchronously ------------------------------------
    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path}: {error.code} {error.read()!r}") from error

    def register(self, name: str, password: str | None = None, admin: bool = False) -> User:
        """A new user, through the registration shared secret."""
        password = password or f"pw-{name}-secret"
        nonce = self.request("GET", "/_synapse/admin/v1/register")["nonce"]
        mac = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), name.encode(), password.encode()]))
        mac.update(b"\x00admin" if admin else b"\x00notadmin")
        answer = self.request(
            "POST",
            "/_synapse/admin/v1/register",
            {
                "nonce": nonce,
                "username": name,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            },
        )
        return User(answer["user_id"], name, password, answer["access_token"], answer["device_id"])

    def user_id(self, name: str) -> str:
        return f"@{name}:{self.server_name}"

    def fresh_users(self, *names: str) -> list[User]:
        """New users for one test (the homeserver is shared by the whole run)."""
        self._fresh = getattr(self, "_fresh", 0) + 1
        return [self.register(f"{name}{self._fresh}") for name in names]


# --- members: matrix-nio clients, as a person's app would be ------------------------------


@dataclass
class Seen:
    room_id: str
    sender: str
    body: str
    formatted: str | None
    encrypted: bool
    event_id: str = ""


@dataclass
class Received:
    """An ``m.file`` or ``m.image`` event: its content (decrypted, in an encrypted room)."""

    room_id: str
    sender: str
    content: dict[str, Any]
    encrypted: bool


class Person:
    """A member on Matrix through matrix-nio: joins what they are invited to, reads notices.

    Encryption is on (as in Element), with a crypto store of their own, so an
    encrypted DM room is read the way a member's app reads it.
    """

    def __init__(self, server: Homeserver, user: User, store: Path) -> None:
        from nio import AsyncClient, AsyncClientConfig

        store.mkdir(parents=True, exist_ok=True)
        self.user = user
        self.user_id = user.user_id
        self.client = AsyncClient(
            server.url,
            user.user_id,
            device_id=user.device_id,
            store_path=str(store),
            config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False),
        )
        self.client.restore_login(user.user_id, user.device_id, user.access_token)
        self.seen: list[Seen] = []
        self.files: list[Received] = []
        self.server = server
        self.undecrypted: list[str] = []
        self.auto_join = True
        self._task: Any = None
        self._joining: set[str] = set()

    async def start(self, display_name: str | None = None) -> None:
        import asyncio

        from nio import (
            InviteMemberEvent,
            MegolmEvent,
            RoomEncryptedMedia,
            RoomMessageMedia,
            RoomMessageNotice,
        )

        if display_name is not None:
            await self.client.set_displayname(display_name)

        def on_notice(room: Any, event: Any) -> None:
            content = event.source.get("content", {})
            self.seen.append(
                Seen(
                    room.room_id,
                    event.sender,
                    event.body,
                    content.get("formatted_body"),
                    bool(getattr(event, "decrypted", False)),
                    event.event_id,
                )
            )

        def on_file(room: Any, event: Any) -> None:
            content = event.source.get("content", {})
            encrypted = isinstance(event, RoomEncryptedMedia)
            self.files.append(Received(room.room_id, event.sender, content, encrypted))

        def on_undecrypted(room: Any, event: Any) -> None:
            self.undecrypted.append(event.event_id)

        def on_invite(room: Any, event: Any) -> None:
            if (
                self.auto_join
                and event.state_key == self.user_id
                and event.membership == "invite"
                and room.room_id not in self._joining
            ):
                self._joining.add(room.room_id)
                asyncio.get_running_loop().create_task(self.client.join(room.room_id))

        self.client.add_event_callback(on_notice, RoomMessageNotice)
        self.client.add_event_callback(on_undecrypted, MegolmEvent)
        self.client.add_event_callback(on_file, (RoomMessageMedia, RoomEncryptedMedia))
        self.client.add_event_callback(on_invite, InviteMemberEvent)
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        await self.client.sync(timeout=0, full_state=True)
        self._task = asyncio.get_running_loop().create_task(
            self.client.sync_forever(timeout=5000, loop_sleep_time=50)
        )

    async def stop(self) -> None:
        import asyncio
        import contextlib

        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.client.close()

    async def create_room(self, name: str, invite: list[str], encrypted: bool = False) -> str:
        from nio import EnableEncryptionBuilder, RoomCreateResponse

        answer = await self.client.room_create(
            name=name,
            invite=invite,
            initial_state=[EnableEncryptionBuilder().as_dict()] if encrypted else [],
        )
        assert isinstance(answer, RoomCreateResponse), answer
        return answer.room_id

    async def say(self, room_id: str, text: str) -> str:
        """Send an ``m.text`` message (encrypted if the room is); its event id."""
        from nio import RoomSendResponse

        await self.until(lambda: room_id in self.client.rooms, what=f"{room_id} synced")
        answer = await self.client.room_send(
            room_id,
            "m.room.message",
            {"msgtype": "m.text", "body": text},
            ignore_unverified_devices=True,
        )
        assert isinstance(answer, RoomSendResponse), answer
        return answer.event_id

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        """React to an event with ``key`` (as Element does); the reaction's event id."""
        from nio import RoomSendResponse

        answer = await self.client.room_send(
            room_id,
            "m.reaction",
            {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}},
            ignore_unverified_devices=True,
        )
        assert isinstance(answer, RoomSendResponse), answer
        return answer.event_id

    async def redact(self, room_id: str, event_id: str) -> str:
        """Take an event back (removing a reaction is this); the redaction's event id."""
        from nio import RoomRedactResponse

        answer = await self.client.room_redact(room_id, event_id)
        assert isinstance(answer, RoomRedactResponse), answer
        return answer.event_id

    async def invite(self, room_id: str, user_id: str) -> None:
        await self.client.room_invite(room_id, user_id)

    def notices(self, room_id: str | None = None, sender: str | None = None) -> list[Seen]:
        return [
            s
            for s in self.seen
            if (room_id is None or s.room_id == room_id) and (sender is None or s.sender == sender)
        ]

    async def wait_files(self, count: int, room_id: str, timeout: float = 30) -> list[Received]:
        """The files seen in ``room_id`` once there are ``count`` of them."""

        def there() -> list[Received]:
            return [f for f in self.files if f.room_id == room_id]

        await self.until(lambda: len(there()) >= count, timeout, what=f"{count} file(s)")
        return there()

    def download(self, received: Received) -> bytes:
        """The file's bytes from the media repository, decrypted if it came encrypted."""
        from nio.crypto import decrypt_attachment

        encrypted = received.content.get("file")
        uri = encrypted["url"] if encrypted else received.content["url"]
        server_name, media_id = uri.removeprefix("mxc://").split("/", 1)
        request = urllib.request.Request(
            f"{self.server.url}/_matrix/client/v1/media/download/{server_name}/{media_id}"
        )
        request.add_header("Authorization", f"Bearer {self.user.access_token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            data = response.read()
        if not encrypted:
            return data
        return decrypt_attachment(
            data, encrypted["key"]["k"], encrypted["hashes"]["sha256"], encrypted["iv"]
        )

    def dm_rooms(self, bot: str) -> list[str]:
        """Rooms with only this person and the bot: the bot's direct rooms with them."""
        return [
            room_id
            for room_id, room in self.client.rooms.items()
            if set(room.users) == {self.user_id, bot} and room_id in self._joining
        ]

    async def until(self, condition: Any, timeout: float = 30, what: str = "condition") -> None:
        import asyncio

        def holds() -> bool:
            try:
                return bool(condition())
            except KeyError:  # a room this client has not synced yet: not yet, then
                return False

        deadline = time.monotonic() + timeout
        while not holds():
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.user_id}: timed out waiting for {what}")
            await asyncio.sleep(0.05)

    async def wait_notice(
        self, contains: str, room_id: str | None = None, timeout: float = 30
    ) -> Seen:
        """The first notice (from anyone) whose body contains ``contains``."""
        found: list[Seen] = []

        def look() -> bool:
            found[:] = [s for s in self.notices(room_id) if contains in s.body]
            return bool(found)

        await self.until(look, timeout, what=f"a notice with {contains!r}")
        return found[0]


def bot_settings(server: Homeserver, user: User, store: Path, **overrides: Any) -> Any:
    """The bot's MatrixSettings against this homeserver, as minga.toml would give them."""
    from bot.matrix.settings import MatrixSettings

    values: dict[str, Any] = {
        "homeserver": server.url,
        "user_id": user.user_id,
        "password": user.password,
        "token": None,
        "store": store,
        "pickle_key": "test-pickle-key",
        "allow": (server.server_name,),
        "sync_timeout_ms": 5000,
    }
    values.update(overrides)
    return MatrixSettings(**values)


def run(coroutine: Any, timeout: float = 150) -> Any:
    """Run one async scenario to the end, failing it if it hangs."""
    import asyncio

    async def bounded() -> Any:
        return await asyncio.wait_for(coroutine, timeout)

    return asyncio.run(bounded())


class BotUnderTest:
    """The Matrix adapter on a database, with a clock the test moves.

    ``advance`` moves the handlers' clock and runs the scheduler's due work at
    that moment (deadlines, clearings), as ``minga run`` would; ``restart`` is a
    new process on the same database and store; a ``kill_at`` point makes the
    running adapter die there (see MatrixAdapter's hook).
    """

    def __init__(
        self, server: Homeserver, user: User, url: str, store: Path, now: Any, **settings: Any
    ) -> None:
        from storage.uow import Database

        self.server, self.user, self.url, self.store = server, user, url, store
        self.settings = settings
        self.database = Database(url)
        self.now = now
        self.kill_at: str | None = None
        self.kills = 0
        self.adapter: Any = None

    def _hook(self, point: str) -> None:
        if self.kill_at == point:
            self.kill_at = None
            self.kills += 1
            raise Killed(point)

    async def start(self) -> None:
        from bot.matrix.adapter import MatrixAdapter

        self.adapter = MatrixAdapter(
            self.database,
            bot_settings(self.server, self.user, self.store, **self.settings),
            clock=lambda: self.now,
            hook=self._hook,
            poll_seconds=0.2,
        )
        await self.adapter.start()

    async def stop(self) -> None:
        if self.adapter is not None:
            await self.adapter.stop()
            self.adapter = None

    async def restart(self) -> None:
        """Another process: a new engine, a new client restoring the saved login."""
        await self.stop()
        self.database.dispose()
        from storage.uow import Database

        self.database = Database(self.url)
        await self.start()

    async def advance(self, moment: Any) -> None:
        import asyncio

        from handlers.jobs import run_due

        self.now = moment
        await asyncio.to_thread(run_due, self.database.unit_of_work, moment)
        self.adapter.wake()

    def scalar(self, sql: str, **params: Any) -> Any:
        from sqlalchemy import text

        with self.database.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()

    async def handled(self, event_id: str, timeout: float = 30) -> None:
        """Wait until the handlers have processed this event."""
        await self.until(
            lambda: (
                self.scalar(
                    "SELECT count(*) FROM inbox"
                    " WHERE external_id = :e AND processed_at IS NOT NULL",
                    e=event_id,
                )
                == 1
            ),
            timeout,
            f"{event_id} handled",
        )

    async def joined(self, room_id: str, *user_ids: str, timeout: float = 30) -> None:
        """Wait until the bot sees all of them (itself included) joined to the room."""

        def everyone() -> bool:
            client = self.adapter.client if self.adapter is not None else None
            room = client.rooms.get(room_id) if client is not None else None
            return room is not None and all(
                u in room.users and u not in room.invited_users
                for u in (self.user.user_id, *user_ids)
            )

        await self.until(everyone, timeout, f"everyone in {room_id}")

    async def drained(self, timeout: float = 60) -> None:
        """Wait until every Matrix message in the outbox is delivered."""
        await self.until(
            lambda: (
                self.scalar(
                    "SELECT count(*) FROM outbox WHERE platform = 'matrix' AND delivered_at IS NULL"
                )
                == 0
            ),
            timeout,
            "the outbox to drain",
        )

    async def until(self, condition: Any, timeout: float = 30, what: str = "condition") -> None:
        import asyncio

        deadline = time.monotonic() + timeout
        while not condition():
            if self.adapter is not None and self.adapter.failure is not None:
                failure = self.adapter.failure
                if not isinstance(failure, Killed):
                    raise AssertionError(f"the adapter died: {failure!r}") from failure
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.05)


class Killed(BaseException):
    """The simulated death of the bot's process at a hook point (not an Exception)."""
