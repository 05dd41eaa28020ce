"""The open books taken away: the journal as rows for an accountant, and the
periods a chart of the commune's money shows.

The journal's postings name accounts by a bare number (a member, a bond issue or a
holding, depending on the account's kind); an accountant needs the member's name or
the bond's number instead, so ``SUBJECT`` says which each kind of account points at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from domain.errors import Refusal
from domain.journal import AccountKind
from domain.periods import Period


class Subject(Enum):
    """What an account's number refers to."""

    NOTHING = "nothing"  # the commune's own: cash
    MEMBER = "member"
    BOND = "bond"  # the bond issue (and so its asset and lease)
    HOLDING = "holding"  # one member's holding of one bond


SUBJECT: dict[str, Subject] = {
    AccountKind.CASH.value: Subject.NOTHING,
    AccountKind.RENT.value: Subject.BOND,
    AccountKind.ASSET.value: Subject.BOND,
    AccountKind.HOLDING.value: Subject.HOLDING,
    AccountKind.DIVIDEND.value: Subject.MEMBER,
    AccountKind.PAID_IN.value: Subject.BOND,
    AccountKind.PLEDGER.value: Subject.MEMBER,
    AccountKind.WRITTEN_OFF.value: Subject.BOND,
    AccountKind.FUND.value: Subject.NOTHING,  # the commune's common fund
    AccountKind.GRANTED.value: Subject.NOTHING,  # numbered by the motion that granted it
    AccountKind.SETTLED.value: Subject.MEMBER,  # what the commune held for a member
    AccountKind.PAID.value: Subject.MEMBER,  # what was paid out to them
}


def subject_of(account_kind: str) -> Subject:
    """Accounts a later kind of posting adds and this map misses keep their bare number."""
    return SUBJECT.get(account_kind, Subject.NOTHING)


@dataclass(frozen=True)
class ExportRow:
    """One posting as the accountant's spreadsheet shows it."""

    entry: int
    at: datetime  # when the entry was booked (UTC)
    kind: str  # the entry's kind: pledge, rent, clearing, sale …
    account: str  # the account's kind
    member: str | None  # the member it belongs to, for a member's or a holding's account
    bond: int | None  # the bond's number, for a bond's or a holding's account
    amount: int  # minor units; the entry's amounts sum to zero


_YEAR = re.compile(r"[0-9]{4}")
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


@dataclass(frozen=True)
class BookRange:
    """What ``/export`` covers: a year, a month, or (no argument) everything."""

    first: Period | None
    last: Period | None  # inclusive

    @property
    def label(self) -> str:
        if self.first is None or self.last is None:
            return ""
        if self.first == self.last:
            return str(self.first)
        return f"{self.first.year:04d}"

    @property
    def filename(self) -> str:
        return f"journal-{self.label}.csv" if self.label else "journal.csv"

    def bounds(self, timezone: str) -> tuple[datetime | None, datetime | None]:
        """From the first period's start to the last one's end, in the commune's zone."""
        if self.first is None or self.last is None:
            return None, None
        return self.first.starts_at(timezone), self.last.ends_at(timezone)


EVERYTHING = BookRange(None, None)


def book_range(text: str | None) -> BookRange:
    """``2027`` (the year), ``2027-01`` (the month) or nothing (the whole journal)."""
    if text is None:
        return EVERYTHING
    if _YEAR.fullmatch(text):
        return BookRange(Period.parse(f"{text}-01"), Period.parse(f"{text}-12"))
    if _MONTH.fullmatch(text):
        month = Period.parse(text)  # refuses month 13 and years out of range
        return BookRange(month, month)
    raise Refusal("export_range", given=text[:40])


DEFAULT_CHART_PERIODS = 12
MAX_CHART_PERIODS = 60  # five years of months: more bars than a phone shows


def chart_periods(text: str | None) -> int:
    """How many periods ``/chart`` draws: a whole number from 1 to MAX_CHART_PERIODS."""
    if text is None:
        return DEFAULT_CHART_PERIODS
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_CHART_PERIODS:
        raise Refusal("chart_periods", given=text[:40], most=MAX_CHART_PERIODS)
    return int(text)


@dataclass(frozen=True)
class ChartPeriod:
    """One cleared period's money, as the chart draws it (minor units)."""

    period: str
    rent: int  # rent received in the period
    repaid: int  # repaid to bondholders
    dividends: int  # paid out as the equal dividend
    fund: int = 0  # kept in the common fund
