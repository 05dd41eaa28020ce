"""Money in and out of text: handlers.money.

Table tests pin what members in en, es and ca can type and what they will read;
the properties pin that everything we show (in any of those locales) and every
machine-format amount reads back to the same number of cents.

What Babel 2.18 / CLDR actually gives, so nobody is surprised:
- es and ca group thousands from four digits on: 100000 cents is "1.000,00 €".
  (CLDR's Spanish minimumGroupingDigits=2 would give "1000,00 €", but Babel does
  not apply it.) The separator before "€" is a no-break space (U+00A0).
- en puts the symbol first with no space: "€1,000.00"; negative "-€5.00".
- Dot-grouping locales read "1.000" as a thousand, so "10.001" in es is 10001 €
  (in en it is refused as too precise); a plain "1200.50" is only read as
  dot-decimal there because the locale itself cannot read it.
"""

from __future__ import annotations

import pytest
from babel.numbers import get_group_symbol
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import Refusal
from handlers.money import (
    MAX_MINOR,
    format_money,
    format_number_plain,
    is_known_currency,
    minor_digits,
    parse_amount,
    plain_amount,
)

NBSP = "\u00a0"
NNBSP = "\u202f"
LOCALES = ("en", "es", "ca")

# ---------------------------------------------------------------- currencies


@pytest.mark.parametrize(
    ("currency", "digits"),
    [("EUR", 2), ("eur", 2), ("USD", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4)],
)
def test_minor_digits(currency: str, digits: int) -> None:
    assert minor_digits(currency) == digits


@pytest.mark.parametrize("code", ["EUR", "eur", " Eur ", "JPY", "USD", "CHF", "GBP"])
def test_known_currencies(code: str) -> None:
    assert is_known_currency(code)


@pytest.mark.parametrize("code", ["", "EU", "EURO", "ABC", "€", "123", "EUR1"])
def test_unknown_currencies(code: str) -> None:
    assert not is_known_currency(code)


# No currency, testing, metals, IMF units, funds and units of account: ISO codes, not money.
@pytest.mark.parametrize("code", ["XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XDR", "XSU", "BOV"])
def test_codes_that_are_not_money(code: str) -> None:
    assert not is_known_currency(code)


@pytest.mark.parametrize("code", ["XOF", "XAF", "XCD", "XPF", "KWD", "JPY"])
def test_shared_and_odd_digit_currencies_are_money(code: str) -> None:
    assert is_known_currency(code)


# ---------------------------------------------------------------- parsing: accepted

ACCEPTED_EVERYWHERE = [
    ("1200", 120000),
    ("1200.50", 120050),  # plain dot-decimal
    ("0.05", 5),  # a leading zero is never a thousands group
    ("1234.5", 123450),  # nor are four digits before the dot
    ("€1200", 120000),
    ("1200€", 120000),
    ("1200 €", 120000),
    (f"1200{NBSP}€", 120000),
    (f"1200{NNBSP}€", 120000),
    ("EUR 1200", 120000),
    ("1200 EUR", 120000),
    ("eur1200", 120000),
    ("€ 1200", 120000),
    (f"  {NBSP}1200\t", 120000),
    ("+5", 500),
    ("10000000000000", MAX_MINOR),  # exactly the limit
]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("text", "minor"), ACCEPTED_EVERYWHERE)
def test_parse_accepted_in_every_locale(text: str, minor: int, locale: str) -> None:
    assert parse_amount(text, "EUR", locale) == minor


@pytest.mark.parametrize(
    ("text", "locale", "minor"),
    [
        ("1,200.50", "en", 120050),
        ("1,200", "en", 120000),
        ("€1,200.50", "en", 120050),
        ("1,234,567.89", "en", 123456789),
        (".5", "en", 50),
        ("12.5", "en", 1250),
        ("1.200,50", "es", 120050),
        ("1.200,50", "ca", 120050),
        ("1.200,50 €", "es", 120050),
        ("1200,50", "es", 120050),
        ("12,5", "ca", 1250),
        ("1.200", "es", 120000),  # a thousand separator there, not a decimal point
        ("1.234.567,89 €", "ca", 123456789),
        ("10.001", "es", 1000100),
        ("EUR 1.000,00", "es", 100000),
    ],
)
def test_parse_locale_notation(text: str, locale: str, minor: int) -> None:
    assert parse_amount(text, "EUR", locale) == minor


def test_parse_space_grouping_locale() -> None:
    # fr groups with U+202F; any kind of space typed in its place is fine.
    assert parse_amount("1 234,56 €", "EUR", "fr") == 123456
    assert parse_amount(f"1{NNBSP}234,56{NBSP}€", "EUR", "fr") == 123456


def test_parse_symbol_of_the_communes_currency_only() -> None:
    assert parse_amount("$5", "USD", "en") == 500
    assert parse_amount("US$5", "USD", "es") == 500
    assert parse_amount("$5", "USD", "es") == 500  # the en symbol is understood too
    assert parse_amount("5 usd", "usd", "ca") == 500


def test_parse_hyphenated_and_unknown_locales() -> None:
    assert parse_amount("1.200,50", "EUR", "es-ES") == 120050
    assert parse_amount("1,200.50", "EUR", "xx") == 120050  # unknown: English


# ---------------------------------------------------------------- parsing: refused


def refusal(text: str, currency: str = "EUR", locale: str = "en") -> Refusal:
    with pytest.raises(Refusal) as caught:
        parse_amount(text, currency, locale)
    return caught.value


MALFORMED = [
    "",
    "   ",
    "abc",
    "12abc",
    "five",
    "1e5",
    "1E5",
    "nan",
    "NaN",
    "inf",
    "Infinity",
    "-inf",
    "1_000",
    "١٢",  # Arabic-Indic digits
    "1.2.3",
    "€",
    "-",
    "€ €",
    "€5€",
    "5-",
    "--5",
    "$5",
    "5 $",
    "USD 5",
    "5 GBP",
    "£5",
    "1 200",  # spaces are not a grouping separator in en/es/ca
    "0x10",
    "(5)",
]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("text", MALFORMED)
def test_parse_malformed(text: str, locale: str) -> None:
    r = refusal(text, locale=locale)
    assert (r.code, r.params) == ("amount_malformed", {"text": text})


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("1.200,50", "en"),
        ("1,200.50", "es"),
        ("1,200.50", "ca"),
        ("1,2,3.4", "es"),
        ("1,0000.00", "en"),
    ],
)
def test_parse_malformed_in_that_locale(text: str, locale: str) -> None:
    assert refusal(text, locale=locale).code == "amount_malformed"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("text", ["-5", "0", "0.00", "-0", "€0", "-€5", "€-5", "−5", "- 5 €"])
def test_parse_not_positive(text: str, locale: str) -> None:
    r = refusal(text, locale=locale)
    assert (r.code, r.params) == ("amount_not_positive", {"text": text})


@pytest.mark.parametrize(
    ("text", "currency", "locale", "digits"),
    [
        ("10.001", "EUR", "en", 2),
        ("0.001", "EUR", "en", 2),
        ("1.000", "EUR", "en", 2),  # trailing zeros count: an en reader typed a decimal point
        ("1,000", "EUR", "es", 2),  # and a comma is one in es
        ("10,001", "EUR", "ca", 2),
        ("0,001", "EUR", "ca", 2),
        ("5.5", "JPY", "en", 0),
        ("5.5", "JPY", "es", 0),
        ("5,5", "JPY", "es", 0),
        ("5.0", "JPY", "en", 0),
        ("1.0001", "KWD", "en", 3),
    ],
)
def test_parse_too_precise(text: str, currency: str, locale: str, digits: int) -> None:
    r = refusal(text, currency, locale)
    assert (r.code, r.params) == ("amount_too_precise", {"text": text, "digits": digits})


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("text", ["10000000000000.01", "10000000000001", "9" * 40])
def test_parse_too_large(text: str, locale: str) -> None:
    r = refusal(text, locale=locale)
    assert (r.code, r.params) == ("amount_too_large", {"text": text})


def test_parse_too_large_jpy() -> None:
    assert parse_amount("1000000000000000", "JPY", "en") == MAX_MINOR
    assert refusal("1000000000000001", "JPY").code == "amount_too_large"


def test_parse_jpy() -> None:
    assert parse_amount("1200", "JPY", "en") == 1200
    assert parse_amount("¥1,200", "JPY", "en") == 1200
    assert parse_amount("1.200", "JPY", "es") == 1200
    assert parse_amount("JPY 1200", "jpy", "ca") == 1200
    assert refusal("€1200", "JPY").code == "amount_malformed"


# ---------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "shown"),
    [
        (100000, "EUR", "en", "€1,000.00"),
        (100000, "EUR", "es", f"1.000,00{NBSP}€"),  # Babel groups 4 digits in es
        (100000, "EUR", "ca", f"1.000,00{NBSP}€"),
        (33333, "EUR", "en", "€333.33"),
        (33333, "EUR", "es", f"333,33{NBSP}€"),
        (5, "EUR", "en", "€0.05"),
        (5, "EUR", "ca", f"0,05{NBSP}€"),
        (0, "EUR", "en", "€0.00"),
        (-500, "EUR", "en", "-€5.00"),
        (-500, "EUR", "es", f"-5,00{NBSP}€"),
        (123456789, "EUR", "es", f"1.234.567,89{NBSP}€"),
        (1200, "JPY", "en", "¥1,200"),
        (1200, "JPY", "es", f"1.200{NBSP}JPY"),
        (1200, "JPY", "ca", f"1.200{NBSP}¥"),
        (100000, "eur", "es-ES", f"1.000,00{NBSP}€"),
    ],
)
def test_format_money(minor: int, currency: str, locale: str, shown: str) -> None:
    assert format_money(minor, currency, locale) == shown


@pytest.mark.parametrize(
    ("minor", "currency", "locale", "shown"),
    [
        (100000, "EUR", "en", "1,000.00"),
        (100000, "EUR", "es", "1.000,00"),
        (100000, "EUR", "ca", "1.000,00"),
        (5, "EUR", "es", "0,05"),
        (0, "EUR", "ca", "0,00"),
        (-5, "EUR", "en", "-0.05"),
        (-5, "EUR", "es", "-0,05"),
        (1200, "JPY", "en", "1,200"),
        (1200, "JPY", "es", "1.200"),
        (1500, "KWD", "en", "1.500"),
    ],
)
def test_format_number_plain(minor: int, currency: str, locale: str, shown: str) -> None:
    assert format_number_plain(minor, currency, locale) == shown


@pytest.mark.parametrize(
    ("minor", "currency", "plain"),
    [
        (33333, "EUR", "333.33"),
        (100000, "EUR", "1000.00"),
        (5, "EUR", "0.05"),
        (-5, "EUR", "-0.05"),
        (0, "EUR", "0.00"),
        (-100000, "EUR", "-1000.00"),
        (MAX_MINOR, "EUR", "10000000000000.00"),
        (1200, "JPY", "1200"),
        (-1200, "JPY", "-1200"),
        (1500, "KWD", "1.500"),
    ],
)
def test_plain_amount(minor: int, currency: str, plain: str) -> None:
    assert plain_amount(minor, currency) == plain


@pytest.mark.parametrize("bad", [1.5, 1.0, True, "100"])
def test_formatters_refuse_non_int_money(bad: object) -> None:
    for fn in (
        lambda: format_money(bad, "EUR", "en"),  # type: ignore[arg-type]
        lambda: format_number_plain(bad, "EUR", "en"),  # type: ignore[arg-type]
        lambda: plain_amount(bad, "EUR"),  # type: ignore[arg-type]
    ):
        with pytest.raises(TypeError):
            fn()


# ---------------------------------------------------------------- round trips

locales = st.sampled_from(LOCALES)


@given(minor=st.integers(min_value=1, max_value=10**12), locale=locales)
def test_what_we_show_reads_back(minor: int, locale: str) -> None:
    assert parse_amount(format_money(minor, "EUR", locale), "EUR", locale) == minor


@given(minor=st.integers(min_value=1, max_value=10**12), locale=locales)
def test_plain_amount_reads_back_in_any_locale(minor: int, locale: str) -> None:
    """Except, where a dot groups thousands, 1.00 to 999.99: "12.50" could be 12.500."""
    plain = plain_amount(minor, "EUR")
    if get_group_symbol(locale) == "." and 100 <= minor < 100_000:
        assert refusal(plain, locale=locale).code == "amount_ambiguous"
    else:
        assert parse_amount(plain, "EUR", locale) == minor


@given(minor=st.integers(min_value=1, max_value=10**12), locale=locales)
def test_column_number_reads_back(minor: int, locale: str) -> None:
    assert parse_amount(format_number_plain(minor, "EUR", locale), "EUR", locale) == minor


@given(minor=st.integers(min_value=1, max_value=10**12), locale=locales)
def test_jpy_round_trips(minor: int, locale: str) -> None:
    assert parse_amount(format_money(minor, "JPY", locale), "JPY", locale) == minor
    assert parse_amount(plain_amount(minor, "JPY"), "JPY", locale) == minor
