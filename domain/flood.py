"""Flood control: how many messages one member may address to minga in one chat.

A token bucket per (platform, chat, sender), kept as the generic cell rate
algorithm keeps it: one number, the *theoretical arrival time* (``tat``) of the
next message if the sender went exactly at the allowed rate. A message is
admitted while ``tat`` is at most ``tolerance`` ahead of now (the burst), and
each admitted one moves ``tat`` one ``interval`` on; a refused one moves nothing,
so the bucket keeps refilling while a flood goes on.

Over the limit the sender gets one polite message, then silence: the warning is
not repeated until the bucket has been full again (``tat`` no later than now),
so a script that never stops gets one warning, not one per refill.

Times are whole microseconds since the epoch: integers, identical on SQLite and
PostgreSQL, and the storage's one UPSERT does this same arithmetic under the
row's lock (storage/repositories/flood.py; tests/test_trust_flood.py checks the
two agree step by step).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum

MICROSECONDS = 1_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Verdict(IntEnum):
    """What became of the latest message, as the bucket remembers it."""

    ADMIT = 0  # answered; no warning outstanding
    ADMIT_WARNED = 1  # answered; warned earlier, and the bucket has not been full since
    WARN = 2  # over the limit: not acted on, the sender is told when to go on
    SILENT = 3  # over the limit and warned already: not acted on, not answered

    @property
    def admitted(self) -> bool:
        return self in (Verdict.ADMIT, Verdict.ADMIT_WARNED)


@dataclass(frozen=True)
class Bucket:
    tat: int  # microseconds since the epoch
    verdict: Verdict


@dataclass(frozen=True)
class FloodLimit:
    """``per_minute`` messages a minute on average, ``burst`` of them at once."""

    per_minute: int = 10
    burst: int = 5

    def __post_init__(self) -> None:
        if self.per_minute < 1 or self.burst < 1:
            raise ValueError("a flood limit needs at least one message a minute and a burst of 1")

    @property
    def interval(self) -> int:
        """Microseconds for one token to come back."""
        return 60 * MICROSECONDS // self.per_minute

    @property
    def tolerance(self) -> int:
        """How far ahead of now ``tat`` may be and a message still be admitted."""
        return (self.burst - 1) * self.interval

    def step(self, bucket: Bucket | None, now: int) -> Bucket:
        """The bucket after one more message at ``now`` (microseconds)."""
        if bucket is None:
            return Bucket(now + self.interval, Verdict.ADMIT)
        tat, before = bucket.tat, bucket.verdict
        if tat <= now:  # full again: any earlier warning is forgotten
            return Bucket(now + self.interval, Verdict.ADMIT)
        if tat <= now + self.tolerance:
            warned = before is not Verdict.ADMIT
            return Bucket(tat + self.interval, Verdict.ADMIT_WARNED if warned else Verdict.ADMIT)
        return Bucket(tat, Verdict.WARN if before is Verdict.ADMIT else Verdict.SILENT)

    def wait_seconds(self, bucket: Bucket, now: int) -> int:
        """Whole seconds until the next message would be admitted (at least 1)."""
        wait = bucket.tat - self.tolerance - now
        return max(1, -(-wait // MICROSECONDS))


DEFAULT_LIMIT = FloodLimit()


def instant(moment: datetime) -> int:
    """An aware datetime as whole microseconds since the epoch, exactly (no float)."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * MICROSECONDS + delta.microseconds
