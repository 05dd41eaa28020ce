"""Dates in messages: a template names a style, each language writes it its own way.

Templates say ``deadline|day("date")`` or ``opens|moment("weekday_date_time")``
(handlers.rendering.DATE_STYLES). English keeps the fixed patterns minga always used
("Thu 28 Jan 2027 14:05"); Spanish and Catalan get CLDR's forms from Babel's locale
data, so a Spanish reader sees "jueves, 28 de enero de 2027, 14:05" rather than the
English word order in Spanish words.

What Babel 2.18 / CLDR gives, so nobody is surprised:
- es and ca write the hour without a leading zero ("8:05"); English keeps "08:05".
- Catalan month names carry their "de" ("28 de gener"), and a year after a month
  name is "del 2027" in the date and long forms but not in "dj., 28 de gen. 2027".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from handlers import rendering
from handlers.rendering import DATE_STYLES, date_pattern, environment

TEMPLATES = Path(rendering.__file__).resolve().parent.parent / "templates"
TZ = "Europe/Madrid"
AFTERNOON = "2027-01-28T13:05:00+00:00"  # a Thursday, 14:05 in Madrid
MORNING = "2027-01-28T07:05:00+00:00"  # 08:05 in Madrid

# style -> locale -> (the afternoon, the morning)
EXPECTED: dict[str, dict[str, tuple[str, str]]] = {
    "date": {
        "en": ("28 Jan 2027", "28 Jan 2027"),
        "es": ("28 ene 2027", "28 ene 2027"),
        "ca": ("28 de gen. del 2027", "28 de gen. del 2027"),
    },
    "weekday_date_time": {
        "en": ("Thu 28 Jan 2027 14:05", "Thu 28 Jan 2027 08:05"),
        "es": ("jue, 28 ene 2027, 14:05", "jue, 28 ene 2027, 8:05"),
        "ca": ("dj., 28 de gen. 2027, 14:05", "dj., 28 de gen. 2027, 8:05"),
    },
    "weekday_date_time_no_year": {
        "en": ("Thu 28 Jan 14:05", "Thu 28 Jan 08:05"),
        "es": ("jue, 28 ene, 14:05", "jue, 28 ene, 8:05"),
        "ca": ("dj., 28 de gen., 14:05", "dj., 28 de gen., 8:05"),
    },
    "weekday_date_time_long": {
        "en": ("Thursday 28 January 2027, 14:05", "Thursday 28 January 2027, 08:05"),
        "es": ("jueves, 28 de enero de 2027, 14:05", "jueves, 28 de enero de 2027, 8:05"),
        "ca": ("dijous, 28 de gener del 2027, 14:05", "dijous, 28 de gener del 2027, 8:05"),
    },
}
# The patterns the templates passed before they named styles: English must not move.
ENGLISH_BEFORE = {
    "date": "d MMM yyyy",
    "weekday_date_time": "EEE d MMM yyyy HH:mm",
    "weekday_date_time_no_year": "EEE d MMM HH:mm",
    "weekday_date_time_long": "EEEE d MMMM yyyy, HH:mm",
}


def written(style: str, locale: str, value: str, tz: str = TZ) -> str:
    kind = "moment" if DATE_STYLES[style][2] else "day"
    template = environment(locale).from_string(f'{{{{ value|{kind}("{style}") }}}}')
    return template.render(value=value, locale=locale, tz=tz)


def test_every_style_is_pinned_here() -> None:
    assert set(EXPECTED) == set(DATE_STYLES) == set(ENGLISH_BEFORE)


@pytest.mark.parametrize("locale", ["en", "es", "ca"])
@pytest.mark.parametrize("style", sorted(EXPECTED))
def test_each_style_in_each_language(style: str, locale: str) -> None:
    afternoon, morning = EXPECTED[style][locale]
    assert written(style, locale, AFTERNOON) == afternoon
    assert written(style, locale, MORNING) == morning


@pytest.mark.parametrize("style", sorted(ENGLISH_BEFORE))
def test_english_keeps_the_patterns_it_had(style: str) -> None:
    assert date_pattern(style, "en").pattern == ENGLISH_BEFORE[style]


def test_the_reader_s_time_zone_decides_the_day() -> None:
    late = "2026-12-31T23:30:00+00:00"  # already 1 January in Madrid
    assert written("date", "es", late, tz="UTC") == "31 dic 2026"
    assert written("date", "es", late) == "1 ene 2027"
    assert written("weekday_date_time", "ca", late) == "dv., 1 de gen. 2027, 0:30"


def test_a_moment_also_takes_a_date_only_style() -> None:
    template = environment("es").from_string('{{ value|moment("date") }}')
    assert template.render(value=AFTERNOON, locale="es", tz=TZ) == "28 ene 2027"


def test_an_unknown_style_or_a_time_in_day_is_refused() -> None:
    def day(style: str) -> str:
        template = environment("es").from_string(f'{{{{ value|day("{style}") }}}}')
        return template.render(value=AFTERNOON, locale="es", tz=TZ)

    with pytest.raises(ValueError, match=re.escape("unknown date style 'd MMM yyyy'")):
        day("d MMM yyyy")  # a raw pattern, as templates used to pass
    with pytest.raises(ValueError, match=re.escape("has a time: use |moment")):
        day("weekday_date_time")


def test_the_templates_name_only_known_styles() -> None:
    used = {
        match.group(2)
        for path in TEMPLATES.rglob("*.j2")
        for match in re.finditer(r"\|\s*(day|moment)\b\s*(?:\(\s*\"([^\"]*)\")?", path.read_text())
        if match.group(2) is not None
    }
    bare = [
        path.name
        for path in TEMPLATES.rglob("*.j2")
        if re.search(r"\|\s*moment\b(?!\s*\()", path.read_text())
    ]
    assert used, "no template names a date style: has the filter been renamed?"
    assert used <= set(DATE_STYLES), used - set(DATE_STYLES)
    assert not bare, f"|moment needs a style in {bare}"
