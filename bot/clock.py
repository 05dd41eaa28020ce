"""Clocks: the real one, and the console's simulated one that only moves forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# The simulated clock stays where every date minga computes from it (a month's
# end, a deadline, an assembly's close) still fits in a datetime.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
LONGEST = timedelta(days=3660)  # one move of the clock: ten years of clearings, give or take


def real_now() -> datetime:
    return datetime.now(UTC)


def parse_moment(text: str) -> datetime:
    """ISO 8601; a moment without a zone is taken as UTC."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"not a moment: {text[:40]!r} (use ISO 8601, e.g. 2027-01-31T09:00:00Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_moment(moment: datetime, clock: datetime | None) -> datetime:
    """The moment, if the simulated clock (at ``clock``, or unset) may move to it.

    Within years minga can compute in, and at most ``LONGEST`` on: every month
    passed is a clearing, and a century of them would keep the console busy for
    minutes. Backwards is for the caller to refuse (a re-run's replay may repeat it).
    """
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"the clock stays between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)")
    if clock is not None and moment - clock > LONGEST:
        raise ValueError(
            f"that moves the clock more than {LONGEST.days} days at once: move it in steps"
        )
    return moment


_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """``<N>(s|m|h|d)``, N in ASCII digits, at most ``LONGEST``."""
    text = text.strip()
    number = text[:-1]
    if len(text) < 2 or text[-1] not in _UNITS or not (number.isascii() and number.isdigit()):
        raise ValueError(f"not a duration: {text[:40]!r} (use e.g. 30s, 15m, 2h, 31d)")
    if len(number) > 12 or timedelta(**{_UNITS[text[-1]]: int(number)}) > LONGEST:
        raise ValueError(f"{text[:40]} is too long: one :advance goes at most {LONGEST.days}d")
    return timedelta(**{_UNITS[text[-1]]: int(number)})
