"""``minga run``: the long-running process.

APScheduler only ticks: every tick asks the database what is due (deadlines,
clearings, assembly steps) and runs it, each item claimed in its own transaction;
an item that fails is logged and retried later without holding up the rest. A job
store is never shared and a misfired tick is harmless, because the database, not
the scheduler, decides what still needs doing. Chat adapters (Telegram, Matrix) join
this loop when they are configured.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.adapters import configured_adapters
from bot.clock import real_now
from bot.pause_for_tests import pause_before_clearing
from handlers.jobs import run_due
from storage.uow import Database

log = logging.getLogger("minga")


def tick(database: Database) -> None:
    done = run_due(database.unit_of_work, real_now(), pause_before_clearing())
    for item in done:
        log.info("ran %s", item)  # its kind and which one: "clearing for commune 1: 2027-01"


async def _main(database: Database, tick_seconds: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def scheduled_tick() -> None:
        await asyncio.to_thread(tick, database)

    scheduler.add_job(
        scheduled_tick,
        "interval",
        seconds=tick_seconds,
        coalesce=True,
        max_instances=1,
        next_run_time=real_now(),
        id="due-work",
    )
    scheduler.start()
    adapters = configured_adapters(database)
    for adapter in adapters:
        await adapter.start()
        log.info("started the %s adapter", adapter.name)
    log.info("minga is running; checking for due work every %ss", tick_seconds)
    await stop.wait()
    for adapter in reversed(adapters):
        await adapter.stop()
    scheduler.shutdown(wait=False)


def run_forever(database: Database, tick_seconds: float = 30.0) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per tick is noise
    asyncio.run(_main(database, tick_seconds))
    return 0
