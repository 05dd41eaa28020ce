"""The federation-scale clearing writes what the pure domain says, piece by piece.

``handlers.clearing`` no longer builds the period's entry in memory: it splits each
lease with ``domain.clearing.split`` and writes the postings in bulk, then lets SQL
add the dividends and the cash. Here a commune built like the benchmark's (every
fifth lease nearly repaid, so there is a dividend) is cleared, and its journal entry
is compared posting by posting with ``domain.clearing.clearing_entry`` over the same
inputs; a statement asked for later must read as the one queued then; and migration
0005 can be undone without losing a redemption.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from bench.federation import CLEAR_AT, build
from domain.clearing import HoldingBalance, LeaseRent, clear_period, clearing_entry
from domain.periods import Period
from handlers.jobs import run_due
from handlers.statements import statements
from storage.migrate import alembic_config
from storage.uow import Database

MEMBERS, LEASES, PER_LEASE = 300, 30, 5


def _inputs(database: Database) -> tuple[list[LeaseRent], list[int]]:
    """What the clearing of January 2027 starts from, read plainly."""
    with database.engine.connect() as connection:
        rents = connection.execute(
            text(
                "SELECT r.issue_id, sum(r.amount) FROM rent_receipt r JOIN bond_issue b "
                "ON b.id = r.issue_id WHERE r.period = '2027-01' GROUP BY r.issue_id, b.number "
                "ORDER BY b.number"
            )
        ).all()
        holdings = connection.execute(
            text(
                "SELECT id, member_id, issue_id, principal - redeemed FROM holding "
                "WHERE principal > redeemed ORDER BY issue_id, seq, id"
            )
        ).all()
        eligible = [m for (m,) in connection.execute(text("SELECT id FROM member ORDER BY id"))]
    owed: dict[int, list[HoldingBalance]] = {}
    for hid, member, issue, outstanding in holdings:
        owed.setdefault(issue, []).append(HoldingBalance(hid, member, outstanding))
    return [LeaseRent(issue, int(rent), owed.get(issue, [])) for issue, rent in rents], eligible


def _entry(database: Database, ref: str) -> list[tuple[str, int, int]]:
    with database.engine.connect() as connection:
        return [
            (kind, account, amount)
            for kind, account, amount in connection.execute(
                text(
                    "SELECT p.account_kind, p.account_ref, p.amount FROM journal_posting p "
                    "JOIN journal_entry e ON e.id = p.entry_id "
                    "WHERE e.kind = 'clearing' AND e.ref = :ref ORDER BY p.id"
                ),
                {"ref": ref},
            )
        ]


def test_the_bulk_written_entry_is_the_domains_entry(database_url: str) -> None:
    database = Database(database_url)
    build(database, MEMBERS, LEASES, PER_LEASE)
    leases, eligible = _inputs(database)
    outcome = clear_period(leases, len(eligible), 0)
    expected = clearing_entry("2027-01", outcome, eligible)
    assert outcome.dividend_each > 0 and outcome.redemptions  # both kinds of posting

    assert [str(i.period) for i in run_due(database.unit_of_work, CLEAR_AT)] == ["2027-01"]

    assert _entry(database, "period:2027-01") == [
        (p.kind.value, p.ref, p.amount) for p in expected.postings
    ]
    with database.engine.connect() as connection:
        row = connection.execute(
            text("SELECT redeemed, pool, dividend_each, carry_out FROM clearing")
        ).one()
        owed = dict(connection.execute(text("SELECT id, principal - redeemed FROM holding")).all())
        queued = connection.execute(
            text("SELECT count(*) FROM outbox WHERE template = 'statement'")
        ).scalar_one()
    assert tuple(row) == (
        outcome.redeemed,
        outcome.pool,
        outcome.dividend_each,
        outcome.carry_out,
    )
    for redemption in outcome.redemptions:  # each holding repaid by exactly its part
        assert owed[redemption.holding_id] == redemption.outstanding_after
    assert queued == MEMBERS
    database.dispose()


def test_a_statement_asked_later_reads_as_the_one_queued(database_url: str) -> None:
    database = Database(database_url)
    build(database, MEMBERS, LEASES, PER_LEASE)
    run_due(database.unit_of_work, CLEAR_AT)
    with database.engine.begin() as connection:  # February's rent, then its clearing
        connection.execute(
            text(
                "INSERT INTO rent_receipt (commune_id, issue_id, amount, received_at, period,"
                " recorded_by) SELECT 1, id, 20000, :at, '2027-02', 1 FROM bond_issue"
            ),
            {"at": datetime(2027, 2, 10, tzinfo=UTC)},
        )
    assert [
        str(i.period) for i in run_due(database.unit_of_work, datetime(2027, 3, 1, 1, tzinfo=UTC))
    ] == ["2027-02"]
    with database.engine.connect() as connection:
        queued = {
            key: json.loads(context)
            for key, context in connection.execute(
                text("SELECT o.dedup_key, o.context FROM outbox o WHERE o.template = 'statement'")
            )
        }
        clearings = dict(connection.execute(text("SELECT period, id FROM clearing")).all())
    with database.unit_of_work() as uow:
        commune = uow.communes.by_name("Fed")
        for period in ("2027-01", "2027-02"):  # January's outstanding has moved on since
            for member in (1, 2, 150, MEMBERS):
                (asked,) = statements(uow, commune, Period.parse(period), only_member=member)
                assert asked.context == queued[f"statement:{clearings[period]}:{member}"]
    database.dispose()


def test_migration_0005_down_and_up_keeps_every_redemption(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    build(database, MEMBERS, LEASES, PER_LEASE)
    run_due(database.unit_of_work, CLEAR_AT)
    config = alembic_config(sqlite_url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    with database.engine.connect() as connection:
        restored = connection.execute(
            text("SELECT holding_id, amount, outstanding_after FROM redemption ORDER BY id")
        ).all()
        owed = dict(connection.execute(text("SELECT id, principal - redeemed FROM holding")).all())
        holding_postings = connection.execute(
            text(  # the clearings' redemptions, not the bonds' own (bond_cleared) postings
                "SELECT count(*) FROM journal_posting WHERE account_kind = 'holding' AND "
                "entry_id IN (SELECT id FROM journal_entry WHERE kind = 'clearing')"
            )
        ).scalar_one()
    assert len(restored) == holding_postings > 0
    assert all(owed[holding] == left for holding, _, left in restored)  # one clearing so far
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with database.engine.connect() as connection:
        tables = {
            name
            for (name,) in connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table'")
            )
        }
    assert "redemption" not in tables
    database.dispose()


def test_a_bulk_add_stores_what_an_ordinary_one_does(database_url: str) -> None:
    from domain.messages import Outgoing
    from domain.model import Address
    from storage.repositories.messaging import BULK

    database = Database(database_url)
    now = datetime(2027, 2, 1, 0, 0, 1, tzinfo=UTC)

    def message(n: int) -> Outgoing:
        context = {"name": "Àgueda \u00e9\u20ac", "n": n, "lines": [{"b": 2, "a": 1}], "x": None}
        return Outgoing(Address("bench", f"u{n}", n % 2 == 0, None), "statement", "ca", context)

    with database.unit_of_work() as uow:
        uow.outbox.add([message(0)], now)  # the ordinary insert
        uow.outbox.add([message(n) for n in range(1, BULK + 1)], now)  # the bulk one
        uow.commit()
    with database.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT platform, address, is_private, template, context, locale, created_at,"
                " attempts, delivered_at, claimed_until FROM outbox ORDER BY id"
            )
        ).all()
    ordinary, bulk = rows[0], rows[2]  # message 0 and message 2: both even, both private
    assert (bulk[0], bulk[2], bulk[3]) == (ordinary[0], ordinary[2], ordinary[3])
    assert (ordinary[1], bulk[1]) == ("u0", "u2")
    assert json.loads(bulk[4]) == {**json.loads(ordinary[4]), "n": 2}
    assert bulk[5:] == ordinary[5:]
    with database.unit_of_work() as uow:  # read back through the repository too
        pending = uow.outbox.pending("bench", limit=3)
    assert [m.context["n"] for m in pending] == [0, 1, 2]
    assert pending[2].is_private is True and pending[1].is_private is False
    assert pending[2].context["name"] == "Àgueda é€"
    database.dispose()
