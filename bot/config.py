"""Configuration from the environment or a TOML file, never from git.

Precedence: command-line flags, then ``MINGA_*`` environment variables, then the
file named by ``MINGA_CONFIG`` (default ``minga.toml`` in the working directory).

The file is read once, when the process starts (bot/bootstrap.py), and checked
then: a setting the file misspells, or a number that is not one, stops minga with
a message naming it, instead of running without Telegram or with flood control off.
"""

from __future__ import annotations

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
        # TEST ONLY, from the environment: what a test adds to a process (bot/bootstrap.py).
        "test_plugins",
    }
)
#: Settings that must be whole numbers (flood_per_minute = 0 turns flood control off).
WHOLE_NUMBERS = frozenset({"flood_per_minute", "flood_burst", "telegram_poll_timeout"})


class ConfigError(ValueError):
    """The configuration cannot be used as it is; the message says which setting."""


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
        raise ConfigError(f"{path} has settings minga does not know: {', '.join(unknown)}")
    return found


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
