"""Clearing periods: calendar months in the commune's own time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.errors import Refusal

_PERIOD = re.compile(r"^([0-9]{4})-([0-9]{2})$")

# The years a date typed by a member may fall in, for every command that reads one
# (/propose deadlines, assembly times, statement months). Far enough ahead for any
# plan, near enough that a period's end, a deadline's last instant and a voting
# window of weeks all stay inside what datetime can hold.
FIRST_YEAR = 2000
LAST_YEAR = 2999


def require_year(year: int, text: str) -> None:
    """Refuse a date outside FIRST_YEAR..LAST_YEAR, naming the bounds."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Refusal("year_out_of_range", text=text, first=FIRST_YEAR, last=LAST_YEAR)


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month; ordered, hashable, and written ``YYYY-MM``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise Refusal("bad_period", text=text)
        require_year(int(match.group(1)), text)
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, moment: datetime, tz: str) -> Period:
        local = moment.astimezone(ZoneInfo(tz))
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Period:
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Period:
        return Period(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def starts_at(self, tz: str) -> datetime:
        """The first instant of the period, as an aware datetime in UTC."""
        local = datetime.combine(self.first_day, time(0), tzinfo=ZoneInfo(tz))
        return local.astimezone(ZoneInfo("UTC"))

    def ends_at(self, tz: str) -> datetime:
        """The first instant of the next period: when this one can be cleared."""
        return self.next().starts_at(tz)


def end_of_day(day: date, tz: str) -> datetime:
    """The first instant after ``day`` in ``tz``: a deadline day lasts all day."""
    local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz))
    return local.astimezone(ZoneInfo("UTC"))


def open_period(latest_cleared: str | None, created_at: datetime, tz: str) -> Period:
    """The first period not yet cleared: periods clear strictly in order, each one's
    carry is the next one's carry in, so it follows the latest clearing (or is the
    commune's first period)."""
    if latest_cleared is not None:
        return Period.parse(latest_cleared).next()
    return Period.containing(created_at, tz)


def lease_starts(closed_at: datetime, tz: str) -> Period:
    """A lease's first period: the one after its bond cleared."""
    return Period.containing(closed_at, tz).next()


def booking_period(
    recorded: Period, open_: Period, lease_first: Period
) -> tuple[Period, str | None]:
    """Which period money recorded in ``recorded`` belongs to, and why not that one.

    A cleared period is closed: what is dated into it goes to the open period
    (``"cleared"``), or it would never be paid out. Rent for a lease before its first
    period waits for that period (``"lease"``), so it is repaid like the rest of it.
    """
    if lease_first > max(recorded, open_):
        return lease_first, "lease"
    if open_ > recorded:
        return open_, "cleared"
    return recorded, None
