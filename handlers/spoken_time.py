"""How people say a time in each language, rewritten into what dateparser reads.

dateparser knows the weekdays and months of es and ca, but not the little words
around them, nor the hour forms people type in a chat: "18h" (read as the 18th),
"a las 18h", "6 de la tarde", "próximo jueves", "dijous vinent". ``simplify`` turns
each into plain "jueves 18:00" before dateparser sees it; ``settings`` gives the
language's conventions (day first in es and ca: 04/02/2027 is 4 February).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class _Words:
    """One language's words, each a regular expression's alternatives."""

    weekdays: str
    next_before: str  # "next thursday" is the coming one: dateparser, preferring
    next_after: str  # the future, finds it from the weekday alone
    afternoon: str  # after an hour: add twelve hours
    morning: str  # after an hour: keep it (12 is midnight)
    within: str  # "in 2h": a length of time, not two o'clock
    hours: str


_LANGUAGES = {
    "en": _Words(
        weekdays="monday|tuesday|wednesday|thursday|friday|saturday|sunday",
        next_before=r"next|this|coming",
        next_after=r"next",
        afternoon=r"pm|p\.m\.|in the afternoon|in the evening|at night",
        morning=r"am|a\.m\.|in the morning",
        within=r"in",
        hours="hours",
    ),
    "es": _Words(
        weekdays="lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo",
        next_before=r"pr[oó]xim[oa]|este|esta|el pr[oó]ximo|la pr[oó]xima",
        next_after=r"que viene|pr[oó]ximo|pr[oó]xima|siguiente",
        afternoon=r"de la tarde|de la noche|por la tarde|por la noche|pm",
        morning=r"de la mañana|de la madrugada|por la mañana|am",
        within=r"en|dentro de",
        hours="horas",
    ),
    "ca": _Words(
        weekdays="dilluns|dimarts|dimecres|dijous|divendres|dissabte|diumenge",
        next_before=r"pr[oò]xim|pr[oò]xima|proper|propera|aquest|aquesta|el proper",
        next_after=r"vinent|que ve|pr[oò]xim|pr[oò]xima",
        afternoon=r"de la tarda|del vespre|de la nit|a la tarda|al vespre|pm",
        morning=r"del matí|de la matinada|al matí|am",
        within=r"en|d'aquí a|dins de",
        hours="hores",
    ),
}
#: Words around a time that dateparser stumbles on.
_FILLER = {
    "en": (r"\bat\b", r"\bon\b"),
    "es": (r"\ba las\b", r"\ba la\b", r"\bel\b", r"\blas\b"),
    "ca": (r"\ba les\b", r"\ba la\b", r"\bel\b", r"\bles\b"),
}
_HOUR_H = re.compile(r"\b([01]?[0-9]|2[0-3])\s*h(?:\s*([0-5][0-9]))?\b")
_HOUR = r"([01]?[0-9]|2[0-3])(?:[:.]([0-5][0-9]))?"
_DAY_FIRST = {"es", "ca"}


def _clock(hour: int, minute: str | None) -> str:
    return f"{hour:02d}:{minute or '00'}"


def _part_of_day(text: str, words: _Words) -> str:
    for part, afternoon in ((words.afternoon, True), (words.morning, False)):
        pattern = re.compile(rf"\b{_HOUR}\s*(?:{part})(?!\w)")

        def written(match: re.Match[str], afternoon: bool = afternoon) -> str:
            hour = int(match.group(1))
            if afternoon and hour < 12:
                hour += 12
            elif not afternoon and hour == 12:
                hour = 0
            return _clock(hour, match.group(2))

        text = pattern.sub(written, text)
    return text


def _next_weekday(text: str, words: _Words) -> str:
    text = re.sub(rf"\b(?:{words.next_before})\s+({words.weekdays})\b", r"\1", text)
    return re.sub(rf"\b({words.weekdays})\s+(?:{words.next_after})(?!\w)", r"\1", text)


def simplify(text: str, locale: str) -> str:
    """'el próximo jueves a las 6 de la tarde' -> 'jueves 18:00'."""
    simplified = " ".join(text.lower().split())
    words = _LANGUAGES.get(locale, _LANGUAGES["en"])
    simplified = re.sub(
        rf"\b({words.within})\s+([0-9]+)\s*h\b", rf"\1 \2 {words.hours}", simplified
    )
    simplified = _HOUR_H.sub(lambda m: _clock(int(m.group(1)), m.group(2)), simplified)
    simplified = _part_of_day(simplified, words)
    simplified = _next_weekday(simplified, words)
    for filler in _FILLER.get(locale, ()) + _FILLER["en"]:
        simplified = re.sub(filler, " ", simplified)
    return " ".join(simplified.split())


def settings(locale: str) -> dict[str, Any]:
    """dateparser's settings for ``locale``: day first in es and ca, the future preferred."""
    chosen: dict[str, Any] = {"PREFER_DATES_FROM": "future"}
    if locale in _DAY_FIRST:
        chosen["DATE_ORDER"] = "DMY"
    return chosen
