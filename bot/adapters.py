"""The chat adapters ``minga run`` starts: each one that is configured.

An adapter receives its platform's updates into the handlers and delivers its
platform's rows of the outbox. Each platform offers a factory that reads the
settings and returns an adapter, or None when the platform is not configured (no
token in the environment or the config file). The composition root
(bot/bootstrap.py) asks every factory once, in the order of ``PLATFORMS``.

Tests may add adapters of their own to a real ``minga run`` process with the
test-only setting ``MINGA_TEST_ADAPTERS=<module>:<factory>[,...]`` (see
tests/file_delivery.py); a deployment never sets it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Protocol

from bot.config import ConfigError, Settings
from storage.uow import Database


class Adapter(Protocol):
    name: str

    async def start(self) -> None:
        """Begin receiving updates and delivering the outbox, in the background."""

    async def stop(self) -> None:
        """Stop receiving, finish or release what is in flight."""


AdapterFactory = Callable[[Database, Settings], Adapter | None]


def _matrix(database: Database, settings: Settings) -> Adapter | None:
    from bot.matrix import from_config  # imports matrix-nio only when asked

    return from_config(database)  # reads the process's settings (bot.config.current)


def _telegram(database: Database, settings: Settings) -> Adapter | None:
    from bot.telegram.settings import telegram_settings

    found = telegram_settings(settings)
    if found is None:  # no token: python-telegram-bot is not even imported
        return None
    from bot.telegram.adapter import from_settings

    return from_settings(database, found)


#: The chat platforms minga knows, in the order they start.
PLATFORMS: tuple[AdapterFactory, ...] = (_matrix, _telegram)


def factories_named(spec: str | None) -> list[AdapterFactory]:
    """The factories a ``<module>:<name>,...`` setting names (TEST ONLY)."""
    found: list[AdapterFactory] = []
    for entry in filter(None, (part.strip() for part in (spec or "").split(","))):
        module, _, name = entry.partition(":")
        try:
            found.append(getattr(importlib.import_module(module), name))
        except (ImportError, AttributeError) as error:
            raise ConfigError(f"test_adapters: cannot load {entry!r}: {error}") from None
    return found


def configured_adapters(
    database: Database, settings: Settings, factories: Iterable[AdapterFactory] = PLATFORMS
) -> list[Adapter]:
    adapters = []
    for factory in factories:
        adapter = factory(database, settings)
        if adapter is not None:
            adapters.append(adapter)
    return adapters
