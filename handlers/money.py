"""Money as people type it and as they read it.

Amounts live everywhere as integers in the currency's minor unit (cents for EUR).
This module is the only place that turns text into those integers and back:

- ``parse_amount`` reads what a member typed, in their locale, and refuses
  (``domain.errors.Refusal``) anything it cannot read without guessing;
- ``format_money`` / ``format_number_plain`` show an amount in a member's locale;
- ``plain_amount`` is the machine format for reports and JSON.

Decimal throughout, never float. Locales are Babel/CLDR identifiers ("en", "es",
"ca", "pt_BR"); a hyphenated chat-platform code ("pt-br") is accepted too, and an
unknown one falls back to its language, then to English.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.numbers import (
    NumberFormatError,
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    get_territory_currencies,
    parse_decimal,
)

from domain.errors import Refusal

__all__ = [
    "MAX_MINOR",
    "format_money",
    "format_number_plain",
    "is_known_currency",
    "minor_digits",
    "parse_amount",
    "plain_amount",
]

#: The largest amount (in minor units) ``parse_amount`` accepts.
MAX_MINOR = 10**15

_FALLBACK_LOCALE = "en"
# Invisible characters chat clients and Babel sprinkle around numbers (bidi marks,
# zero-width spaces/joiners, BOM): dropped before anything else.
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u061c]")
# Any run of whitespace, including no-break (U+00A0), narrow no-break (U+202F),
# figure (U+2007) and thin (U+2009) spaces: all are whitespace to ``str.isspace``.
_SPACE_RE = re.compile(r"\s+")
_SIGNS = {"+": 1, "-": -1, "\u2212": -1}  # U+2212 is the typographic minus
_PLAIN_DOT_DECIMAL_RE = re.compile(r"[0-9]+\.[0-9]+")


# ---------------------------------------------------------------- currencies


def minor_digits(currency: str) -> int:
    """How many minor-unit digits ``currency`` has (EUR 2, JPY 0, KWD 3)."""
    return get_currency_precision(currency.strip().upper())


def is_known_currency(code: str) -> bool:
    """Whether ``code`` (any case, surrounding spaces ignored) is money a commune can
    keep its books in: an ISO 4217 currency that is legal tender somewhere today, per
    CLDR. Not the codes for no currency (XXX), testing (XTS), metals (XAU, XAG, XPT,
    XPD), units of account and funds (XDR, XSU, BOV, CLF…), nor withdrawn currencies;
    the shared ones (XOF, XAF, XCD, XPF) are. Store ``code.strip().upper()``."""
    code = code.strip()
    return code.isascii() and code.upper() in _tender_currencies(date.today())


@functools.lru_cache(maxsize=2)
def _tender_currencies(day: date) -> frozenset[str]:
    """Every currency some territory uses as legal tender on ``day`` (CLDR)."""
    return frozenset(
        currency
        for territory in get_global("territory_currencies")
        for currency in get_territory_currencies(territory, start_date=day, tender=True)
    )


# ---------------------------------------------------------------- parsing


def parse_amount(text: str, currency: str, locale: str) -> int:
    """Read a positive amount of ``currency`` typed in ``locale``: see ``_parse_amount``.

    Members type the same few amounts again and again, and reading one with Babel
    costs a tenth of a pledge; the answer (minor units, or why not) is remembered.
    """
    minor, refused = _parse_amount_remembered(text, currency, locale)
    if refused is not None:
        code, params = refused
        raise Refusal(code, **dict(params))
    return minor


@functools.lru_cache(maxsize=4096)
def _parse_amount_remembered(
    text: str, currency: str, locale: str
) -> tuple[int, tuple[str, tuple[tuple[str, object], ...]] | None]:
    try:
        return _parse_amount(text, currency, locale), None
    except Refusal as refusal:
        return 0, (refusal.code, tuple(refusal.params.items()))


def _parse_amount(text: str, currency: str, locale: str) -> int:
    """Read a positive amount of ``currency`` typed in ``locale``; return minor units.

    Accepts the locale's own notation ("1,200.50" in en, "1.200,50" in es/ca),
    a plain dot-decimal ("1200.50") when the locale cannot read the text
    otherwise, and the currency's symbol or ISO code before or after the number
    ("€1200", "1200 €", "EUR 1200", "1200eur"), with any kind of spaces around.

    Raises ``Refusal`` with ``text`` (the original text) and code:
    ``amount_malformed`` (not a number, or another currency's symbol/code),
    ``amount_not_positive`` (zero or negative),
    ``amount_too_precise`` (more decimals than the currency has; also ``digits``),
    ``amount_too_large`` (above ``MAX_MINOR`` minor units).
    """
    currency = currency.strip().upper()
    loc = _locale(locale)
    digits = minor_digits(currency)

    def malformed() -> Refusal:
        return Refusal("amount_malformed", text=text)

    s = _SPACE_RE.sub(" ", _INVISIBLE_RE.sub("", text)).strip()
    sign, s = _take_sign(s)
    s = _strip_currency(s, currency, loc)
    if sign == 0:
        sign, s = _take_sign(s)
    number = s.strip()
    if not number:
        raise malformed()

    _refuse_if_ambiguous(text, number, currency, loc, digits)
    value = _read_number(number, loc)
    if value is None:
        raise malformed()

    if sign < 0 or value == 0:
        raise Refusal("amount_not_positive", text=text)
    # Decimals as typed (Babel keeps the exponent): "1.000" in en is refused
    # rather than silently read as one euro.
    _, coefficient_digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite: _read_number only lets digits through
    if -exponent > digits:
        raise Refusal("amount_too_precise", text=text, digits=digits)
    # Compared as a Decimal first: thousands of typed digits are far too large, and
    # Python refuses to turn more than 4,300 of them into an int.
    if value.scaleb(digits) > MAX_MINOR:
        raise Refusal("amount_too_large", text=text)
    coefficient = int("".join(map(str, coefficient_digits)))
    minor = coefficient * 10 ** (exponent + digits)  # exact integer arithmetic
    if minor > MAX_MINOR:
        raise Refusal("amount_too_large", text=text)
    return minor


def _refuse_if_ambiguous(text: str, number: str, currency: str, loc: Locale, digits: int) -> None:
    """Refuse "1.50" where a dot groups thousands (es, ca), and "1,50" where a comma does
    (en), showing both readings.

    One to three digits, the grouping symbol, then one or two digits: it is either a
    decimal typed with the other language's separator, or a grouped number with a
    digit missing ("1.500"). Guessing could be wrong a thousandfold. A leading zero
    ("0.50") or a longer whole part ("1200.50") cannot be a grouped number, and a
    currency without that many decimals leaves only the grouped reading (refused as
    too precise, as before).
    """
    group, decimal = get_group_symbol(loc), get_decimal_symbol(loc)
    if {group, decimal} != {".", ","}:
        return
    found = re.fullmatch(f"([1-9][0-9]{{0,2}}){re.escape(group)}([0-9]{{1,2}})", number)
    if found is None or len(found[2]) > digits:
        return
    whole, fraction = found[1], found[2]
    scale = 10**digits
    as_decimal = int(whole) * scale + int(fraction) * 10 ** (digits - len(fraction))
    as_grouped = int(whole + fraction.ljust(3, "0")) * scale
    raise Refusal(
        "amount_ambiguous",
        text=text,
        decimal=f"{whole}{decimal}{fraction}",
        decimal_amount=format_money(as_decimal, currency, str(loc)),
        grouped=f"{whole}{group}{fraction.ljust(3, '0')}",
        grouped_amount=format_money(as_grouped, currency, str(loc)),
    )


def _take_sign(s: str) -> tuple[int, str]:
    """Split a leading sign off ``s``: (+1/-1, rest) or (0, s) when there is none."""
    if s and s[0] in _SIGNS:
        return _SIGNS[s[0]], s[1:].lstrip()
    return 0, s


def _currency_markers(currency: str, loc: Locale) -> list[str]:
    """Ways of writing ``currency`` we accept next to a number, longest first."""
    markers = {currency}
    for where in (loc, _FALLBACK_LOCALE):
        markers.add(get_currency_symbol(currency, locale=where))
    return sorted(markers, key=len, reverse=True)


def _strip_currency(s: str, currency: str, loc: Locale) -> str:
    """Remove one currency marker from the start or the end of ``s``, if any."""
    for marker in _currency_markers(currency, loc):
        m = re.fullmatch(f"{re.escape(marker)}(.*)|(.*?){re.escape(marker)}", s, re.IGNORECASE)
        if m:
            return (m[1] if m[1] is not None else m[2]).strip()
    return s


def _read_number(number: str, loc: Locale) -> Decimal | None:
    """The unsigned decimal ``number`` spells in ``loc``, or None.

    Only ASCII digits and separators get through to Babel: ``Decimal()`` itself
    would happily read "1e5", "nan", "inf", "1_000" or Arabic-Indic digits.
    """
    decimal_symbol = get_decimal_symbol(loc)
    group_symbol = get_group_symbol(loc)
    if " " in number:
        # Spaces inside a number only make sense where the grouping symbol is a
        # kind of space (fr: U+202F); there, any space stands for it.
        if not group_symbol.isspace():
            return None
        number = number.replace(" ", group_symbol)
    allowed = set("0123456789.,") | {decimal_symbol, group_symbol}
    if not set(number) <= allowed or not any(c.isdigit() for c in number):
        return None
    try:
        return parse_decimal(number, locale=loc, strict=True)
    except NumberFormatError:
        pass
    if _PLAIN_DOT_DECIMAL_RE.fullmatch(number):
        return Decimal(number)
    return None


# ---------------------------------------------------------------- formatting


def format_money(minor: int, currency: str, locale: str) -> str:
    """``minor`` units of ``currency`` as the member reads them, via Babel/CLDR.

    100000 EUR: en "€1,000.00", es and ca "1.000,00\\u00a0€" (a no-break space
    before the symbol).
    """
    fast = _fast_money(currency, locale)
    if fast is not None:
        _check_minor(minor)
        return fast(minor)
    return _babel_money(minor, currency.strip().upper(), locale)


def _babel_money(minor: int, currency: str, locale: str) -> str:
    return format_currency(_to_decimal(minor, currency), currency, locale=_locale(locale))


# Checked against Babel before a fast formatter is trusted: every digit count, the
# grouping thresholds, both signs, the largest amount.
_PROBES = [0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10**4, 10**5 - 1, 10**5, 123456, 10**6]
_PROBES += [1234567, 12345678, 123456789, 10**9 + 7, 10**12 + 1, MAX_MINOR]
_PROBES += [-p for p in _PROBES if p]


@functools.lru_cache(maxsize=256)
def _fast_money(currency: str, locale: str) -> Callable[[int], str] | None:
    """``format_money`` for one currency and locale without Babel's per-call work
    (about 60 µs; a statement shows a dozen amounts), or None where Babel's output
    does not follow the simple shape assumed here: affixes around a grouped number.

    Built from Babel's own output for this pair, and trusted only if it gives
    exactly Babel's text for every probe amount.
    """
    currency = currency.strip().upper()
    try:
        loc = _locale(locale)
        digits = minor_digits(currency)
        pattern = loc.currency_formats["standard"]
        primary, secondary = pattern.grouping
        decimal, group = get_decimal_symbol(loc), get_group_symbol(loc)
    except (KeyError, ValueError, AttributeError, UnknownLocaleError):
        return None
    scale = 10**digits

    def number(units: int, min_grouping: int) -> str:
        whole, fraction = divmod(units, scale)
        if primary == secondary == 3 and min_grouping == 1:  # the common case, in C
            text = f"{whole:,}".replace(",", group)
            return f"{text}{decimal}{fraction:0{digits}d}" if digits else text
        text = str(whole)
        if len(text) >= primary + min_grouping:
            parts = [text[-primary:]]
            text = text[:-primary]
            while len(text) > secondary:
                parts.append(text[-secondary:])
                text = text[:-secondary]
            parts.append(text)
            text = group.join(reversed(parts))
        return f"{text}{decimal}{fraction:0{digits}d}" if digits else text

    probe = 123456789012
    shown = {sign: _babel_money(sign * probe, currency, locale) for sign in (1, -1)}
    affixes = {}
    for sign, text in shown.items():
        at = text.find(number(probe, 1))
        if at < 0:
            return None
        affixes[sign] = (text[:at], text[at + len(number(probe, 1)) :])
    # Whether four-digit amounts are grouped too ("1.000" or "1000") is the locale's.
    thousand = 1000 * scale
    grouping = 1 if number(thousand, 1) in _babel_money(thousand, currency, locale) else 2

    @functools.lru_cache(maxsize=4096)  # a statement run repeats its dividend, rents
    def fast(minor: int) -> str:
        prefix, suffix = affixes[-1 if minor < 0 else 1]
        return f"{prefix}{number(abs(minor), grouping)}{suffix}"

    if all(fast(p) == _babel_money(p, currency, locale) for p in _PROBES):
        return fast
    return None


def format_number_plain(minor: int, currency: str, locale: str) -> str:
    """The number part of ``format_money`` without the symbol, for aligned columns:
    the currency's exact digits, the locale's separators ("1,000.00" en,
    "1.000,00" es/ca, "1,200" for 1200 JPY in en)."""
    currency = currency.strip().upper()
    loc = _locale(locale)
    # The locale's currency pattern minus its symbol, so grouping and minus
    # placement match format_money; Babel forces the currency's digits.
    pattern = ";".join(
        part.replace("¤", "").strip()
        for part in loc.currency_formats["standard"].pattern.split(";")
    )
    return format_currency(_to_decimal(minor, currency), currency, format=pattern, locale=loc)


def plain_amount(minor: int, currency: str) -> str:
    """Machine format: dot decimal, exactly the currency's digits, no grouping,
    leading '-' when negative. 33333 EUR -> "333.33", -5 EUR -> "-0.05",
    1200 JPY -> "1200"."""
    _check_minor(minor)
    digits = minor_digits(currency)
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**digits)
    if digits == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{fraction:0{digits}d}"


def _to_decimal(minor: int, currency: str) -> Decimal:
    """``minor`` units as an exact Decimal in major units, exponent = -digits."""
    _check_minor(minor)
    # From a string: exact whatever the size (no context rounding).
    return Decimal(f"{minor}E-{minor_digits(currency)}")


def _check_minor(minor: int) -> None:
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise TypeError(f"money is an int of minor units, not {type(minor).__name__}")


# ---------------------------------------------------------------- locales


def _locale(locale: str | Locale) -> Locale:
    """Babel Locale for ``locale`` ("es", "pt_BR", "pt-br"); an unknown one falls
    back to its language, then to English, so an odd chat client never crashes us."""
    if isinstance(locale, Locale):
        return locale
    identifier = locale.strip().replace("-", "_")
    for candidate in (identifier, identifier.split("_")[0], _FALLBACK_LOCALE):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    raise AssertionError("unreachable: the fallback locale always parses")
