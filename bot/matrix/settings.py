"""The Matrix adapter's settings: from ``MINGA_MATRIX_*`` or minga.toml, never git.

=====================  ==============================================================
setting                meaning
=====================  ==============================================================
matrix_homeserver      the homeserver's URL, e.g. ``https://matrix.example.org``
matrix_user            the bot's full Matrix id, e.g. ``@minga:example.org``
matrix_password        its password (minga logs in once, then keeps that device), or
matrix_token           an access token of an existing login
matrix_store           directory for the login and the crypto keys (default: beside
                       the database, ``<database>-matrix``)
matrix_pickle_key      the secret that encrypts the crypto keys in the store (required)
matrix_allow           who may invite the bot, comma-separated homeservers
                       (``example.org``) and users (``@ana:example.org``); default:
                       the bot's own homeserver
matrix_device_name     the name of the bot's device, shown to members (default: minga)
=====================  ==============================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import ConfigError, flood_limit, setting
from domain.flood import FloodLimit


class MatrixConfigError(ConfigError):
    """The configuration names a homeserver but cannot be used as it is (``minga run``
    says so in one line and exits with status 2, as for any setting it cannot use)."""


@dataclass(frozen=True)
class MatrixSettings:
    homeserver: str
    user_id: str
    password: str | None
    token: str | None
    store: Path
    pickle_key: str
    allow: tuple[str, ...]
    device_name: str = "minga"
    #: How long /sync waits for news on the server (milliseconds).
    sync_timeout_ms: int = 30_000
    #: Timeline events per room per sync; a longer gap is fetched with /messages.
    timeline_limit: int = 50
    #: Per member and room (domain/flood.py); the config's flood_limit(), None is off.
    flood: FloodLimit | None = None
    #: Send a group's waiting notices as one (bot/coalesce.py). Off by default: a
    #: homeserver limits the bot's own rate, not each room's as Telegram does, and a
    #: merged notice retried with other rows in it could show a group a text twice.
    merge_notices: bool = False

    @property
    def server_name(self) -> str:
        return self.user_id.split(":", 1)[1]

    def may_invite(self, inviter: str) -> bool:
        """An invite is accepted from an allowed user or anyone on an allowed server."""
        server = inviter.split(":", 1)[1] if ":" in inviter else ""
        return inviter in self.allow or server in self.allow


def default_store(database_url: str) -> Path:
    """Beside a SQLite database (``minga.sqlite`` -> ``minga-matrix``), else ./minga-matrix."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database).resolve()
        return path.with_name(f"{path.stem}-matrix")
    return Path("minga-matrix").resolve()


def matrix_settings(database_url: str) -> MatrixSettings | None:
    """None when no homeserver is configured: then minga runs without Matrix."""
    homeserver = setting("matrix_homeserver")
    if not homeserver:
        return None
    user_id = setting("matrix_user")
    password, token = setting("matrix_password"), setting("matrix_token")
    pickle_key = setting("matrix_pickle_key")
    if not user_id or not user_id.startswith("@") or ":" not in user_id:
        raise MatrixConfigError(
            "MINGA_MATRIX_USER must be a full Matrix id like @minga:example.org"
        )
    if not password and not token:
        raise MatrixConfigError("set MINGA_MATRIX_PASSWORD or MINGA_MATRIX_TOKEN")
    if not pickle_key:
        raise MatrixConfigError(
            "set MINGA_MATRIX_PICKLE_KEY: the secret that encrypts the bot's crypto keys"
        )
    server_name = user_id.split(":", 1)[1]
    allowed = setting("matrix_allow")
    allow = tuple(p.strip() for p in (allowed or server_name).split(",") if p.strip())
    store = setting("matrix_store")
    return MatrixSettings(
        homeserver=homeserver.rstrip("/"),
        user_id=user_id,
        password=password,
        token=token,
        store=Path(store).resolve() if store else default_store(database_url),
        pickle_key=pickle_key,
        allow=allow,
        device_name=setting("matrix_device_name") or "minga",
        flood=flood_limit(),
        merge_notices=(setting("matrix_merge_notices") or "").lower() in ("1", "true", "yes"),
    )
