"""Configuration from the environment or a TOML file, never from git.

Precedence: command-line flags, then ``MINGA_*`` environment variables, then the
file named by ``MINGA_CONFIG`` (default ``minga.toml`` in the working directory).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from domain.flood import DEFAULT_LIMIT, FloodLimit
from storage.engine import default_database_url


def _file_settings() -> dict[str, Any]:
    path = Path(os.environ.get("MINGA_CONFIG", "minga.toml"))
    if not path.is_file():
        return {}
    with path.open("rb") as source:
        return tomllib.load(source)


def setting(name: str, default: str | None = None) -> str | None:
    """``setting("database_url")`` reads MINGA_DATABASE_URL, then the file's database_url."""
    from_env = os.environ.get(f"MINGA_{name.upper()}")
    if from_env:
        return from_env
    value = _file_settings().get(name)
    return str(value) if value is not None else default


def database_url(flag: str | None = None) -> str:
    return flag or setting("database_url") or default_database_url()


def flood_limit() -> FloodLimit | None:
    """Flood control for the chat platforms: ``flood_per_minute`` messages a minute
    per member and chat, in bursts of ``flood_burst`` (domain.flood.DEFAULT_LIMIT
    when unset); ``flood_per_minute = 0`` turns it off."""
    per_minute = int(setting("flood_per_minute") or DEFAULT_LIMIT.per_minute)
    if per_minute <= 0:
        return None
    return FloodLimit(per_minute, int(setting("flood_burst") or DEFAULT_LIMIT.burst))
