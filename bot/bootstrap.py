"""The composition root: where one minga process is put together, once.

Every ``minga`` subcommand starts here. The settings are read and checked once
(bot/config.py), the database is opened from them (or from ``--db``), and the
clock, the chat adapters and the scheduler are chosen here and handed to what
needs them, so no other module reads the environment or the config file to decide
how the process is wired.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from bot import config
from bot.adapters import PLATFORMS, Adapter, AdapterFactory, configured_adapters, factories_named
from bot.clock import real_now
from bot.config import Settings
from storage.uow import Database

if TYPE_CHECKING:
    from domain.due import DueWork


@dataclass
class Root:
    """One process's wiring. The database opens (and migrates) on first use, so a
    command can first check that the file it was pointed at exists."""

    settings: Settings
    database_url: str
    clock: Callable[[], datetime] = real_now
    factories: tuple[AdapterFactory, ...] = field(default=PLATFORMS)

    @cached_property
    def database(self) -> Database:
        return Database(self.database_url)

    def adapters(self) -> list[Adapter]:
        """The configured chat adapters, built anew (each call is a new connection)."""
        return configured_adapters(self.database, self.settings, self.factories)

    def run(
        self, tick_seconds: float, before_commit: Callable[[DueWork], None] | None = None
    ) -> int:
        """``minga run``: the scheduler's ticks and the adapters, until a signal."""
        from bot.runner import run_forever  # APScheduler only for the long-running process

        return run_forever(self.database, self.adapters, tick_seconds, before_commit, self.clock)


def bootstrap(database_flag: str | None = None, environ: Mapping[str, str] | None = None) -> Root:
    """The process's root: settings loaded once and made current, the database named.

    ``--db`` wins over MINGA_DATABASE_URL and the file. Test-only adapters named by
    MINGA_TEST_ADAPTERS join the platforms (bot/adapters.py).
    """
    settings = config.use(Settings.load(environ))
    factories = (*PLATFORMS, *factories_named(settings.get("test_adapters")))
    return Root(settings, settings.database_url(database_flag), real_now, factories)
