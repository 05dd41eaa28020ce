"""``/payout all`` at federation size: set-based, whatever the number of members.

A commune built like the benchmark's is cleared (every member is owed a dividend, the
holders their repayments), then everyone is paid up to January in a few INSERT …
SELECTs: one payout, one entry and two postings per member, and the books clean.
MINGA_PAYOUT_MEMBERS sets the size (100,000 is the federation: its ``pay_all`` takes
about 1.4 s on SQLite; the default of 10,000 keeps the test to a few seconds).
"""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import event, text

from bench.federation import CLEAR_AT, build
from handlers.check import find_discrepancies
from handlers.jobs import run_due
from storage.uow import Database

MEMBERS = int(os.environ.get("MINGA_PAYOUT_MEMBERS", "10000"))
LEASES, PER_LEASE = MEMBERS // 10, 5


@pytest.mark.slow
def test_payout_all_is_a_few_statements_for_every_member(database_url: str) -> None:
    database = Database(database_url)
    try:
        build(database, MEMBERS, LEASES, PER_LEASE)
        assert [str(i.period) for i in run_due(database.unit_of_work, CLEAR_AT)] == ["2027-01"]
        statements: list[str] = []

        def seen(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(database.engine, "before_cursor_execute", seen)
        started = time.perf_counter()
        with database.unit_of_work() as uow:
            count, total = uow.payouts.pay_all(1, "2027-01", "2027-02", CLEAR_AT, 1)
            uow.commit()
        took = time.perf_counter() - started
        event.remove(database.engine, "before_cursor_execute", seen)
        assert len(statements) <= 8, statements  # not one per member
        assert count == MEMBERS
        with database.engine.connect() as connection:
            earned = connection.execute(text("SELECT sum(amount) FROM clearing_owed")).scalar()
            rows = connection.execute(
                text("SELECT count(*), count(DISTINCT member_id), sum(amount) FROM payout")
            ).one()
            postings = connection.execute(
                text(
                    "SELECT account_kind, count(*), sum(amount) FROM journal_posting "
                    "WHERE account_kind IN ('settled', 'paid') GROUP BY account_kind "
                    "ORDER BY account_kind"
                )
            ).all()
        assert total == earned and tuple(rows) == (MEMBERS, MEMBERS, earned)
        assert [tuple(p) for p in postings] == [
            ("paid", MEMBERS, earned),
            ("settled", MEMBERS, -earned),
        ]
        with database.unit_of_work() as uow:
            assert uow.payouts.totals(1, "2027-02") == (earned, earned, 0)
            assert find_discrepancies(uow, 1) == []
        assert took < 10, f"/payout all took {took:.1f} s for {MEMBERS} members"
    finally:
        database.dispose()
