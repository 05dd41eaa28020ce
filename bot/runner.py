"""``minga run``: the long-running process.

APScheduler only ticks: every tick asks the database what is due (deadlines,
clearings, assembly steps) and runs it, each item claimed in its own transaction;
an item that fails is logged and retried later without holding up the rest. A job
store is never shared and a misfired tick is harmless, because the database, not
the scheduler, decides what still needs doing. The chat adapters the composition
root (bot/bootstrap.py) found configured run in the same event loop.

With no chat platform configured it stops at once (``PlatformFailed``, status 2)
unless it was asked to run the scheduler only (``--scheduler-only``: then no
adapter starts, even a configured one).

The process stops on SIGINT or SIGTERM (exit status 0), or when an adapter fails
(bot/adapters.py: a refused token or login is ``PlatformFailed``, status 2; any
other end of an adapter, status 1): then everything is stopped and the failure
is raised for the CLI to print as one line. With a health address
(bot/health.py) it answers ``GET /healthz``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Sequence
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.adapters import Adapter
from bot.clock import real_now
from bot.config import ConfigError, PlatformFailed
from bot.health import Health, serve
from bot.hooks import BeforeCommit
from handlers.jobs import run_due
from storage.uow import Database

log = logging.getLogger("minga")

WATCH_SECONDS = 0.5  # how often the adapters are looked at for a failure
NO_PLATFORM = (
    "no chat platform is configured: set telegram_token (MINGA_TELEGRAM_TOKEN) or "
    "matrix_homeserver (MINGA_MATRIX_HOMESERVER), or run minga run --scheduler-only"
)


def tick(
    database: Database,
    before_commit: BeforeCommit | None = None,
    clock: Callable[[], datetime] | None = None,
) -> None:
    done = run_due(database.unit_of_work, (clock or real_now)(), before_commit)
    for item in done:
        log.info("ran %s", item)  # its kind and which one: "clearing for commune 1: 2027-01"


def failure_of(adapters: Sequence[Adapter]) -> PlatformFailed | None:
    """The first adapter's failure, as what ``minga run`` stops with; None if none failed."""
    for adapter in adapters:
        failure = getattr(adapter, "failure", None)
        if isinstance(failure, PlatformFailed):
            return failure
        if failure is not None:
            return PlatformFailed(
                f"the {adapter.name} adapter stopped: {failure!r} (the log has the traceback)", 1
            )
    return None


async def _watch(stop: asyncio.Event, adapters: Sequence[Adapter]) -> PlatformFailed | None:
    """Until SIGINT/SIGTERM (None) or an adapter's failure (that failure)."""
    while not stop.is_set():
        failure = failure_of(adapters)
        if failure is not None:
            return failure
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), WATCH_SECONDS)
    return None


async def _main(
    database: Database,
    make_adapters: Callable[[], list[Adapter]],
    tick_seconds: float,
    before_commit: BeforeCommit | None,
    clock: Callable[[], datetime],
    health_address: tuple[str, int] | None,
    scheduler_only: bool = False,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    adapters = [] if scheduler_only else make_adapters()  # in the loop their clients use
    if not adapters and not scheduler_only:
        raise PlatformFailed(NO_PLATFORM)
    health = Health(tick_seconds, adapters)
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def scheduled_tick() -> None:
        health.began()
        ok = False
        try:
            await asyncio.to_thread(tick, database, before_commit, clock)
            ok = True
        finally:
            health.ended(ok)

    scheduler.add_job(
        scheduled_tick,
        "interval",
        seconds=tick_seconds,
        coalesce=True,
        max_instances=1,
        next_run_time=clock(),
        id="due-work",
    )
    health_server = None
    if health_address is not None:
        try:
            health_server = await serve(health, *health_address)
        except OSError as error:
            host, port = health_address
            raise ConfigError(f"health_listen: cannot listen on {host}:{port}: {error}") from None
        log.info("health check: http://%s:%s/healthz", *health_address)
    scheduler.start()
    for adapter in adapters:
        await adapter.start()
        log.info("started the %s adapter", adapter.name)
    log.info("minga is running; checking for due work every %ss", tick_seconds)
    failure = await _watch(stop, adapters)
    for adapter in reversed(adapters):
        await adapter.stop()
    scheduler.shutdown(wait=False)
    if health_server is not None:
        await health_server.cleanup()
    if failure is not None:
        raise failure


def run_forever(
    database: Database,
    make_adapters: Callable[[], list[Adapter]],
    tick_seconds: float = 30.0,
    before_commit: BeforeCommit | None = None,
    clock: Callable[[], datetime] = real_now,
    health_address: tuple[str, int] | None = None,
    scheduler_only: bool = False,
) -> int:
    """Tick and run the adapters until SIGINT or SIGTERM (bot/bootstrap.py calls it).

    Logging is the CLI's (bot/logs.py). Raises ``PlatformFailed`` when an adapter failed,
    or when none is configured and ``scheduler_only`` is not set (then no adapter starts).
    """
    asyncio.run(
        _main(
            database,
            make_adapters,
            tick_seconds,
            before_commit,
            clock,
            health_address,
            scheduler_only,
        )
    )
    return 0
