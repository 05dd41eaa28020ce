"""TEST ONLY: deliver one platform's outbox to a file, as a chat adapter would.

A test adds it to a real ``minga run`` process as a test plugin, with
``PYTHONPATH=tests`` and ``MINGA_TEST_PLUGINS=file_delivery:register``
(bot/bootstrap.py loads it); it starts only when ``MINGA_TEST_DELIVER`` is set, to
``<platform>:<file>``. It lets tests/test_multiprocess.py run several real
processes on one database without a chat platform: each process claims messages
with ``OutboxRepository.claim`` (``FOR UPDATE SKIP LOCKED`` and a lease), renders
them, appends one line per message to the file (``<outbox id>\\t<pid>\\t<text>``)
and marks them delivered. Never configure it in a deployment.

- ``MINGA_TEST_DELIVERY_LEASE``: seconds a claim lasts (default 30).
- ``MINGA_TEST_PAUSE_DELIVERY=<file>``: after its first claim, the process writes
  the claimed outbox ids to <file> and hangs holding them, so a test can SIGKILL
  it there and watch another process take them over when the lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import real_now
from bot.config import Settings
from bot.hooks import Hooks
from handlers.rendering import render
from storage.uow import Database

if TYPE_CHECKING:
    from bot.bootstrap import Plugins

BATCH = 10
IDLE = 0.1  # seconds between looks at an empty outbox


class FileDelivery:
    name = "file (test only)"

    def __init__(
        self, database: Database, platform: str, path: Path, lease: timedelta, pause: Path | None
    ) -> None:
        self.database = database
        self.platform = platform
        self.path = path
        self.lease = lease
        self.pause = pause
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            if not await asyncio.to_thread(self.deliver_once):
                await asyncio.sleep(IDLE)

    def deliver_once(self) -> int:
        with self.database.unit_of_work() as uow:
            claimed = uow.outbox.claim(self.platform, real_now(), self.lease, BATCH)
            uow.commit()
        if not claimed:
            return 0
        if self.pause is not None:
            self.pause.write_text("\n".join(str(m.id) for m in claimed))
            time.sleep(3600)  # hang holding the claim, for a test to kill
        lines = "".join(
            f"{m.id}\t{os.getpid()}\t"
            + render(m.template, m.locale, m.context).replace("\n", " | ")
            + "\n"
            for m in claimed
        )
        with self.path.open("a", encoding="utf-8") as out:  # one append per batch
            out.write(lines)
            out.flush()
            os.fsync(out.fileno())
        with self.database.unit_of_work() as uow:
            uow.outbox.mark_delivered([m.id for m in claimed], real_now())
            uow.commit()
        return len(claimed)


def from_environment(database: Database, settings: Settings, hooks: Hooks) -> FileDelivery | None:
    """The adapter factory (bot/adapters.py's ``AdapterFactory``)."""
    deliver = settings.get("test_deliver")
    if not deliver:
        return None
    platform, _, path = deliver.partition(":")
    lease = timedelta(seconds=float(settings.get("test_delivery_lease") or "30"))
    pause = settings.get("test_pause_delivery")
    return FileDelivery(database, platform, Path(path), lease, Path(pause) if pause else None)


def register(plugins: Plugins) -> None:
    """The test plugin a test names in ``MINGA_TEST_PLUGINS``."""
    plugins.adapter(from_environment)
