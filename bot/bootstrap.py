"""The composition root: where one minga process is put together, once.

Every ``minga`` subcommand starts here. The settings are read and checked once
(bot/config.py), the database is opened from them (or from ``--db``), and the
clock, the chat adapters and the scheduler are chosen here and handed to what
needs them, so no other module reads the environment or the config file to decide
how the process is wired.

**Test plugins (TEST ONLY).** The one way a test changes a real ``minga`` process
is the setting ``MINGA_TEST_PLUGINS=<module>:<function>[,...]``, with the module's
directory on ``PYTHONPATH``. Each function is called once with a ``Plugins`` and
may add adapter factories (tests/file_delivery.py) and fill the hooks of
bot/hooks.py (tests/pauses.py). A deployment never sets it; nothing else in
minga's own code reads a test setting.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from bot import config
from bot.adapters import PLATFORMS, Adapter, AdapterFactory, configured_adapters
from bot.clock import real_now
from bot.config import ConfigError, Settings, parse_address
from bot.hooks import NO_HOOKS, AfterReceive, BeforeCommit, Hooks
from storage.uow import Database

#: What a database URL looks like, for the messages about one that is not.
URL_FORMS = "sqlite:////absolute/path/minga.sqlite or postgresql+psycopg://user@host/dbname"


class DatabaseUnavailable(Exception):
    """The database server did not answer or refused minga (it may be down for now)."""


@dataclass
class Root:
    """One process's wiring. The database opens (and migrates) on first use, so a
    command can first check that the file it was pointed at exists."""

    settings: Settings
    database_url: str
    clock: Callable[[], datetime] = real_now
    factories: tuple[AdapterFactory, ...] = field(default=PLATFORMS)
    hooks: Hooks = NO_HOOKS

    @cached_property
    def database(self) -> Database:
        """Opened and migrated; a database minga cannot open is one line, not a traceback:
        ``ConfigError`` when the URL or the file is wrong, ``DatabaseUnavailable`` when a
        PostgreSQL server did not let minga in (down, or a wrong password)."""
        from alembic.util.exc import CommandError

        shown = make_url(self.database_url).render_as_string(hide_password=True)
        try:
            return Database(self.database_url)
        except OperationalError as error:
            reason = str(error.orig or error).strip().splitlines()[0]
            if make_url(self.database_url).get_backend_name() == "sqlite":
                raise ConfigError(f"cannot open the database {shown}: {reason}") from None
            raise DatabaseUnavailable(f"cannot connect to the database {shown}: {reason}") from None
        except CommandError as error:
            raise ConfigError(
                f"the database {shown} is at a schema this minga does not know ({error}); "
                "is it a newer minga's?"
            ) from None

    def adapters(self) -> list[Adapter]:
        """The configured chat adapters, built anew (each call is a new connection)."""
        return configured_adapters(self.database, self.settings, self.factories, self.hooks)

    def run(
        self,
        tick_seconds: float,
        health: str | None = None,
        scheduler_only: bool = False,
        metrics: str | None = None,
    ) -> int:
        """``minga run``: the scheduler's ticks and the adapters, until a signal.

        ``health`` (else the ``health_listen`` setting): host:port for ``GET /healthz``;
        ``metrics`` (else ``metrics_listen``): host:port for ``GET /metrics`` and
        ``/healthz``. ``scheduler_only``: no chat adapter, not even a configured one."""
        from bot.runner import Options, run_forever  # APScheduler only for minga run

        options = Options(
            health_address=self._address(health, "health_listen", "--health"),
            metrics_address=self._address(metrics, "metrics_listen", "--metrics"),
            scheduler_only=scheduler_only,
        )
        before_commit = self.hooks.before_commit
        return run_forever(
            self.database, self.adapters, tick_seconds, before_commit, self.clock, options
        )

    def _address(self, flag: str | None, setting: str, option: str) -> tuple[str, int] | None:
        listen = flag or self.settings.get(setting)
        if not listen:
            return None
        address = parse_address(listen)
        if address is None:
            raise ConfigError(f"{option} must be host:port, not {listen!r}")
        return address


class Plugins:
    """What the test plugins named by ``MINGA_TEST_PLUGINS`` add to one process (TEST ONLY)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.factories: list[AdapterFactory] = []
        self.hooks = NO_HOOKS

    def adapter(self, factory: AdapterFactory) -> None:
        """Start this adapter too, after the configured platforms."""
        self.factories.append(factory)

    def before_commit(self, hook: BeforeCommit) -> None:
        """Call this just before each item of due work commits (console and ``minga run``)."""
        self.hooks = replace(self.hooks, before_commit=hook)

    def after_receive(self, hook: AfterReceive) -> None:
        """Call this right after a chat adapter committed received updates to its inbox."""
        self.hooks = replace(self.hooks, after_receive=hook)


def load_plugins(settings: Settings) -> Plugins:
    """Call each ``<module>:<function>`` the ``test_plugins`` setting names (TEST ONLY)."""
    plugins = Plugins(settings)
    spec = settings.get("test_plugins") or ""
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        module, _, name = entry.partition(":")
        try:
            register: Callable[[Plugins], None] = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as error:
            raise ConfigError(f"test_plugins: cannot load {entry!r}: {error}") from None
        register(plugins)
    return plugins


def bootstrap(database_flag: str | None = None, environ: Mapping[str, str] | None = None) -> Root:
    """The process's root: settings loaded once and made current, the database named.

    ``--db`` wins over MINGA_DATABASE_URL and the file. What test plugins add
    (``MINGA_TEST_PLUGINS``) joins the platforms and fills the hooks.
    """
    settings = config.use(Settings.load(environ))
    plugins = load_plugins(settings)
    url = settings.database_url(database_flag)
    check_database_url(url, "--db" if database_flag else f"database_url ({settings.source})")
    return Root(settings, url, real_now, (*PLATFORMS, *plugins.factories), plugins.hooks)


def check_database_url(url: str, source: str) -> None:
    """A URL minga can use, or a ConfigError saying so (without the URL's password)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"{source} is not a database URL; use {URL_FORMS}") from None
    shown = parsed.render_as_string(hide_password=True)
    try:
        parsed.get_dialect().import_dbapi()
    except NoSuchModuleError:
        raise ConfigError(f"{source}: minga cannot use {shown}; use {URL_FORMS}") from None
    except ImportError as error:
        raise ConfigError(
            f"{source}: {shown} needs the Python module {error.name}, which minga does not "
            f"install; use {URL_FORMS}"
        ) from None
