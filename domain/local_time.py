"""Wall-clock times in a commune's time zone, and lengths of real time between them.

Python adds a timedelta to an aware datetime on the wall clock: ``02:30 + 2h`` on the
night clocks spring forward is 04:30 local, one real hour later. Members mean real
time when they say "2h", and local wall-clock time when they say "every week at
18:00"; these helpers keep the two apart. A local time that never happens (the hour
skipped in spring) is refused with the valid minutes around it; one that happens
twice (the hour repeated in autumn) is read as its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.errors import Refusal
from domain.periods import require_year

_MINUTE = timedelta(minutes=1)


def later(start: datetime, length: timedelta) -> datetime:
    """``length`` of real time after ``start``, in ``start``'s time zone."""
    return (start.astimezone(UTC) + length).astimezone(start.tzinfo)


def real_length(start: datetime, end: datetime) -> timedelta:
    """How much real time passes from ``start`` to ``end`` (whatever their zones)."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def _exists(wall: datetime, zone: ZoneInfo) -> bool:
    aware = wall.replace(tzinfo=zone, fold=0)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


def is_ambiguous(moment: datetime, tz: str) -> bool:
    """True when the local time of ``moment`` in ``tz`` happens twice (autumn's fold)."""
    local = moment.astimezone(ZoneInfo(tz))
    return local.utcoffset() != local.replace(fold=1 - local.fold).utcoffset()


def utc_offset(moment: datetime, tz: str) -> str:
    """'UTC+02:00': how far ``moment``'s local time in ``tz`` is ahead of UTC."""
    offset = moment.astimezone(ZoneInfo(tz)).utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // _MINUTE
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _gap_around(wall: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The last valid minute before the skipped hour holding ``wall``, and the first after."""
    # Read with the offset after the jump, ``wall`` is an instant before it; with the
    # offset before the jump, an instant after it. The jump lies between the two.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    before_offset = low.astimezone(zone).utcoffset()
    lo, hi = 0, (high - low) // _MINUTE  # the jump is at a whole minute in (lo, hi]
    while hi - lo > 1:
        middle = (lo + hi) // 2
        if (low + middle * _MINUTE).astimezone(zone).utcoffset() == before_offset:
            lo = middle
        else:
            hi = middle
    jump = low + hi * _MINUTE
    return (jump - _MINUTE).astimezone(zone), jump.astimezone(zone)


def local_moment(wall: datetime, tz: str, text: str) -> datetime:
    """The instant a member means by the naive local ``wall`` time they typed as ``text``.

    A time in the hour skipped when clocks spring forward is refused, naming the last
    valid minute before it and the first after (the member picks, nothing is guessed);
    a time in the hour repeated in autumn is its first occurrence, and every echo of it
    shows its UTC offset.
    """
    require_year(wall.year, text)
    zone = ZoneInfo(tz)
    wall = wall.replace(tzinfo=None, second=0, microsecond=0)
    if not _exists(wall, zone):
        before, after = _gap_around(wall, zone)
        raise Refusal(
            "nonexistent_time",
            text=text,
            zone=tz,
            before=before.isoformat(),
            after=after.isoformat(),
        )
    return wall.replace(tzinfo=zone, fold=0)


def weeks_later(moment: datetime, weeks: int, tz: str) -> datetime:
    """The same local wall-clock time ``weeks`` weeks on, as members of a weekly assembly expect.

    Should that time be skipped by a clock change, it moves on by the length of the jump
    (02:30 becomes 03:30), as calendars do (RFC 5545); a repeated time is its first
    occurrence.
    """
    zone = ZoneInfo(tz)
    wall = moment.astimezone(zone).replace(tzinfo=None) + timedelta(weeks=weeks)
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)
