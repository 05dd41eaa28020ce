"""Reading when something happens from what people type, in their language.

Exact forms (``2027-02-01T18:00``) are read in the commune's time zone; anything
else goes to dateparser in the member's language, after dropping the little words
it stumbles on ("a les", "a las", "at"). The result is always echoed back as an
exact date, so a misreading is seen before anything is scheduled.

Both forms end in the same place: a naive local wall time, made an instant by
``domain.local_time.local_moment`` (which refuses the hour skipped in spring and
takes the first of autumn's repeated hour). A duration ("2h") is real time.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dateparser

from domain import keywords
from domain.errors import Refusal
from domain.local_time import later, local_moment
from domain.periods import require_year
from handlers import spoken_time
from handlers.parsing import parse_day

_EXACT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}$")
_DURATION = re.compile(r"^([0-9]{1,4})\s*(m|min|h|d)$")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def parse_exact(text: str, tz: str) -> datetime:
    """``YYYY-MM-DDTHH:MM`` in the commune's time zone, as an aware datetime."""
    cleaned = text.strip()
    if not _EXACT.match(cleaned):
        raise Refusal("bad_moment", text=text)
    try:
        local = datetime.fromisoformat(cleaned.replace(" ", "T"))
    except ValueError as error:
        raise Refusal("bad_moment", text=text) from error
    return local_moment(local, tz, text)


def _spoken(text: str, tz: str, locale: str, now: datetime) -> datetime | None:
    """dateparser in the speaker's language (handlers/spoken_time.py), then English,
    which every chat may type too; a naive local wall time, or None."""
    simplified = spoken_time.simplify(text, locale)
    local_now = now.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    for languages in ([locale], ["en"]) if locale != "en" else (["en"],):
        found = dateparser.parse(
            simplified,
            languages=languages,
            settings={
                # A naive local time: dateparser's own zone handling (pytz) reads autumn's
                # repeated hour as its second occurrence and lets spring's skipped one through.
                "TIMEZONE": tz,
                "RETURN_AS_TIMEZONE_AWARE": False,
                "RELATIVE_BASE": local_now,
                **spoken_time.settings(locale),
            },
        )
        if found is not None:
            return found
    return None


def parse_moment(text: str, tz: str, locale: str, now: datetime) -> datetime:
    """An exact date and time, or "next thursday 18:00", "jueves a las 18h",
    "dijous vinent a les 6 de la tarda", "04/02/2027 18:00" (day first in es and ca)."""
    cleaned = text.strip()
    if _EXACT.match(cleaned):
        return parse_exact(cleaned, tz)
    found = _spoken(cleaned, tz, locale, now)
    if found is None:
        raise Refusal("bad_moment", text=text)
    return local_moment(found, tz, text)


def parse_deadline_day(text: str, tz: str, locale: str, now: datetime) -> date:
    """A day as /propose's deadline: ``YYYY-MM-DD``, or in words as a moment is
    ("jueves", "4 de febrero", "04/02/2027", "dijous vinent"); it lasts all that day."""
    cleaned = text.strip()
    if _DAY.match(cleaned):
        return parse_day(cleaned)
    found = _spoken(cleaned, tz, locale, now)
    if found is None:
        raise Refusal("bad_date", text=text)
    require_year(found.year, text)
    return found.date()


def parse_duration(text: str) -> timedelta | None:
    """'2h', '90m', '3d'; None when the text is not a duration."""
    match = _DURATION.match(text.strip().lower())
    if match is None:
        return None
    amount, unit = int(match.group(1)), match.group(2)
    return {
        "m": timedelta(minutes=amount),
        "min": timedelta(minutes=amount),
        "h": timedelta(hours=amount),
        "d": timedelta(days=amount),
    }[unit]


def parse_closing(text: str, opens_at: datetime, tz: str, locale: str, now: datetime) -> datetime:
    """When voting closes: a duration of real time after opening ("2h") or a moment."""
    duration = parse_duration(text)
    if duration is not None:
        closes_at = later(opens_at, duration)
        local = closes_at.astimezone(ZoneInfo(tz))
        require_year(local.year, local.strftime("%Y-%m-%dT%H:%M"))
        return closes_at
    return parse_moment(text, tz, locale, opens_at if opens_at > now else now)


_QUORUM = re.compile(r"^([0-9]{1,3})\s*%$")


def parse_quorum(text: str) -> int | None:
    cleaned = text.strip().lower()
    if keywords.read(cleaned, keywords.NONE) is not None:
        return None
    match = _QUORUM.match(cleaned)
    if match is None or not 1 <= int(match.group(1)) <= 100:
        raise Refusal("bad_quorum", text=text)
    return int(match.group(1))


def parse_remote_weight(text: str) -> int:
    """'50%': how much a remote vote weighs, as a percent of one cast in the room."""
    match = _QUORUM.match(text.strip())
    if match is None or not 0 <= int(match.group(1)) <= 100:
        raise Refusal("bad_remote_weight", text=text)
    return int(match.group(1))


_EVERY = re.compile(r"^every (?:([0-9]{1,2}) )?weeks$|^(?:every )?([0-9]{1,2})w$")


def _repeat_word(word: str) -> str:
    """'cada' -> 'every', 'semanas' -> 'weeks': the words of a repeat, in English."""
    if keywords.read(word, keywords.OPTIONS) == "every":
        return "every"
    return "weeks" if keywords.read(word, keywords.WEEKS) else word.lower()


def parse_repeat(text: str) -> int | None:
    """'every 2 weeks', 'cada 2 semanas', 'cada setmana', '2w', or 'no': weeks or None."""
    if keywords.read(text, keywords.NONE) is not None:
        return None
    match = _EVERY.match(" ".join(_repeat_word(word) for word in text.split()))
    if match is None:
        raise Refusal("bad_repeat", text=text)
    weeks = int(match.group(1) or match.group(2) or 1)
    if not 1 <= weeks <= 52:
        raise Refusal("bad_repeat", text=text)
    return weeks


def parse_yes_no(text: str) -> bool:
    """A form's yes/no question: yes, sí, vale, d'acord, ok; no."""
    found = keywords.read(text, keywords.ANSWERS)
    if found is None:
        raise Refusal("bad_yes_no", text=text)
    return found == "yes"
