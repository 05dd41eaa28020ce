"""When to try again: the failures that mean "later", and what a send came to."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
from nio.responses import ErrorResponse

from handlers import observe

log = logging.getLogger("minga.matrix")

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


def refused(what: str, answer: ErrorResponse, now: datetime) -> Later:
    """The homeserver said no to ``what``: wait out a rate limit (pausing all sending),
    else try again in a while."""
    if answer.status_code == "M_LIMIT_EXCEEDED":
        wait_ms = answer.retry_after_ms or 5000
        log.info("rate limited by the homeserver for %sms", wait_ms)
        return Later(now + timedelta(milliseconds=wait_ms), pause=True)
    log.warning("the homeserver refused %s: %s", what, answer)
    observe.delivery_failed("matrix", "refused")
    return Later(now + timedelta(seconds=30))
