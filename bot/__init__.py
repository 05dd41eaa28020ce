"""Entrypoints: the chat adapters (console, Telegram, Matrix), their wiring and the CLI."""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from pathlib import Path


def version() -> str:
    """minga's version: the installed package's, else the checkout's pyproject.toml."""
    try:
        return installed_version("minga")
    except PackageNotFoundError:
        pass
    try:
        with (Path(__file__).resolve().parent.parent / "pyproject.toml").open("rb") as source:
            return str(tomllib.load(source)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"
