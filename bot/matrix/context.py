"""What every part of the Matrix adapter works with, once logged in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from nio import AsyncClient

from bot.matrix.settings import MatrixSettings
from storage.uow import Database


@dataclass(frozen=True)
class Context:
    client: AsyncClient  # one logged-in client: receiving and sending share its rooms
    database: Database
    settings: MatrixSettings
    clock: Callable[[], datetime]  # the handlers' time; leases and waits use real time
    wake: asyncio.Event  # look at the outbox now: something may have been queued
    synced: asyncio.Event  # the first sync of this process is absorbed
