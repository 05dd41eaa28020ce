"""python-telegram-bot's Bot for minga: its request stack and its rate limiter.

Two connection pools (one for the long poll, one for everything else) and
PTB's AIORateLimiter at the limits of bot/telegram/limits.py, with no retries of
its own: a 429 comes back to the delivery loop, which pauses everything.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.telegram.settings import TelegramSettings


def make_bot(settings: TelegramSettings) -> ExtBot[Any]:
    """python-telegram-bot's Bot, unchanged, behind its AIORateLimiter at our limits."""
    # Opt in to RetryAfter.retry_after as a timedelta (PTB's coming default), which
    # delivery reads either way; without it every 429 warns of the change.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    limits = settings.limits
    request = HTTPXRequest(
        connection_pool_size=settings.concurrency + 4,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        write_timeout=settings.read_timeout,
        pool_timeout=settings.connect_timeout,
    )
    polling = HTTPXRequest(
        connection_pool_size=1,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        pool_timeout=settings.connect_timeout,
    )
    limiter = AIORateLimiter(
        overall_max_rate=limits.overall_per_second,
        overall_time_period=1,
        group_max_rate=limits.group_per_window,
        group_time_period=limits.group_window,
        max_retries=0,  # a 429 comes back to the delivery loop, which pauses everything
    )
    # With max_retries=0 the limiter logs every 429 as an error with a traceback; the
    # delivery loop logs it (once, at INFO) and does what it says.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request is noise
    return ExtBot(
        settings.token,
        base_url=settings.base_url or "https://api.telegram.org/bot",
        request=request,
        get_updates_request=polling,
        rate_limiter=limiter,
    )
