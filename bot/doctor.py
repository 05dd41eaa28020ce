"""``minga doctor``: is this configuration one ``minga run`` can work with?

Each check is one line, ``✓`` when it passed, ``✗`` when not (saying why and which
setting to look at), ``-`` for a platform that is not configured; exit status 1 if
any line is ``✗``, else 0. It changes nothing: it does not create or migrate the
database, and it leaves no Matrix device behind.

- **configuration**: the file and ``MINGA_*`` against the settings minga knows
  (bot/config.py: a misspelt name with "did you mean …", numbers, levels, addresses,
  the database URL).
- **database**: reachable, and at the newest schema this minga ships (Alembic's head).
- **telegram** (with ``telegram_token``): ``getMe`` with the token, at
  ``telegram_base_url`` when set.
- **matrix login** (with ``matrix_homeserver``): the saved login of the store, the
  access token, or a password login (then logged out again).
- **matrix store**: the store directory writable (or creatable) and ``matrix_pickle_key``
  set.
- **chat platforms**: at least one configured (else ``minga run`` refuses to start).

Operators read it, so it is in English.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url

from bot.config import ConfigError, Settings

TIMEOUT = 15.0  # seconds a platform has to answer


@dataclass(frozen=True)
class Line:
    """One check's outcome: ``ok`` True (✓), False (✗) or None (not configured: -)."""

    ok: bool | None
    what: str
    detail: str

    def __str__(self) -> str:
        mark = {True: "✓", False: "✗", None: "-"}[self.ok]
        return f"{mark} {self.what}: {self.detail}"


def check_database(url: str) -> Line:
    """Reachable and migrated to this minga's newest revision, without migrating it."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.engine import make_engine
    from storage.migrate import revisions

    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    in_file = parsed.get_backend_name() == "sqlite" and parsed.database not in ("", ":memory:")
    if in_file and parsed.database and not Path(parsed.database).exists():
        return Line(False, "database", f"there is no database at {shown} ({FIRST_RUN})")
    engine = make_engine(url)
    try:
        current, head = revisions(engine)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return Line(False, "database", f"cannot connect to {shown}: {reason}")
    finally:
        engine.dispose()
    if current == head:
        return Line(True, "database", f"{shown} reachable, at the newest schema ({head})")
    if current is None:
        return Line(False, "database", f"{shown} reachable but has no schema yet ({FIRST_RUN})")
    return Line(
        False,
        "database",
        f"{shown} is at schema {current}, this minga's newest is {head} "
        "(minga run migrates an older one; a newer one is a newer minga's)",
    )


FIRST_RUN = "minga run creates and migrates it"


async def check_telegram(settings: Settings) -> Line:
    """``getMe`` with the configured token, where ``minga run`` would ask it."""
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError
    from telegram.request import HTTPXRequest

    from bot.telegram.adapter import token_refused

    token = settings.get("telegram_token")
    if not token:
        return Line(None, "telegram", "not configured (telegram_token)")
    base_url = settings.get("telegram_base_url") or "https://api.telegram.org/bot"
    request = HTTPXRequest(connect_timeout=TIMEOUT, read_timeout=TIMEOUT)
    bot = Bot(token, base_url=base_url, request=request)
    try:
        me = await asyncio.wait_for(bot.get_me(), TIMEOUT)
    except InvalidToken as error:
        return Line(False, "telegram", str(token_refused(error, token)).removeprefix("telegram: "))
    except (TelegramError, TimeoutError) as error:
        reason = str(error).replace(token, "…") or type(error).__name__
        return Line(False, "telegram", f"cannot reach the Bot API at {base_url} ({reason})")
    finally:
        await request.shutdown()
    return Line(True, "telegram", f"the Bot API knows the token: @{me.username} ({base_url})")


async def check_matrix_login(settings: Settings, database_url: str) -> Line:
    """The login ``minga run`` would use: the store's saved one, the token, or the password."""
    from bot.matrix.settings import default_store

    homeserver = (settings.get("matrix_homeserver") or "").rstrip("/")
    if not homeserver:
        return Line(None, "matrix", "not configured (matrix_homeserver)")
    user_id = settings.get("matrix_user") or ""
    token, password = settings.get("matrix_token"), settings.get("matrix_password")
    if not user_id.startswith("@") or ":" not in user_id:
        return Line(False, "matrix login", "matrix_user must be a full Matrix id like @minga:x.org")
    if not token and not password:
        return Line(False, "matrix login", "set matrix_password or matrix_token")
    configured = settings.get("matrix_store")
    store = Path(configured).resolve() if configured else default_store(database_url)
    saved = _saved_login(store / "session.json", user_id, homeserver)
    try:
        return await asyncio.wait_for(
            _matrix_login(homeserver, user_id, saved, token, password), TIMEOUT
        )
    except (OSError, TimeoutError) as error:
        reason = str(error) or type(error).__name__
        return Line(False, "matrix login", f"cannot reach {homeserver} ({reason})")


def _saved_login(path: Path, user_id: str, homeserver: str) -> str | None:
    """The access token the adapter saved in its store, if it is this user's on this server."""
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if saved.get("user_id") != user_id or saved.get("homeserver") != homeserver:
        return None
    return saved.get("access_token")


async def _matrix_login(
    homeserver: str, user_id: str, saved: str | None, token: str | None, password: str | None
) -> Line:
    from nio import AsyncClient, AsyncClientConfig, LoginResponse, WhoamiResponse

    config = AsyncClientConfig(max_limit_exceeded=0, max_timeouts=0, request_timeout=TIMEOUT)
    client = AsyncClient(homeserver, user_id, config=config)
    try:
        for kind, access_token in (("the saved login", saved), ("matrix_token", token)):
            if not access_token:
                continue
            client.access_token = access_token
            answer = await client.whoami()
            if isinstance(answer, WhoamiResponse):
                return Line(True, "matrix login", f"{kind} of {answer.user_id} works")
            if not password and kind == "matrix_token":
                return Line(False, "matrix login", f"{homeserver} refused matrix_token ({answer})")
        if not password:
            return Line(False, "matrix login", "the saved login no longer works; set a password")
        client.access_token = ""
        answer = await client.login(password, device_name="minga doctor")
        if not isinstance(answer, LoginResponse):
            return Line(
                False,
                "matrix login",
                f"logging in as {user_id} failed ({answer}); check matrix_user and "
                "matrix_password (MINGA_MATRIX_USER, MINGA_MATRIX_PASSWORD)",
            )
        await client.logout()  # the device this check made goes again
        return Line(True, "matrix login", f"{user_id} logged in with matrix_password")
    finally:
        await client.close()


def check_matrix_store(settings: Settings, database_url: str) -> Line | None:
    """The store directory writable (or creatable) and the pickle key set; None without
    Matrix."""
    from bot.matrix.settings import default_store

    if not settings.get("matrix_homeserver"):
        return None
    configured = settings.get("matrix_store")
    store = Path(configured).resolve() if configured else default_store(database_url)
    problems = []
    existing = store
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        problems.append(f"{existing} is not a directory")
    elif not _writable(existing):
        problems.append(f"minga cannot write in {existing}")
    if not settings.get("matrix_pickle_key"):
        problems.append("matrix_pickle_key is not set (the secret that encrypts the crypto keys)")
    if problems:
        return Line(False, "matrix store", f"{store}: " + "; ".join(problems))
    state = "writable" if existing == store else "can be created"
    return Line(True, "matrix store", f"{store} {state}, matrix_pickle_key set")


def _writable(directory: Path) -> bool:
    """Can this process make a file there? (Tried, not guessed from the mode: root.)"""
    try:
        with tempfile.TemporaryFile(dir=directory):
            return True
    except OSError:
        return False


def diagnose(
    database_flag: str | None = None, environ: Mapping[str, str] | None = None
) -> list[Line]:
    """Every check's line, in order; stops after the configuration if that is wrong."""
    from bot.bootstrap import check_database_url

    try:
        settings = Settings.load(environ)
        url = settings.database_url(database_flag)
        check_database_url(url, "--db" if database_flag else f"database_url ({settings.source})")
    except ConfigError as wrong:
        return [Line(False, "configuration", str(wrong))]
    lines = [
        Line(False, "configuration", warning)
        for warning in settings.warnings  # doctor is strict: a misspelt MINGA_* is an error
    ] or [Line(True, "configuration", f"every setting known and usable ({settings.source})")]
    lines.append(check_database(url))

    async def platforms() -> list[Line]:
        checks = check_telegram(settings), check_matrix_login(settings, url)
        return list(await asyncio.gather(*checks))

    found = asyncio.run(platforms())
    lines += found
    store = check_matrix_store(settings, url)
    if store is not None:
        lines.append(store)
    if all(line.ok is None for line in found):
        lines.append(
            Line(
                False,
                "chat platforms",
                "none configured: minga run will refuse to start without --scheduler-only",
            )
        )
    return lines


def doctor(database_flag: str | None, out: TextIO) -> int:
    """Print each check's line; 1 if any failed, else 0."""
    lines = diagnose(database_flag)
    for line in lines:
        print(line, file=out)
    return 1 if any(line.ok is False for line in lines) else 0
