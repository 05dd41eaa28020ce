"""Rendering outbox messages: Jinja2 templates, gettext catalogs, Babel formats.

Templates are rendered at delivery so each adapter gets its own markup: plain text
for the console, HTML for Telegram and Matrix. The HTML form is the plain text with
every character escaped, names and translated text alike, so neither a member
called "<b>Eve & co</b>" nor a "<amount>" in a usage line can become markup. Catalogs are
read from the .po files with Babel and compiled in memory, so a fresh checkout
needs no build step for translations.
"""

from __future__ import annotations

import html as html_escaping
import io
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel.core import Locale
from babel.dates import (
    DateTimePattern,
    format_date,
    format_datetime,
    format_skeleton,
    get_date_format,
    get_datetime_format,
    match_skeleton,
    parse_pattern,
)
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

import templates
from domain.local_time import is_ambiguous, utc_offset
from handlers.locales import DEFAULT, SUPPORTED
from handlers.money import format_money, format_number_plain

TEMPLATES = Path(templates.__file__).parent
LOCALES = TEMPLATES / "locale"


@cache
def translations(locale: str) -> NullTranslations:
    po = LOCALES / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT or not po.exists():
        return NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def _as_datetime(value: str | datetime) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


@jinja2.pass_context
def _money(context: jinja2.runtime.Context, amount: int, currency: str | None = None) -> str:
    return format_money(int(amount), currency or context["currency"], context["locale"])


@jinja2.pass_context
def _number(context: jinja2.runtime.Context, amount: int) -> str:
    """An amount as the reader would type it back: no currency symbol."""
    return format_number_plain(int(amount), context["currency"], context["locale"])


@jinja2.pass_context
def _votes(context: jinja2.runtime.Context, amount: str) -> str:
    """A weighted count of votes ("1.5", a decimal string) as the reader writes it: 1,5."""
    return format_decimal(Decimal(amount), locale=_cldr(context["locale"]))


# How templates name a date: a style, not a pattern, so each language gets its own word
# order. English keeps the fixed pattern it always had (CLDR's English is "Jan 28, 2027");
# other languages take CLDR's: a date skeleton, or a standard date width ("full"), and
# for a moment the 24-hour time joined on with the locale's date-time pattern.
DATE_STYLES: dict[str, tuple[str, str, bool]] = {
    # style: (English pattern, CLDR date skeleton or width, with the time)
    "date": ("d MMM yyyy", "yMMMd", False),  # 28 Jan 2027 · 28 ene 2027
    "weekday_date_time": ("EEE d MMM yyyy HH:mm", "yMMMEd", True),  # Thu 28 Jan 2027 14:05
    "weekday_date_time_no_year": ("EEE d MMM HH:mm", "MMMEd", True),  # Thu 28 Jan 14:05
    # Thursday 28 January 2027, 14:05 · jueves, 28 de enero de 2027, 14:05
    "weekday_date_time_long": ("EEEE d MMMM yyyy, HH:mm", "full", True),
}
_WIDTHS = ("full", "long", "medium", "short")


@lru_cache(maxsize=64)
def date_pattern(style: str, locale: str) -> DateTimePattern:
    """The CLDR pattern that writes a date in `style` for readers of `locale`."""
    try:
        english, date_part, with_time = DATE_STYLES[style]
    except KeyError:
        raise ValueError(f"unknown date style {style!r}; one of {', '.join(DATE_STYLES)}") from None
    if locale == DEFAULT:
        return parse_pattern(english)
    cldr = _cldr(locale)
    if date_part in _WIDTHS:
        pattern = get_date_format(date_part, locale=cldr).pattern
    else:
        pattern = _skeleton(date_part, cldr)
    if with_time:
        glue = get_datetime_format("full" if date_part == "full" else "medium", locale=cldr)
        pattern = glue.replace("{1}", pattern).replace("{0}", _skeleton("Hm", cldr))
    return parse_pattern(pattern)


@cache
def _cldr(locale: str) -> Locale:
    """Babel's locale data, parsed once (Locale.parse("es") costs half a date's formatting)."""
    return Locale.parse(locale)


def _skeleton(skeleton: str, locale: Locale) -> str:
    options = locale.datetime_skeletons
    return options[skeleton if skeleton in options else match_skeleton(skeleton, options)].pattern


@jinja2.pass_context
def _day(context: jinja2.runtime.Context, value: str | datetime, style: str = "date") -> str:
    """The local day of `value` in a date style (no time): `deadline|day("date")`."""
    if DATE_STYLES.get(style, ("", "", False))[2]:
        raise ValueError(f"date style {style!r} has a time: use |moment")
    moment = _as_datetime(value)
    tz = context.get("tz") or "UTC"
    locale = context["locale"]
    day = moment.astimezone(ZoneInfo(tz)).date()
    return format_date(day, date_pattern(style, locale), locale=_cldr(locale))


@jinja2.pass_context
def _moment(
    context: jinja2.runtime.Context, value: str | datetime, style: str, offset: bool = False
) -> str:
    """`value` in the reader's time zone, in a date style: `opens|moment("weekday_date_time")`.

    A local time that happens twice (the hour repeated when clocks go back) always
    carries its UTC offset, "Sun 31 Oct 2027 02:30 (UTC+02:00)", so the reader knows
    which of the two is meant; ``offset=True`` adds it to any moment.
    """
    tz = context.get("tz") or "UTC"
    locale = context["locale"]
    pattern = date_pattern(style, locale)
    moment = _as_datetime(value)
    text = format_datetime(moment, pattern, tzinfo=ZoneInfo(tz), locale=_cldr(locale))
    if offset or is_ambiguous(moment, tz):
        text += f" ({utc_offset(moment, tz)})"
    return text


@jinja2.pass_context
def _month(context: jinja2.runtime.Context, period: str) -> str:
    """'2027-01' -> 'January 2027', 'enero de 2027', 'gener del 2027'."""
    return _month_name(period, context["locale"])


@lru_cache(maxsize=4096)  # a clearing's 100,000 statements name the same month
def _month_name(period: str, locale: str) -> str:
    year, month = (int(part) for part in period.split("-"))
    return format_skeleton("yMMMM", date(year, month, 1), locale=locale)


def _bar(fraction_num: int, fraction_den: int, width: int = 10) -> str:
    filled = 0 if fraction_den <= 0 else min(width, fraction_num * width // fraction_den)
    return "▰" * filled + "▱" * (width - filled)


def _percent(num: int, den: int) -> str:
    return "0%" if den <= 0 else f"{num * 100 // den}%"


def _plain_gettext(lookup: Callable[[str], str]) -> Callable[..., str]:
    """Jinja's newstyle ``gettext`` without its context: the same text (the message
    looked up, then formatted with its variables, always, so "%%" reads "%"), but
    Jinja's version asks the template context for the lookup on every call, a second
    ``Context.call`` per line of every message (a tenth of rendering a statement).
    The templates never autoescape, which is all that context was asked for."""

    def gettext(__string: str, **variables: Any) -> str:
        return lookup(__string) % variables

    return gettext


@cache
def environment(locale: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        extensions=["jinja2.ext.i18n"],
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # templates ship with the code: no stat() per message
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals["gettext"] = env.globals["_"] = _plain_gettext(translations(locale).gettext)
    env.filters.update(
        money=_money,
        number=_number,
        day=_day,
        moment=_moment,
        month=_month,
        bar=_bar,
        percent=_percent,
        votes=_votes,
    )
    return env


def render(template: str, locale: str, context: dict[str, Any], html: bool = False) -> str:
    """The message text, one line per line, with no blank lines (chat is dense)."""
    locale = locale if locale in SUPPORTED else DEFAULT
    text = _template(template, locale).render(**context, locale=locale)
    plain = "\n".join(line.rstrip() for line in text.splitlines() if line.strip())
    return html_escaping.escape(plain, quote=False) if html else plain


@lru_cache(maxsize=1024)
def _template(name: str, locale: str) -> jinja2.Template:
    """A compiled template, found once per language (not looked up per message)."""
    return environment(locale).get_template(f"{name}.j2")
