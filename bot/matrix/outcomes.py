"""When to try again: the failures that mean "later", and what a send came to."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import aiohttp

# Network failures that mean "try again later", never "this message is bad".
TRANSIENT = (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError, ConnectionError)
MAX_BACKOFF = 60.0  # seconds: the longest wait between two tries to reach the homeserver


@dataclass(frozen=True)
class Later:
    """Not sent now: deliverable again from ``not_before``; ``pause`` stops all sending."""

    not_before: datetime
    pause: bool = False


@dataclass(frozen=True)
class Delivered:
    """The homeserver took the event: ``event_id`` in ``room_id``."""

    event_id: str | None = None
    room_id: str | None = None


Outcome = Delivered | Later
