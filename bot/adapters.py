"""The chat adapters ``minga run`` starts: each one that is configured.

An adapter receives its platform's updates into the handlers and delivers its
platform's rows of the outbox. Each platform module offers a factory that reads
the configuration and returns an adapter, or None when the platform is not
configured (no token in the environment or the config file).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from storage.uow import Database


class Adapter(Protocol):
    name: str

    async def start(self) -> None:
        """Begin receiving updates and delivering the outbox, in the background."""

    async def stop(self) -> None:
        """Stop receiving, finish or release what is in flight."""


AdapterFactory = Callable[[Database], Adapter | None]

# Platform modules register here, e.g. ``FACTORIES.append(telegram.from_config)``.
FACTORIES: list[AdapterFactory] = []


def configured_adapters(database: Database) -> list[Adapter]:
    adapters = []
    for factory in FACTORIES:
        adapter = factory(database)
        if adapter is not None:
            adapters.append(adapter)
    return adapters


def _matrix(database: Database) -> Adapter | None:
    from bot.matrix import from_config  # imports matrix-nio only when asked

    return from_config(database)


FACTORIES.append(_matrix)


def _telegram(database: Database) -> Adapter | None:
    from bot.telegram.settings import telegram_settings

    if telegram_settings() is None:  # no token: python-telegram-bot is not even imported
        return None
    from bot.telegram.adapter import from_config

    return from_config(database)


FACTORIES.append(_telegram)


def _file_for_tests(database: Database) -> Adapter | None:
    from bot.file_delivery import from_environment  # TEST ONLY: MINGA_TEST_DELIVER

    return from_environment(database)


FACTORIES.append(_file_for_tests)
