"""Configuration from the environment or a TOML file, never from git.

Precedence: command-line flags, then ``MINGA_*`` environment variables, then the
file named by ``MINGA_CONFIG`` (default ``minga.toml`` in the working directory).

The file is read once, when the process starts (bot/bootstrap.py), and checked
then: a setting the file misspells (named with the closest one minga knows), a
number that is not one, or a log level or listening address minga cannot use
stops minga with one line naming it, instead of running without Telegram or with
flood control off. An environment variable ``MINGA_*`` close to a setting's name
(``MINGA_TELEGRAM_TOKN``) is only warned about: the environment holds other things.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from domain.flood import DEFAULT_LIMIT, FloodLimit
from storage.engine import default_database_url

#: Every setting minga reads, each also ``MINGA_<NAME>`` in the environment.
KNOWN = frozenset(
    {
        "database_url",
        "flood_per_minute",
        "flood_burst",
        "telegram_token",
        "telegram_base_url",
        "telegram_poll_timeout",
        "telegram_webhook_url",
        "telegram_webhook_listen",
        "telegram_webhook_secret",
        "matrix_homeserver",
        "matrix_user",
        "matrix_password",
        "matrix_token",
        "matrix_store",
        "matrix_pickle_key",
        "matrix_allow",
        "matrix_device_name",
        "matrix_merge_notices",
        "log_level",
        "log_format",
        "health_listen",
        "metrics_listen",
        # TEST ONLY, from the environment: what a test adds to a process (bot/bootstrap.py).
        "test_plugins",
    }
)
#: Settings that must be whole numbers (flood_per_minute = 0 turns flood control off).
WHOLE_NUMBERS = frozenset({"flood_per_minute", "flood_burst", "telegram_poll_timeout"})
#: The words ``log_level`` and ``--log-level`` take (Python's logging levels).
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
#: ``log_format``: one line of text per record, or one JSON object per line.
LOG_FORMATS = ("text", "json")
#: Settings that are ``host:port`` to listen on.
ADDRESSES = frozenset({"telegram_webhook_listen", "health_listen", "metrics_listen"})


class ConfigError(ValueError):
    """The configuration cannot be used as it is; the message says which setting."""


class PlatformFailed(Exception):
    """A configured chat platform cannot work as configured (a refused token, a failed
    login); the message is one line saying why and which setting to look at.
    ``minga run`` stops and exits with ``status`` (bot/runner.py)."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Settings:
    """The settings of one process: the environment over the file, read once."""

    values: Mapping[str, str]
    source: str = "the environment"

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        path = Path(environ.get("MINGA_CONFIG", "minga.toml"))
        values = {name: str(value) for name, value in _read(path).items() if value is not None}
        for key, from_env in environ.items():
            if key.startswith("MINGA_") and from_env:
                values[key.removeprefix("MINGA_").lower()] = from_env
        settings = cls(values, f"MINGA_* or {path}")
        settings._check()
        return settings

    def _check(self) -> None:
        for name in WHOLE_NUMBERS:
            value = self.values.get(name)
            if value is not None and not value.strip().lstrip("-").isdigit():
                raise ConfigError(f"{name} must be a whole number, not {value!r} ({self.source})")
        for name, words in (("log_level", LOG_LEVELS), ("log_format", LOG_FORMATS)):
            value = self.values.get(name)
            if value is not None and value.lower() not in words:
                raise ConfigError(
                    f"{name} must be one of {', '.join(words)}, not {value!r} ({self.source})"
                )
        for name in ADDRESSES:
            value = self.values.get(name)
            if value is not None and parse_address(value) is None:
                raise ConfigError(f"{name} must be host:port, not {value!r} ({self.source})")

    @property
    def warnings(self) -> list[str]:
        """``MINGA_*`` variables of the environment that look like a misspelt setting."""
        return [
            f"the environment has MINGA_{name.upper()}, which minga does not read; "
            f"did you mean MINGA_{closest.upper()}?"
            for name in sorted(set(self.values) - KNOWN)
            if (closest := closest_setting(name)) is not None
        ]

    def get(self, name: str, default: str | None = None) -> str | None:
        """``get("database_url")``: MINGA_DATABASE_URL, else the file's database_url."""
        return self.values.get(name) or default

    def database_url(self, flag: str | None = None) -> str:
        return flag or self.get("database_url") or default_database_url()

    def flood_limit(self) -> FloodLimit | None:
        """Flood control for the chat platforms: ``flood_per_minute`` messages a minute
        per member and chat, in bursts of ``flood_burst`` (domain.flood.DEFAULT_LIMIT
        when unset); ``flood_per_minute = 0`` turns it off."""
        per_minute = int(self.get("flood_per_minute") or DEFAULT_LIMIT.per_minute)
        if per_minute <= 0:
            return None
        return FloodLimit(per_minute, int(self.get("flood_burst") or DEFAULT_LIMIT.burst))


def _read(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as source:
            found = tomllib.load(source)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    unknown = sorted(set(found) - KNOWN)
    if unknown:
        named = []
        for name in unknown:
            closest = closest_setting(name)
            named.append(f"{name} (did you mean {closest}?)" if closest else name)
        raise ConfigError(f"{path} has settings minga does not know: {', '.join(named)}")
    return found


def closest_setting(name: str) -> str | None:
    """The known setting ``name`` most likely misspells, if one is close enough."""
    found = difflib.get_close_matches(name.lower(), sorted(KNOWN), n=1, cutoff=0.8)
    return found[0] if found else None


def parse_address(value: str) -> tuple[str, int] | None:
    """``"127.0.0.1:9464"`` as ("127.0.0.1", 9464); None if it is not host:port."""
    host, _, port = value.strip().rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        return None
    return host.strip("[]") or "127.0.0.1", int(port)


_current: Settings | None = None


def current() -> Settings:
    """This process's settings: loaded on first use, then the same object every time."""
    global _current
    if _current is None:
        _current = Settings.load()
    return _current


def use(settings: Settings) -> Settings:
    """Make ``settings`` this process's own (the composition root does, once)."""
    global _current
    _current = settings
    return settings


def setting(name: str, default: str | None = None) -> str | None:
    """One setting of this process (for modules handed no ``Settings``)."""
    return current().get(name, default)


def flood_limit() -> FloodLimit | None:
    return current().flood_limit()
