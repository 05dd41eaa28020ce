"""domain/open_books.py: what /export covers and how many months /chart draws."""

from __future__ import annotations

import pytest

from domain.errors import Refusal
from domain.journal import AccountKind
from domain.open_books import (
    DEFAULT_CHART_PERIODS,
    EVERYTHING,
    MAX_CHART_PERIODS,
    SUBJECT,
    Subject,
    book_range,
    chart_periods,
    subject_of,
)
from domain.periods import Period


def test_a_year_is_its_twelve_months_in_the_communes_zone() -> None:
    span = book_range("2027")
    assert (span.first, span.last) == (Period(2027, 1), Period(2027, 12))
    assert span.label == "2027" and span.filename == "journal-2027.csv"
    start, end = span.bounds("Europe/Madrid")
    assert start is not None and end is not None
    assert start.isoformat() == "2026-12-31T23:00:00+00:00"
    assert end.isoformat() == "2027-12-31T23:00:00+00:00"


def test_a_month_and_everything() -> None:
    month = book_range("2027-02")
    assert month.label == "2027-02" and month.filename == "journal-2027-02.csv"
    assert book_range(None) is EVERYTHING
    assert EVERYTHING.filename == "journal.csv" and EVERYTHING.bounds("UTC") == (None, None)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("13", "export_range"),
        ("2027-1", "export_range"),
        ("٢٠٢٧", "export_range"),
        ("2027\n", "export_range"),
        ("x" * 100, "export_range"),
        ("2027-13", "bad_period"),
        ("1999", "year_out_of_range"),
        ("3000-01", "year_out_of_range"),
    ],
)
def test_anything_else_is_refused(text: str, code: str) -> None:
    with pytest.raises(Refusal) as refused:
        book_range(text)
    assert refused.value.code == code
    assert all(len(str(v)) <= 60 for v in refused.value.params.values())


def test_chart_months() -> None:
    assert chart_periods(None) == DEFAULT_CHART_PERIODS == 12
    assert chart_periods("1") == 1
    assert chart_periods(str(MAX_CHART_PERIODS)) == MAX_CHART_PERIODS == 60
    for text in ("0", "61", "-1", "1.5", "²", "٣", "many", ""):
        with pytest.raises(Refusal) as refused:
            chart_periods(text)
        assert refused.value.code == "chart_periods"


def test_every_account_kind_says_what_its_number_is() -> None:
    assert set(SUBJECT) == {kind.value for kind in AccountKind}
    assert subject_of("holding") is Subject.HOLDING
    assert subject_of("dividend") is Subject.MEMBER
    assert subject_of("rent") is Subject.BOND
    assert subject_of("cash") is Subject.NOTHING
    assert subject_of("something_new") is Subject.NOTHING
