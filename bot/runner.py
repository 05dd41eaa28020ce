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
(bot/health.py) it answers ``GET /healthz``; with a metrics address (bot/metrics.py),
``GET /metrics`` and ``GET /healthz``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.adapters import Adapter
from bot.clock import real_now
from bot.config import ConfigError, PlatformFailed
from bot.health import Health, serve
from bot.hooks import BeforeCommit
from handlers import observe
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


@dataclass(frozen=True)
class Options:
    """How ``minga run`` was asked to run: where it listens, and whether it starts adapters."""

    health_address: tuple[str, int] | None = None  # GET /healthz
    metrics_address: tuple[str, int] | None = None  # GET /metrics, and /healthz beside it
    scheduler_only: bool = False  # no adapter, even a configured one


async def _listen(
    database: Database, health: Health, options: Options
) -> tuple[list[Any], observe.Listener | None]:
    """Start the health and metrics servers asked for (one, when at the same address):
    their aiohttp runners, and the metrics' listener to stop at the end."""
    metrics = None
    runners: list[Any] = []
    wanted: list[tuple[str, tuple[str, int], bool]] = []
    if options.metrics_address is not None:
        from bot.metrics import Metrics  # prometheus-client only when asked

        metrics = Metrics(database, health)
        observe.listen(metrics)
        wanted.append(("metrics_listen", options.metrics_address, True))
    if options.health_address is not None and options.health_address != options.metrics_address:
        wanted.append(("health_listen", options.health_address, False))
    try:
        for setting, (host, port), with_metrics in wanted:
            page = metrics.page if metrics is not None and with_metrics else None
            try:
                runners.append(await serve(health, host, port, page))
            except OSError as error:
                raise ConfigError(f"{setting}: cannot listen on {host}:{port}: {error}") from None
            if page is not None:
                log.info("metrics: http://%s:%s/metrics (and /healthz)", host, port)
            else:
                log.info("health check: http://%s:%s/healthz", host, port)
    except ConfigError:
        await _close(runners, metrics)
        raise
    return runners, metrics


async def _close(runners: list[Any], metrics: observe.Listener | None) -> None:
    for runner in runners:
        await runner.cleanup()
    if metrics is not None:
        observe.stop_listening(metrics)


async def _main(
    database: Database,
    make_adapters: Callable[[], list[Adapter]],
    tick_seconds: float,
    before_commit: BeforeCommit | None,
    clock: Callable[[], datetime],
    options: Options,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    adapters = [] if options.scheduler_only else make_adapters()  # in the loop they use
    if not adapters and not options.scheduler_only:
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
    servers, metrics = await _listen(database, health, options)
    scheduler.start()
    for adapter in adapters:
        await adapter.start()
        log.info("started the %s adapter", adapter.name)
    log.info("minga is running; checking for due work every %ss", tick_seconds)
    failure = await _watch(stop, adapters)
    for adapter in reversed(adapters):
        await adapter.stop()
    scheduler.shutdown(wait=False)
    await _close(servers, metrics)
    if failure is not None:
        raise failure


def run_forever(
    database: Database,
    make_adapters: Callable[[], list[Adapter]],
    tick_seconds: float = 30.0,
    before_commit: BeforeCommit | None = None,
    clock: Callable[[], datetime] = real_now,
    options: Options = Options(),  # frozen: one shared default is safe
) -> int:
    """Tick and run the adapters until SIGINT or SIGTERM (bot/bootstrap.py calls it).

    Logging is the CLI's (bot/logs.py). Raises ``PlatformFailed`` when an adapter failed,
    or when none is configured and ``options.scheduler_only`` is not set.
    """
    asyncio.run(_main(database, make_adapters, tick_seconds, before_commit, clock, options))
    return 0
