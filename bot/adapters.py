"""The chat adapters ``minga run`` starts: each one that is configured.

An adapter receives its platform's updates into the handlers and delivers its
platform's rows of the outbox. Each platform offers a factory that reads the
settings and returns an adapter, or None when the platform is not configured (no
token in the environment or the config file). The composition root
(bot/bootstrap.py) asks every factory once, in the order of ``PLATFORMS``, and
hands each the process's hooks (bot/hooks.py: all None in a deployment). Tests
add factories of their own through a test plugin (bot/bootstrap.py).

Besides the ``Adapter`` protocol, ``minga run`` (bot/runner.py) reads two
attributes where an adapter has them: ``failure``, set when the platform cannot
work as configured (bot/config.py's ``PlatformFailed``: a token refused, a login
failed), which stops the process with that one line and exit status 2, or any
other exception that ended the adapter (exit status 1, the traceback in the log);
and ``connected``, whether it is talking to its platform now, for the health
check (bot/health.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from bot.config import Settings
from bot.hooks import NO_HOOKS, Hooks
from storage.uow import Database


class Adapter(Protocol):
    name: str

    async def start(self) -> None:
        """Begin receiving updates and delivering the outbox, in the background."""

    async def stop(self) -> None:
        """Stop receiving, finish or release what is in flight."""


AdapterFactory = Callable[[Database, Settings, Hooks], Adapter | None]


def _matrix(database: Database, settings: Settings, hooks: Hooks) -> Adapter | None:
    from bot.matrix import from_config  # imports matrix-nio only when asked

    return from_config(database)  # reads the process's settings (bot.config.current)


def _telegram(database: Database, settings: Settings, hooks: Hooks) -> Adapter | None:
    from bot.telegram.settings import telegram_settings

    found = telegram_settings(settings)
    if found is None:  # no token: python-telegram-bot is not even imported
        return None
    from bot.telegram.adapter import from_settings

    return from_settings(database, found, hooks.after_receive)


#: The chat platforms minga knows, in the order they start.
PLATFORMS: tuple[AdapterFactory, ...] = (_matrix, _telegram)


def configured_adapters(
    database: Database,
    settings: Settings,
    factories: Iterable[AdapterFactory] = PLATFORMS,
    hooks: Hooks = NO_HOOKS,
) -> list[Adapter]:
    adapters = []
    for factory in factories:
        adapter = factory(database, settings, hooks)
        if adapter is not None:
            adapters.append(adapter)
    return adapters
