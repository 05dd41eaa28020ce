"""Pacing what the bot sends: overall, per chat and per group, and 429's retry_after.

One ``Limiter`` per process decides when the next message to a chat may go; the
delivery loop asks it before each send and tells it after. Every limit is a
sliding window over the times of real sends, so bursts never exceed it. A 429
pauses everything for its ``retry_after`` (Telegram's flood control may be
global), and python-telegram-bot's AIORateLimiter, set to the same numbers,
stands behind this as a second line for calls made outside the delivery loop.
"""

from __future__ import annotations

import time
import warnings
from collections import deque
from collections.abc import Callable
from datetime import timedelta

from telegram.error import RetryAfter

from bot.telegram.settings import Limits


def retry_after_seconds(error: RetryAfter) -> float:
    """A 429's wait in seconds, whether python-telegram-bot gives a timedelta or a number."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Limiter:
    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self.overall: deque[float] = deque()
        self.last: dict[str, float] = {}
        self.groups: dict[str, deque[float]] = {}
        self.paused_until = 0.0

    @property
    def second(self) -> float:
        """The overall window: a second, plus the margin for requests that arrive late."""
        return 1.0 + self.limits.margin

    def _trim(self, now: float) -> None:
        while self.overall and self.overall[0] <= now - self.second:
            self.overall.popleft()

    def global_delay(self) -> float:
        """Seconds until any message may go (429 pause, or 30 in the last second)."""
        now = self.clock()
        self._trim(now)
        wait = max(0.0, self.paused_until - now)
        if len(self.overall) >= self.limits.overall_per_second:
            wait = max(wait, self.overall[0] + self.second - now)
        return wait

    def chat_delay(self, chat_id: str, is_group: bool) -> float:
        """Seconds until a message to this chat may go, as far as the chat is concerned."""
        now = self.clock()
        wait = 0.0
        last = self.last.get(chat_id)
        if last is not None:
            wait = max(wait, last + self.limits.per_chat_interval + self.limits.margin - now)
        if is_group:
            window = self.groups.get(chat_id)
            if window is not None:
                while window and window[0] <= now - self.limits.group_window:
                    window.popleft()
                if len(window) >= self.limits.group_per_window:
                    wait = max(
                        wait, window[0] + self.limits.group_window + self.limits.margin - now
                    )
        return wait

    def delay(self, chat_id: str, is_group: bool) -> float:
        return max(self.global_delay(), self.chat_delay(chat_id, is_group))

    def sent(self, chat_id: str, is_group: bool) -> None:
        """Count a message (or an edit) to this chat, sent just now."""
        now = self.clock()
        self.overall.append(now)
        self.last[chat_id] = now
        if is_group:
            self.groups.setdefault(chat_id, deque()).append(now)

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nothing goes for ``seconds``."""
        self.paused_until = max(self.paused_until, self.clock() + seconds + self.limits.margin)
