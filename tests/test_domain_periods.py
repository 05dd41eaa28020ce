"""Clearing periods: calendar months in the commune's own time zone.

A period is cleared once per (commune, period), from the first instant of the
next month *in the commune's zone*; rent belongs to the period it was recorded
in. So the boundaries must be right in local time, across year ends and
daylight-saving changes, and a period typed by a person must parse or be
refused with a code the bot can explain.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import Refusal
from domain.periods import FIRST_YEAR, LAST_YEAR, Period, end_of_day

MADRID = "Europe/Madrid"

periods = st.builds(Period, st.integers(FIRST_YEAR, LAST_YEAR), st.integers(1, 12))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---------------------------------------------------------------- text


def test_parse_and_str():
    assert Period.parse("2027-01") == Period(2027, 1)
    assert Period.parse(" 2027-11\n") == Period(2027, 11)
    assert str(Period(2027, 1)) == "2027-01"
    assert str(Period(987, 3)) == "0987-03"


@pytest.mark.parametrize(
    "text",
    ["2027-13", "2027-00", "2027-1", "27-01", "2027/01", "2027-01-01", "January", "", "-"],
)
def test_bad_period_text_is_refused(text):
    """A period typed by a person is YYYY-MM or a refusal naming what they typed."""
    with pytest.raises(Refusal) as refused:
        Period.parse(text)
    assert refused.value.code == "bad_period"
    assert refused.value.params == {"text": text}


@settings(max_examples=100)
@given(periods)
def test_str_then_parse_round_trips(period):
    assert Period.parse(str(period)) == period


# ---------------------------------------------------------------- arithmetic


def test_next_and_previous_cross_the_year_end():
    """December is followed by January of the next year, and the other way back."""
    assert Period(2026, 12).next() == Period(2027, 1)
    assert Period(2027, 1).previous() == Period(2026, 12)
    assert Period(2027, 1).next() == Period(2027, 2)
    assert Period(2027, 11).next() == Period(2027, 12)
    assert Period(2027, 12).previous() == Period(2027, 11)


def test_periods_order_chronologically():
    assert Period(2026, 12) < Period(2027, 1) < Period(2027, 2)
    assert sorted([Period(2027, 2), Period(2026, 12), Period(2027, 1)]) == [
        Period(2026, 12),
        Period(2027, 1),
        Period(2027, 2),
    ]


@settings(max_examples=100)
@given(periods)
def test_next_and_previous_are_inverse_and_one_month_apart(period):
    assert period.next().previous() == period
    assert period.previous().next() == period
    assert period < period.next()
    months = period.year * 12 + period.month
    assert period.next().year * 12 + period.next().month == months + 1


# ---------------------------------------------------------------- instants


def test_starts_at_in_madrid_is_the_local_midnight():
    """2027-01 starts at midnight CET, which is 23:00 UTC on New Year's Eve."""
    start = Period(2027, 1).starts_at(MADRID)
    assert start == utc(2026, 12, 31, 23)
    assert start.utcoffset().total_seconds() == 0


def test_ends_at_is_the_next_period_start():
    """A period can be cleared from the first instant of the next one."""
    assert Period(2026, 12).ends_at(MADRID) == utc(2026, 12, 31, 23)
    assert Period(2027, 1).ends_at(MADRID) == Period(2027, 2).starts_at(MADRID)


def test_boundaries_follow_summer_time():
    """April starts at midnight CEST (UTC+2); November at midnight CET (UTC+1)."""
    assert Period(2027, 4).starts_at(MADRID) == utc(2027, 3, 31, 22)
    assert Period(2027, 3).ends_at(MADRID) == utc(2027, 3, 31, 22)
    assert Period(2027, 11).starts_at(MADRID) == utc(2027, 10, 31, 23)


def test_containing_uses_the_local_month():
    """Rent recorded at 23:30 UTC on 31 December is already January in Madrid."""
    assert Period.containing(utc(2026, 12, 31, 23, 30), MADRID) == Period(2027, 1)
    assert Period.containing(utc(2026, 12, 31, 22, 59), MADRID) == Period(2026, 12)
    assert Period.containing(utc(2026, 12, 31, 23, 30), "UTC") == Period(2026, 12)


@settings(max_examples=100)
@given(periods, st.sampled_from([MADRID, "UTC", "America/Sao_Paulo", "Asia/Kolkata"]))
def test_every_instant_of_a_period_is_contained_in_it(period, tz):
    start, end = period.starts_at(tz), period.ends_at(tz)
    assert start < end
    assert Period.containing(start, tz) == period
    assert Period.containing(end, tz) == period.next()


def test_end_of_day_is_the_next_local_midnight():
    """A deadline day lasts all day in the commune's zone."""
    assert end_of_day(date(2027, 1, 15), MADRID) == utc(2027, 1, 15, 23)
    assert end_of_day(date(2027, 7, 15), MADRID) == utc(2027, 7, 15, 22)
    assert end_of_day(date(2026, 12, 31), MADRID) == Period(2027, 1).starts_at(MADRID)


def test_end_of_day_on_daylight_saving_days():
    """28 March 2027 has 23 hours in Madrid, 31 October 2027 has 25."""
    assert end_of_day(date(2027, 3, 27), MADRID) == utc(2027, 3, 27, 23)
    assert end_of_day(date(2027, 3, 28), MADRID) == utc(2027, 3, 28, 22)
    assert end_of_day(date(2027, 10, 30), MADRID) == utc(2027, 10, 30, 22)
    assert end_of_day(date(2027, 10, 31), MADRID) == utc(2027, 10, 31, 23)
