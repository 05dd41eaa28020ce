"""``minga check`` and ``minga backup``: clean books pass, and each invariant, broken
by hand, is reported with the rows involved.

The worked example of PROTOCOL.md (five clearings, dividends in April) plus an open
bond and a second commune is built once per database kind. Each breaking test edits
rows inside a unit of work, asks ``find_discrepancies`` there, and rolls back, so
the tests share the commune without a copy each. The command line is tested on real
copies: a posting edited by hand in a backup is named by ``minga check``.
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
from harness import ConsoleChat
from psycopg import sql
from sqlalchemy import text
from test_arrears import LEASED

from bot import backup as backup_module
from bot.cli import main as minga_main
from domain.audit import INVARIANTS, Discrepancy
from handlers.check import find_discrepancies
from storage.uow import Database

ROOT = Path(__file__).resolve().parent.parent
MINGA = Path(sys.executable).parent / "minga"
DEMO = (ROOT / "bot" / "demo" / "terra.txt").read_text(encoding="utf-8")
MORE = """
ben@group: /propose Seeder 500 50 2027-06-30
ben@group: /pledge 2 100
cai@group: /pledge 2 50
:admin eva other
eva@other: /setup Huerta EUR Europe/Madrid
fay@other: /join
eva@other: /coop new Huertos
eva@other: /join Huertos
eva@other: /policy payment-days 14
eva@other: /propose Pump 300 10 2027-06-30
fay@other: /pledge 1 100
eva@other: /pledge 1 200
eva@other: /paid 1 fay 60
"""
_copies = itertools.count(1)


KINDS = {
    "scope": "module",
    "params": ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    "ids": ["sqlite", "postgres"],
}


def _built(request: pytest.FixtureRequest, name: str, *scripts: str) -> str:
    """A database of the fixture's kind, after ``scripts``: its url."""
    if request.param == "sqlite":
        tmp = request.getfixturevalue("tmp_path_factory").mktemp(name)
        url = f"sqlite:///{tmp}/minga.sqlite"
    else:
        url = request.getfixturevalue("postgres").create_database(f"{name}_{next(_copies)}")
    _build(url, *scripts)
    return url


def _build(url: str, *scripts: str) -> None:
    chat = ConsoleChat(url)
    for script in scripts or (DEMO, MORE):
        chat.script(script)
    chat.close()


@pytest.fixture(**KINDS)
def books(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The worked example's database, built once per kind: (url, Database)."""
    url = _built(request, "check", DEMO, MORE)
    database = Database(url)
    yield url, database
    database.dispose()


def one(database: Database, query: str) -> int:
    with database.engine.connect() as connection:
        return int(connection.execute(text(query)).scalar_one())


def broken(database: Database, *statements: str) -> list[Discrepancy]:
    """What the check finds after ``statements``, which are then rolled back."""
    with database.unit_of_work() as uow:
        for statement in statements:
            uow.session.execute(text(statement))
        return find_discrepancies(uow)


def reported(among: list[Discrepancy], code: str, **ids: int | None) -> Discrepancy:
    for discrepancy in among:
        if discrepancy.code == code and all(getattr(discrepancy, k) == v for k, v in ids.items()):
            return discrepancy
    raise AssertionError(f"{code} {ids} not among:\n" + "\n".join(d.line() for d in among))


# ids of the worked example's rows, looked up rather than assumed ---------------------
CLEARING = "SELECT id FROM clearing WHERE period = '{period}'"
ENTRY = "SELECT id FROM journal_entry WHERE kind = 'clearing' AND ref = 'period:{period}'"
HOLDING_POSTING = (
    "SELECT min(id) FROM journal_posting WHERE account_kind = 'holding' AND entry_id = ({entry})"
)
TERRA = "SELECT id FROM commune WHERE name = 'Terra'"
SEEDER = "SELECT id FROM bond_issue WHERE asset = 'Seeder'"
TRACTOR = "SELECT id FROM bond_issue WHERE asset = 'Tractor'"
FIRST_RECEIPT = "SELECT min(id) FROM rent_receipt"


def ids(database: Database, period: str = "2027-01") -> dict[str, int]:
    entry = one(database, ENTRY.format(period=period))
    return {
        "commune": one(database, TERRA),
        "clearing": one(database, CLEARING.format(period=period)),
        "entry": entry,
        "posting": one(database, HOLDING_POSTING.format(entry=entry)),
        "seeder": one(database, SEEDER),
        "tractor": one(database, TRACTOR),
        "receipt": one(database, FIRST_RECEIPT),
    }


# clean books ------------------------------------------------------------------------
def test_the_worked_example_is_clean_after_five_clearings(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    assert one(database, "SELECT count(*) FROM clearing") == 5
    terra = ids(database)["commune"]
    with database.unit_of_work() as uow:
        assert find_discrepancies(uow) == []
        assert find_discrepancies(uow, terra) == []


def test_every_step_of_the_worked_example_is_clean(database_url: str) -> None:
    """As the simulation will: the check after every line of the script."""
    chat = ConsoleChat(database_url)
    try:
        for line in [*DEMO.splitlines(), *MORE.splitlines()]:
            chat.say(line)
            with chat.database.unit_of_work() as uow:
                assert find_discrepancies(uow) == [], line
    finally:
        chat.close()


def test_the_benchmark_federation_is_clean_before_and_after_its_clearing(database_url: str) -> None:
    from bench.federation import CLEAR_AT, build
    from handlers.jobs import run_due

    database = Database(database_url)
    try:
        build(database, 300, 30, 5)
        with database.unit_of_work() as uow:
            assert find_discrepancies(uow) == []
        assert [str(i.period) for i in run_due(database.unit_of_work, CLEAR_AT)] == ["2027-01"]
        with database.unit_of_work() as uow:
            assert find_discrepancies(uow) == []
    finally:
        database.dispose()


# one test per invariant, broken by hand -------------------------------------------------
def test_an_unbalanced_entry_is_named(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    found = broken(
        database, f"UPDATE journal_posting SET amount = amount + 1 WHERE id = {at['posting']}"
    )
    reported(found, "entry_unbalanced", commune=at["commune"], entry=at["entry"], found=1)


def test_a_posting_in_another_commune(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    huerta = one(database, "SELECT id FROM commune WHERE name = 'Huerta'")
    found = broken(
        database, f"UPDATE journal_posting SET commune_id = {huerta} WHERE id = {at['posting']}"
    )
    reported(found, "posting_commune", entry=at["entry"], expected=at["commune"], found=huerta)


def test_a_receipt_without_its_entry_and_an_entry_without_its_receipt(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    found = broken(
        database,
        f"UPDATE journal_entry SET ref = 'receipt:999999' WHERE ref = 'receipt:{at['receipt']}'",
    )
    reported(found, "entry_count", receipt=at["receipt"], expected=1, found=0)
    reported(found, "entry_count", commune=at["commune"], expected=0, found=1)
    reported(found, "receipt_entry", receipt=at["receipt"])


def test_a_clearing_that_does_not_conserve_money(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database, "2027-04")
    found = broken(
        database, f"UPDATE clearing SET carry_out = carry_out + 1 WHERE id = {at['clearing']}"
    )
    reported(found, "clearing_not_conserved", clearing=at["clearing"])


def test_a_clearing_whose_pool_is_wrong(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database, "2027-04")
    found = broken(database, f"UPDATE clearing SET pool = pool + 5 WHERE id = {at['clearing']}")
    reported(found, "clearing_pool", clearing=at["clearing"])


def test_a_carry_as_large_as_the_eligible(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database, "2027-04")
    found = broken(
        database,
        "UPDATE clearing SET dividend_each = dividend_each - 1, carry_out = carry_out + eligible "
        f"WHERE id = {at['clearing']}",
    )
    reported(found, "clearing_split", clearing=at["clearing"])
    reported(found, "roster_dividends", clearing=at["clearing"])
    assert not [d for d in found if d.code == "clearing_not_conserved"]


def test_a_carry_in_that_is_not_the_last_carry_out(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database, "2027-03")
    found = broken(
        database,
        "UPDATE clearing SET carry_in = carry_in + 7, rent_received = rent_received - 7 "
        f"WHERE id = {at['clearing']}",
    )
    reported(found, "clearing_carry", clearing=at["clearing"], expected=0, found=7)


def test_a_balanced_entry_that_moves_a_redemption_into_cash(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    found = broken(
        database,
        f"UPDATE journal_posting SET amount = amount - 1 WHERE id = {at['posting']}",
        "UPDATE journal_posting SET amount = amount + 1 "
        f"WHERE entry_id = {at['entry']} AND account_kind = 'cash'",
    )
    assert not [d for d in found if d.code == "entry_unbalanced"]
    reported(found, "clearing_redeemed", clearing=at["clearing"], entry=at["entry"])
    reported(found, "clearing_cash", clearing=at["clearing"])
    reported(found, "lease_redeemed", clearing=at["clearing"], issue=at["tractor"])
    holding = one(database, f"SELECT account_ref FROM journal_posting WHERE id = {at['posting']}")
    reported(found, "holding_postings", holding=holding)


def test_a_dividend_posting_that_differs_from_the_clearing(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database, "2027-04")
    found = broken(
        database,
        "UPDATE journal_posting SET amount = amount + 1 WHERE id = (SELECT min(id) FROM "
        f"journal_posting WHERE entry_id = {at['entry']} AND account_kind = 'dividend')",
        "UPDATE journal_posting SET amount = amount - 1 "
        f"WHERE entry_id = {at['entry']} AND account_kind = 'cash'",
    )
    reported(found, "clearing_dividends", clearing=at["clearing"], entry=at["entry"])


def test_a_clearing_entry_posting_to_a_lease(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    found = broken(
        database, f"UPDATE journal_posting SET account_kind = 'rent' WHERE id = {at['posting']}"
    )
    reported(found, "clearing_postings", clearing=at["clearing"])


def test_lease_lines_that_do_not_add_up(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    found = broken(
        database,
        "UPDATE clearing_lease SET rent_received = rent_received + 1, redeemed = redeemed + 1 "
        f"WHERE clearing_id = {at['clearing']}",
    )
    reported(found, "clearing_leases", clearing=at["clearing"])
    reported(found, "lease_redeemed", clearing=at["clearing"], issue=at["tractor"])
    reported(found, "lease_rent", clearing=at["clearing"], issue=at["tractor"])


def test_a_roster_dividend_changed(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database, "2027-04")
    found = broken(
        database,
        "UPDATE clearing_member SET dividend = dividend + 1 WHERE id = "
        f"(SELECT min(id) FROM clearing_member WHERE clearing_id = {at['clearing']})",
    )
    reported(found, "roster_dividends", clearing=at["clearing"])


def _late_rent(database: Database, issue: int, period: str, received: str) -> list[str]:
    """A receipt and its (balanced) entry, dated ``period``: the hand-made case 3."""
    member = one(database, "SELECT min(id) FROM member")
    commune = one(database, TERRA)
    receipt = one(database, "SELECT max(id) + 1000 FROM rent_receipt")
    return [
        "INSERT INTO rent_receipt (id, commune_id, issue_id, amount, received_at, period, "
        f"recorded_by) SELECT {receipt}, {commune}, {issue}, 500, {received}, '{period}', "
        f"{member} FROM rent_receipt WHERE id = (SELECT min(id) FROM rent_receipt)",
        "INSERT INTO journal_entry (commune_id, kind, ref, created_at) SELECT commune_id, "
        f"'rent', 'receipt:{receipt}', created_at FROM journal_entry WHERE id = "
        "(SELECT min(id) FROM journal_entry)",
        "INSERT INTO journal_posting (entry_id, commune_id, account_kind, account_ref, amount) "
        f"SELECT max(id), {commune}, 'cash', 0, 500 FROM journal_entry",
        "INSERT INTO journal_posting (entry_id, commune_id, account_kind, account_ref, amount) "
        f"SELECT max(id), {commune}, 'rent', {issue}, -500 FROM journal_entry",
    ]


def test_rent_dated_into_a_cleared_month_is_money_never_paid_out(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    found = broken(database, *_late_rent(database, at["tractor"], "2027-01", "received_at"))
    late = one(database, "SELECT max(id) + 1000 FROM rent_receipt")
    reported(found, "period_rent", clearing=at["clearing"], receipt=late, found=33333 + 500)
    reported(found, "lease_rent", clearing=at["clearing"], issue=at["tractor"], receipt=late)


def test_rent_in_an_uncleared_month_before_the_last_clearing(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    found = broken(database, *_late_rent(database, at["tractor"], "2026-10", "received_at"))
    reported(found, "period_rent", commune=at["commune"], clearing=None, expected=0, found=500)


def test_rent_on_a_bond_not_leased(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    found = broken(
        database,
        f"UPDATE rent_receipt SET issue_id = {at['seeder']} WHERE id = {at['receipt']}",
    )
    reported(found, "receipt_lease", receipt=at["receipt"], issue=at["seeder"])
    reported(found, "lease_rent", issue=at["tractor"])
    reported(found, "receipt_entry", receipt=at["receipt"])


def test_rent_booked_after_the_lease_ended(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    found = broken(
        database,
        "INSERT INTO lease_term (commune_id, issue_id, from_period, rent) "
        f"VALUES ({at['commune']}, {at['tractor']}, '2026-01', NULL)",
    )
    assert reported(found, "lease_term", issue=at["tractor"]).found
    assert [d.code for d in found] == ["lease_term"]


def test_a_lease_term_for_a_bond_not_leased(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    found = broken(
        database,
        "INSERT INTO lease_term (commune_id, issue_id, from_period, rent) "
        f"VALUES ({at['commune']}, {at['seeder']}, '2027-06', 100)",
    )
    reported(found, "lease_term", issue=at["seeder"], found=0)


def test_rent_received_before_the_lease(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    found = broken(
        database,
        "UPDATE bond_issue SET closed_at = (SELECT max(received_at) FROM rent_receipt) "
        f"WHERE id = {at['tractor']}",
    )
    reported(found, "receipt_lease", receipt=at["receipt"], issue=at["tractor"])


def test_a_receipt_entry_that_moves_another_amount(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    entry = one(database, f"SELECT id FROM journal_entry WHERE ref = 'receipt:{at['receipt']}'")
    found = broken(
        database,
        f"UPDATE journal_posting SET amount = amount + 100 WHERE entry_id = {entry} "
        "AND account_kind = 'cash'",
        f"UPDATE journal_posting SET amount = amount - 100 WHERE entry_id = {entry} "
        "AND account_kind = 'rent'",
    )
    reported(found, "receipt_entry", receipt=at["receipt"], entry=entry, expected=33333)


def test_a_holding_repaid_past_its_principal(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    holding = one(database, "SELECT min(id) FROM holding")
    found = broken(database, f"UPDATE holding SET redeemed = principal + 1 WHERE id = {holding}")
    reported(found, "holding_overredeemed", holding=holding)
    reported(found, "holding_postings", holding=holding)


def test_a_holding_whose_redeemed_is_not_its_postings(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    holding = one(database, "SELECT min(id) FROM holding")
    found = broken(database, f"UPDATE holding SET redeemed = redeemed - 1 WHERE id = {holding}")
    reported(found, "holding_postings", holding=holding, expected=-1, found=0)


def test_a_holding_of_another_communes_member(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    holding = one(database, "SELECT min(id) FROM holding")
    fay = one(database, "SELECT id FROM member WHERE name = 'fay'")
    found = broken(database, f"UPDATE holding SET member_id = {fay} WHERE id = {holding}")
    reported(found, "holding_member", holding=holding, member=fay)


def test_an_open_issue_pledged_past_its_price(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    found = broken(
        database,
        f"UPDATE pledge SET amount = 50000 WHERE issue_id = {at['seeder']}",
        f"UPDATE bond_issue SET pledged = 100000 WHERE id = {at['seeder']}",
    )
    reported(found, "issue_overpledged", issue=at["seeder"], expected=50000, found=100000)
    assert not [d for d in found if d.code == "issue_pledged"]


def test_an_issue_total_that_is_not_its_pledges(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    found = broken(
        database,
        "UPDATE pledge SET amount = amount + 1 WHERE id = "
        f"(SELECT min(id) FROM pledge WHERE issue_id = {at['seeder']})",
    )
    reported(found, "issue_pledged", issue=at["seeder"], expected=15000, found=15001)


def test_an_issue_pledger_count_that_is_not_its_pledges(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    found = broken(database, f"UPDATE bond_issue SET pledgers = 3 WHERE id = {at['seeder']}")
    reported(found, "issue_pledgers", issue=at["seeder"], expected=3, found=2)


def test_a_pledge_of_nothing(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    found = broken(
        database,
        f"UPDATE pledge SET amount = 0 WHERE issue_id = {at['seeder']} AND amount = 5000",
        f"UPDATE bond_issue SET pledged = 10000 WHERE id = {at['seeder']}",
    )
    reported(found, "pledge_amount", issue=at["seeder"], found=0)


def test_a_cleared_issue_whose_holdings_are_not_its_price(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    found = broken(database, f"UPDATE bond_issue SET price = price + 1 WHERE id = {at['tractor']}")
    reported(found, "issue_holdings", issue=at["tractor"], expected=100001, found=100000)
    reported(found, "issue_asset", issue=at["tractor"], expected=100001, found=100000)


def test_a_missing_and_a_stray_statement(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    member = one(
        database, f"SELECT min(member_id) FROM clearing_member WHERE clearing_id = {at['clearing']}"
    )
    key = f"statement:{at['clearing']}:{member}"
    outbox = one(database, f"SELECT id FROM outbox WHERE dedup_key = '{key}'")
    found = broken(
        database, f"UPDATE outbox SET dedup_key = 'statement:999999:1' WHERE id = {outbox}"
    )
    reported(found, "statement_queued", clearing=at["clearing"], member=member, found=0)
    reported(found, "statement_queued", outbox=outbox, expected=0, found=1)


def test_an_outbox_message_delivered_before_it_was_written(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    outbox = one(database, "SELECT min(id) FROM outbox")
    found = broken(
        database,
        "UPDATE outbox SET delivered_at = (SELECT min(created_at) FROM commune), "
        f"created_at = (SELECT max(created_at) FROM outbox) WHERE id = {outbox}",
    )
    reported(found, "outbox_delivery", outbox=outbox)


def test_an_issue_awaiting_approval_with_pledges(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    for status in ("awaiting", "not_approved"):
        found = broken(
            database, f"UPDATE bond_issue SET status = '{status}' WHERE id = {at['seeder']}"
        )
        reported(found, "issue_unopened_pledged", issue=at["seeder"], expected=0, found=15000)


PUMP = "SELECT id FROM bond_issue WHERE asset = 'Pump'"
FAY_PAID = "SELECT id FROM pledge_payment WHERE kind = 'payment'"


def test_a_payment_past_its_pledge(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    pump, payment = one(database, PUMP), one(database, FAY_PAID)
    found = broken(database, f"UPDATE pledge_payment SET amount = 20000 WHERE id = {payment}")
    reported(found, "payment_over_pledge", issue=pump, expected=10000, found=20000)
    reported(found, "paid_in_held", issue=pump, expected=20000, found=6000)


def test_a_refund_for_a_bond_that_has_not_expired(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    pump, payment = one(database, PUMP), one(database, FAY_PAID)
    found = broken(database, f"UPDATE pledge_payment SET kind = 'refund' WHERE id = {payment}")
    reported(found, "refund_expired", issue=pump, expected=0, found=6000)


def test_a_cleared_bond_not_paid_in_full(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    pump = one(database, PUMP)
    found = broken(database, f"UPDATE bond_issue SET status = 'cleared' WHERE id = {pump}")
    reported(found, "issue_paid", issue=pump, expected=30000, found=6000)


def test_money_held_for_a_bond_that_is_not_what_was_paid(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    pump = one(database, PUMP)
    found = broken(
        database,
        "UPDATE journal_posting SET amount = amount + 1 WHERE account_kind = 'paid_in'",
    )
    reported(found, "paid_in_held", issue=pump, expected=6000, found=6001)


def test_a_payment_without_its_entry(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    payment = one(database, FAY_PAID)
    found = broken(database, "UPDATE journal_entry SET ref = 'payment:0' WHERE kind = 'payment'")
    reported(found, "entry_count", expected=1, found=0)
    assert payment


# Assets sold: tests/test_arrears.py's Tractor and an Oven, both leases ended by an
# assembly in January, the Tractor sold below what its holders were owed (€400 written
# off), the Oven above it (€200 to January's pool).
SOLD = """
ben@group: /propose Oven 500 50 2026-12-31
ana@group: /pledge 2 500
:now 2027-01-15T09:00:00Z
ana@group: /rent 1 100
ana@group: /assembly new "January assembly" 2027-01-20T18:00 2027-01-20T20:00
ana@group: /motion 1 end lease 1
ana@group: /motion 1 end lease 2
:now 2027-01-20T17:30:00Z
ana@group: /vote 1 yes
ben@group: /vote 1 yes
cai@group: /vote 1 yes
ana@group: /vote 2 yes
ben@group: /vote 2 yes
cai@group: /vote 2 yes
:now 2027-01-20T19:30:00Z
ana@group: /sold 1 600
ana@group: /sold 2 700
:now 2027-02-02T09:00:00Z
"""
SALE = "SELECT id FROM asset_sale WHERE issue_id = ({issue})"
SALE_ENTRY = "SELECT id FROM journal_entry WHERE kind = 'sale' AND ref = 'sale:' || ({sale})"


@pytest.fixture(**KINDS)
def sold_books(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """A commune that sold two ended leases' assets, and cleared the month: a Database."""
    database = Database(_built(request, "sold", LEASED, SOLD))
    yield database
    database.dispose()


def sale_ids(database: Database, asset: str) -> dict[str, int]:
    issue = one(database, f"SELECT id FROM bond_issue WHERE asset = '{asset}'")
    sale = one(database, SALE.format(issue=issue))
    return {"issue": issue, "sale": sale, "entry": one(database, SALE_ENTRY.format(sale=sale))}


def test_books_with_assets_sold_are_clean(sold_books) -> None:  # type: ignore[no-untyped-def]
    assert one(sold_books, "SELECT count(*) FROM asset_sale") == 2
    assert one(sold_books, "SELECT pool FROM clearing WHERE period = '2027-01'") == 30000
    with sold_books.unit_of_work() as uow:
        assert find_discrepancies(uow) == []


def test_a_sale_entry_that_moves_another_amount(sold_books) -> None:  # type: ignore[no-untyped-def]
    at = sale_ids(sold_books, "Tractor")
    found = broken(
        sold_books,
        f"UPDATE journal_posting SET amount = amount + 1 WHERE entry_id = {at['entry']} "
        "AND account_kind = 'written_off'",
        f"UPDATE journal_posting SET amount = amount - 1 WHERE entry_id = {at['entry']} "
        "AND account_kind = 'asset'",
    )
    reported(found, "sale_entry", issue=at["issue"], entry=at["entry"], expected=-40000)
    reported(found, "sale_entry", issue=at["issue"], entry=at["entry"], expected=-60000)
    reported(found, "issue_asset", issue=at["issue"], expected=40000, found=39999)


def test_a_sale_whose_amounts_do_not_add_up(sold_books) -> None:  # type: ignore[no-untyped-def]
    at = sale_ids(sold_books, "Oven")
    found = broken(sold_books, f"UPDATE asset_sale SET to_pool = 30000 WHERE id = {at['sale']}")
    reported(found, "sale_amounts", issue=at["issue"], expected=70000, found=80000)
    reported(found, "clearing_pool", expected=40000, found=30000)
    reported(found, "clearing_not_conserved", expected=40000, found=30000)
    at = sale_ids(sold_books, "Tractor")
    found = broken(
        sold_books,
        f"UPDATE asset_sale_line SET written_off = written_off + 1 WHERE sale_id = {at['sale']} "
        "AND holding_id = (SELECT min(holding_id) FROM asset_sale_line "
        f"WHERE sale_id = {at['sale']})",
    )
    reported(found, "sale_amounts", issue=at["issue"], expected=40000, found=40001)
    reported(found, "sale_entry", issue=at["issue"])


def test_a_sale_of_a_lease_never_ended_or_that_leaves_a_holding_owed(sold_books) -> None:  # type: ignore[no-untyped-def]
    at = sale_ids(sold_books, "Tractor")
    found = broken(sold_books, f"DELETE FROM lease_term WHERE issue_id = {at['issue']}")
    reported(found, "sale_lease", issue=at["issue"], found=60000)
    holding = one(sold_books, f"SELECT min(id) FROM holding WHERE issue_id = {at['issue']}")
    found = broken(sold_books, f"UPDATE holding SET redeemed = redeemed - 1 WHERE id = {holding}")
    reported(found, "sale_lease", issue=at["issue"])
    reported(found, "holding_postings", holding=holding)


def test_a_sale_without_its_entry(sold_books) -> None:  # type: ignore[no-untyped-def]
    at = sale_ids(sold_books, "Oven")
    found = broken(sold_books, f"UPDATE journal_entry SET ref = 'sale:0' WHERE id = {at['entry']}")
    reported(found, "entry_count", expected=1, found=0)
    reported(found, "entry_count", expected=0, found=1)
    reported(found, "sale_entry", issue=at["issue"])


def test_rent_booked_after_a_lease_let_again_is_no_discrepancy(books) -> None:  # type: ignore[no-untyped-def]
    _, database = books
    at = ids(database)
    pan = one(database, "SELECT id FROM cooperative WHERE name = 'Pan'")
    ended = (
        "INSERT INTO lease_term (commune_id, issue_id, from_period, rent) "
        f"VALUES ({at['commune']}, {at['tractor']}, '2027-02', NULL)"
    )
    relet = (
        "INSERT INTO lease_term (commune_id, issue_id, from_period, rent, cooperative_id) "
        f"VALUES ({at['commune']}, {at['tractor']}, '2027-02', 33333, {pan})"
    )
    assert [d.code for d in broken(database, ended)] == ["lease_term"]
    assert broken(database, ended, relet) == []
    huerta = one(database, "SELECT min(id) FROM cooperative WHERE name = 'Huertos'")
    stray = relet.replace(f", {pan})", f", {huerta})")
    reported(broken(database, ended, stray), "lease_term", issue=at["tractor"])


# payouts (tests/test_payouts.py) -----------------------------------------------------
PAID = """
ana@group: /payout cai 50
ana@group: /payout all 2027-02
"""
PAYOUT = (
    "SELECT min(id) FROM payout WHERE member_id = (SELECT id FROM member WHERE name = '{name}')"
)
PAYOUT_ENTRY = (
    "SELECT id FROM journal_entry WHERE kind = 'payout' AND ref = 'payout:' || ({payout})"
)


@pytest.fixture(**KINDS)
def paid_books(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The worked example (and Huerta), with Cai paid 50.00, then everyone up to February."""
    database = Database(_built(request, "paid", DEMO, MORE, PAID))
    yield database
    database.dispose()


def payout_ids(database: Database, name: str) -> dict[str, int]:
    payout = one(database, PAYOUT.format(name=name))
    return {"payout": payout, "entry": one(database, PAYOUT_ENTRY.format(payout=payout))}


def test_books_with_payouts_are_clean(paid_books) -> None:  # type: ignore[no-untyped-def]
    assert one(paid_books, "SELECT count(*) FROM payout") == 4  # cai twice, ana, dee
    with paid_books.unit_of_work() as uow:
        assert find_discrepancies(uow) == []


def test_a_payout_of_nothing_or_to_a_stranger(paid_books) -> None:  # type: ignore[no-untyped-def]
    at = payout_ids(paid_books, "ana")
    found = broken(paid_books, f"UPDATE payout SET amount = 0 WHERE id = {at['payout']}")
    reported(found, "payout_sane", payout=at["payout"], found=0)
    reported(found, "payout_postings", payout=at["payout"], entry=at["entry"], expected=0)
    fay = one(paid_books, "SELECT id FROM member WHERE name = 'fay'")  # of Huerta
    found = broken(paid_books, f"UPDATE payout SET member_id = {fay} WHERE id = {at['payout']}")
    reported(found, "payout_sane", payout=at["payout"], member=fay)


def test_a_payout_entry_that_moves_another_amount(paid_books) -> None:  # type: ignore[no-untyped-def]
    at = payout_ids(paid_books, "cai")
    found = broken(
        paid_books,
        f"UPDATE journal_posting SET amount = amount + 1 WHERE entry_id = {at['entry']} "
        "AND account_kind = 'paid'",
    )
    reported(found, "payout_postings", payout=at["payout"], expected=5000, found=5001)
    reported(found, "entry_unbalanced", entry=at["entry"])


def test_a_member_paid_more_than_was_owed(paid_books) -> None:  # type: ignore[no-untyped-def]
    at = payout_ids(paid_books, "dee")
    found = broken(
        paid_books,
        f"UPDATE payout SET amount = amount + 100000 WHERE id = {at['payout']}",
        f"UPDATE journal_posting SET amount = amount + 100000 WHERE entry_id = {at['entry']} "
        "AND account_kind = 'paid'",
        f"UPDATE journal_posting SET amount = amount - 100000 WHERE entry_id = {at['entry']} "
        "AND account_kind = 'settled'",
    )
    dee = one(paid_books, "SELECT id FROM member WHERE name = 'dee'")
    assert [d.code for d in found] == ["payout_overpaid"]
    reported(found, "payout_overpaid", member=dee, expected=28333, found=113333)


def test_what_a_clearing_or_a_sale_owed_kept_wrong(paid_books, sold_books) -> None:  # type: ignore[no-untyped-def]
    entry = one(paid_books, ENTRY.format(period="2027-03"))
    found = broken(
        paid_books, f"UPDATE clearing_owed SET amount = amount + 1 WHERE entry_id = {entry}"
    )
    reported(found, "owed_kept", entry=entry)
    found = broken(
        paid_books, f"UPDATE clearing_owed SET period = '2027-01' WHERE entry_id = {entry}"
    )
    reported(found, "owed_kept", entry=entry)
    at = sale_ids(sold_books, "Tractor")
    found = broken(sold_books, f"DELETE FROM clearing_owed WHERE entry_id = {at['entry']}")
    reported(found, "owed_kept", entry=at["entry"], found=0)


def test_every_invariant_has_a_test_that_breaks_it() -> None:
    source = Path(__file__).read_text(encoding="utf-8").split("# one test per")[1]
    source += (ROOT / "tests" / "test_trust_check_fund.py").read_text(encoding="utf-8")
    untested = [code for code in INVARIANTS if f'"{code}"' not in source]
    assert untested == []


# the command line --------------------------------------------------------------------
def minga(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(MINGA), *args], capture_output=True, text=True, timeout=120)


def _copy(url: str, database: Database, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A copy of the books to edit by hand: a file, or a database from a template."""
    if url.startswith("sqlite"):
        target = tmp_path / "copy.sqlite"
        assert minga("backup", "--db", url, "--to", str(target)).returncode == 0
        return f"sqlite:///{target}"
    pg = request.getfixturevalue("postgres")
    name = f"copy_{next(_copies)}"
    database.dispose()  # CREATE DATABASE … TEMPLATE needs the template to itself
    with psycopg.connect(pg.dsn("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(url.rsplit("/", 1)[1])
            )
        )
    return pg.url(name)


def test_a_posting_edited_by_hand_in_a_copy_is_named_by_minga_check(
    books, tmp_path: Path, request: pytest.FixtureRequest
) -> None:  # type: ignore[no-untyped-def]
    url, database = books
    copy = _copy(url, database, tmp_path, request)
    clean = minga("check", "--db", copy)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert f"All {len(INVARIANTS)} invariants hold for all communes." in clean.stdout
    copied = Database(copy)
    at = ids(copied)
    with copied.engine.begin() as connection:
        connection.execute(
            text(f"UPDATE journal_posting SET amount = 12345 WHERE id = {at['posting']}")
        )
    copied.dispose()
    found = minga("check", "--db", copy, "--commune", "Terra")
    assert found.returncode == 1, found.stdout + found.stderr
    lines = found.stdout.splitlines()
    assert any(
        line.startswith(f"entry_unbalanced commune={at['commune']} entry={at['entry']} ")
        for line in lines
    ), found.stdout
    assert lines[-1].endswith("discrepancies in Terra.")
    assert minga("check", "--db", url).returncode == 0  # the original is untouched


def test_check_usage_errors(tmp_path: Path, books) -> None:  # type: ignore[no-untyped-def]
    url, _ = books
    missing = minga("check", "--db", f"sqlite:///{tmp_path}/none.sqlite")
    assert missing.returncode == 2 and "There is no database" in missing.stderr
    unknown = minga("check", "--db", url, "--commune", "Nowhere")
    assert unknown.returncode == 2 and "There is no commune called Nowhere." in unknown.stderr


# backups -----------------------------------------------------------------------------
def test_a_sqlite_backup_while_another_thread_keeps_writing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/live.sqlite"
    _build(url)
    writer = ConsoleChat(url)
    stop = threading.Event()
    written = []

    def keep_writing() -> None:
        while not stop.is_set():
            writer.say("ana@group: /rent 1 0.01", "ben@group: /pledge 2 0.01")
            written.append(1)

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        while len(written) < 3:
            stop.wait(0.05)
        results = [
            minga("backup", "--db", url, "--to", str(tmp_path / f"copy{n}.sqlite"))
            for n in range(3)
        ]
    finally:
        stop.set()
        thread.join()
        writer.close()
    for result in results:
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.splitlines()[-1].startswith(f"All {len(INVARIANTS)} invariants")
    copies = [sqlite3.connect(tmp_path / f"copy{n}.sqlite") for n in range(3)]
    receipts = [c.execute("SELECT count(*) FROM rent_receipt").fetchone()[0] for c in copies]
    for c in copies:
        c.close()
    assert receipts == sorted(receipts) and receipts[-1] > 4  # taken while rent kept coming
    assert not list(tmp_path.glob("*.partial"))


def test_a_sqlite_backup_replaces_an_older_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/live.sqlite"
    _build(url)
    target = tmp_path / "nightly.sqlite"
    target.write_text("yesterday's")
    assert minga("backup", "--db", url, "--to", str(target)).returncode == 0
    assert sqlite3.connect(target).execute("SELECT name FROM commune").fetchall()


@pytest.mark.skipif(backup_module.find_pg_dump() is None, reason="pg_dump not installed")
def test_a_postgres_backup_dumps_the_snapshot_it_checks(books, tmp_path: Path, request) -> None:  # type: ignore[no-untyped-def]
    url, _ = books
    if url.startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    target = tmp_path / "minga.dump"
    result = minga("backup", "--db", url, "--to", str(target))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "its snapshot" in result.stdout.splitlines()[-1]
    pg = request.getfixturevalue("postgres")
    restored = pg.create_database(f"restored_{next(_copies)}")
    pg_restore = str(Path(backup_module.find_pg_dump() or "").with_name("pg_restore"))
    subprocess.run(
        [pg_restore, "--no-owner", f"--dbname={restored.replace('+psycopg', '')}", str(target)],
        check=True,
    )
    assert minga("check", "--db", restored).returncode == 0


def test_without_pg_dump_the_command_to_run_is_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(backup_module, "find_pg_dump", lambda: None)
    url = "postgresql+psycopg://minga:secret@db.example:5433/books"
    monkeypatch.setattr("bot.cli._database_exists", lambda _url: True)
    status = minga_main(["backup", "--db", url, "--to", str(tmp_path / "b.dump")])
    err = capsys.readouterr().err
    assert status == 3
    assert f"pg_dump --format=custom --file={tmp_path / 'b.dump'} " in err
    assert "postgresql://minga@db.example:5433/books" in err
    assert "secret" not in err


def test_pg_dump_is_found_on_path_or_in_debian_s_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    found = backup_module.find_pg_dump()
    assert found is None or found.startswith("/usr/lib/postgresql/")
