"""Clocks: the real one, and the console's simulated one that only moves forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def real_now() -> datetime:
    return datetime.now(UTC)


def parse_moment(text: str) -> datetime:
    """ISO 8601; a moment without a zone is taken as UTC."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    text = text.strip()
    if len(text) < 2 or text[-1] not in _UNITS or not text[:-1].isdigit():
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 15m, 2h, 31d)")
    return timedelta(**{_UNITS[text[-1]]: int(text[:-1])})
