"""The open books taken away and looked at (issue 14): /export and /chart.

The demo's four months (bot/demo/terra.txt) give a journal with a bond, rent,
repayments and dividends. The CSV is parsed back and summed to the journal; the
chart is opened as a PNG of its size; refusals change nothing; the file is made
by the delivery worker from the journal as it stood when it was asked for.
"""

from __future__ import annotations

import csv
import io
import struct
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from harness import ConsoleChat, domain_snapshot
from sqlalchemy import select

from domain.open_books import book_range
from handlers.attachments import attachment_of, journal_csv, journal_request
from storage.tables import JournalPostingRow

ASKED = datetime(2027, 5, 10, 9, tzinfo=UTC)  # when /export was asked for
ROOT = Path(__file__).resolve().parent.parent
DEMO = (ROOT / "bot" / "demo" / "terra.txt").read_text(encoding="utf-8")


@pytest.fixture
def books(chat: ConsoleChat, tmp_path: Path) -> ConsoleChat:
    """The demo's commune after four cleared months, its files kept under tmp_path."""
    chat.console.files = tmp_path
    chat.script(DEMO)
    return chat


def rows_of(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def journal_totals(chat: ConsoleChat) -> tuple[int, Counter[str]]:
    """How many postings the commune's journal has, and its balance per account kind."""
    with chat.database.engine.connect() as connection:
        postings = connection.execute(
            select(JournalPostingRow.account_kind, JournalPostingRow.amount)
        ).all()
    totals: Counter[str] = Counter()
    for kind, amount in postings:
        totals[kind] += amount
    return len(postings), totals


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


def test_the_csv_sums_to_the_journal(books: ConsoleChat, tmp_path: Path) -> None:
    out = books.say("ana@group: /export")
    assert out[0] == "[group] 📬 ana, I sent the journal by private message."
    assert out[-1].startswith("[dm ana] 📎 journal.csv (")
    assert not any(line.startswith("[group] 📎") for line in out), "the journal went to the group"
    rows = rows_of(tmp_path / "dm-ana" / "journal.csv")
    count, totals = journal_totals(books)
    assert len(rows) == count
    by_kind: Counter[str] = Counter()
    by_entry: Counter[str] = Counter()
    for row in rows:
        cents = int(Decimal(row["amount"]) * 100)
        by_kind[row["account"]] += cents
        by_entry[row["entry"]] += cents
        assert row["currency"] == "EUR"
    assert by_kind == totals
    assert set(by_entry.values()) == {0}, "an entry of the CSV does not balance"
    # Members and bonds are named, not numbered.
    holders = {row["member"] for row in rows if row["account"] == "holding"}
    assert holders == {"ana", "cai", "dee"}
    assert {row["bond"] for row in rows if row["account"] == "rent"} == {"1"}
    # Printed on the console as the issue writes it, with the file's real size.
    size = (tmp_path / "dm-ana" / "journal.csv").stat().st_size
    assert out[-1] == f"[dm ana] 📎 journal.csv ({size} bytes)"


def test_a_month_or_a_year_in_the_communes_time(books: ConsoleChat, tmp_path: Path) -> None:
    books.say("ana@dm: /export 2027-02", "ana@dm: /export 2027", "ana@dm: /export 2026")
    february = rows_of(tmp_path / "dm-ana" / "journal-2027-02.csv")
    # February's clearing entry (of January) is booked at midnight, Madrid time.
    assert {row["date"][:7] for row in february} == {"2027-02"}
    assert {row["kind"] for row in february} == {"clearing", "rent"}
    assert february[0]["date"] == "2027-02-01T00:00:00+01:00"
    year = rows_of(tmp_path / "dm-ana" / "journal-2027.csv")
    before = rows_of(tmp_path / "dm-ana" / "journal-2026.csv")
    assert {row["kind"] for row in before} == {"bond_cleared"}
    assert len(year) + len(before) == journal_totals(books)[0]


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("ben@group: /export", "Only a treasurer can export the journal"),
        ("ana@group: /export 13", '"13" is not a year or a month.'),
        ("ana@group: /export 2027-13", '"2027-13" is not a month.'),
        ("ana@group: /export 1999", "1999"),
        ("ana@group: /export ٢٠٢٧", "is not a year or a month"),
        ("ana@group: /export 2027 2028", "Use it like this: /export [<year>|<month>]"),
        ("ana@group: /chart 0", '"0" is not a number of months from 1 to 60'),
        ("ana@group: /chart 61", '"61" is not a number of months from 1 to 60'),
        ("ana@group: /chart many", '"many" is not a number of months'),
        ("ana@group: /chart 3 4", "Use it like this: /chart [months]"),
        ("zed@group: /export", "You are not a member of Terra yet."),
    ],
)
def test_each_refusal_says_why_and_sends_nothing(
    books: ConsoleChat, line: str, answer: str
) -> None:
    before = domain_snapshot(books.database)
    out = books.say(line)
    assert len(out) == 1 and answer in out[0], out
    assert "📎" not in out[0]
    assert domain_snapshot(books.database) == before


def test_the_chart_is_a_png_of_its_size_in_the_group(books: ConsoleChat, tmp_path: Path) -> None:
    out = books.say("cai@group: /chart")
    assert out[0] == (
        "[group] 📊 How money moved in Terra: the last 5 cleared months, 2026-12 to 2027-04."
    )
    assert out[1].startswith("[group] 📎 money-2027-04.png (")
    assert png_size((tmp_path / "group" / "money-2027-04.png").read_bytes()) == (1200, 600)
    out = books.say("cai@group: /chart 2")
    assert "the last 2 cleared months, 2027-03 to 2027-04" in out[0]


def test_no_chart_before_the_first_clearing(chat: ConsoleChat) -> None:
    chat.say(":now 2026-12-01T09:00:00Z", ":admin ana", "ana@group: /setup Terra EUR Europe/Madrid")
    out = chat.say("ana@group: /chart")
    assert out == [
        "[group] No month has been cleared yet, so there is nothing to draw. "
        "The chart comes after the first month ends."
    ]


def test_the_file_is_the_journal_as_it_was_asked_for(books: ConsoleChat) -> None:
    """What is booked between the command and the delivery stays out of the file."""
    with books.database.unit_of_work() as uow:
        commune = uow.communes.by_name("Terra")  # type: ignore[attr-defined]
        request = journal_request(uow, commune.id, book_range(None), commune.timezone, ASKED)
        asked = journal_csv(uow, request, "EUR", commune.timezone)
    books.say(":now 2027-05-10T09:00:00Z", "ana@group: /rent 1 333.33")
    with books.database.unit_of_work() as uow:
        later = journal_csv(uow, request, "EUR", commune.timezone)
        fresh = journal_request(uow, commune.id, book_range(None), commune.timezone, ASKED)
        now = journal_csv(uow, fresh, "EUR", commune.timezone)
    assert later == asked
    assert len(now.splitlines()) == len(asked.splitlines()) + 2  # the rent's two postings


def test_another_communes_books_never_appear(books: ConsoleChat, tmp_path: Path) -> None:
    books.say(
        ":admin eve other",
        "eve@other: /setup Mar EUR Europe/Madrid",
        "eve@other: /export",
    )
    theirs = rows_of(tmp_path / "dm-eve" / "journal.csv")
    assert theirs == []


def test_a_message_without_a_file_has_no_attachment(books: ConsoleChat) -> None:
    with books.database.unit_of_work() as uow:
        assert attachment_of(uow, {"commune": "Terra"}, "en") is None


def test_the_chart_reads_in_spanish(books: ConsoleChat, tmp_path: Path) -> None:
    books.say("cai@dm: /lang es")
    out = books.say("cai@dm: /chart 1")
    assert out[0].startswith("[dm cai] 📊 ")
    assert "2027-04" in out[0]
    assert png_size((tmp_path / "dm-cai" / "money-2027-04.png").read_bytes()) == (1200, 600)


def test_a_file_too_large_names_a_smaller_one_to_ask_for() -> None:
    from handlers.attachments import too_large_context

    def told(span: str, **request: object) -> dict[str, object]:
        return too_large_context({"span": span, "attachment": {"kind": "journal", **request}})

    whole = told("", filename="journal.csv", ended="2027-04")
    assert whole["ask"] == "year_or_month" and (whole["year"], whole["month"]) == (
        "2027",
        "2027-04",
    )
    assert told("", filename="journal.csv")["ask"] == "", "queued before it kept the month"
    year = told("2027", filename="journal-2027.csv")
    assert (year["ask"], year["month"]) == ("month", "2027-01")
    assert told("2027-03", filename="journal-2027-03.csv")["ask"] == "", "nothing smaller"
    periods = [{"period": f"2027-{m:02d}"} for m in range(1, 8)]
    chart = too_large_context(
        {"attachment": {"kind": "chart", "filename": "m.png", "periods": periods}}
    )
    assert (chart["ask"], chart["months"]) == ("months", 3)
    one = too_large_context(
        {"attachment": {"kind": "chart", "filename": "m.png", "periods": periods[:1]}}
    )
    assert one["ask"] == ""
