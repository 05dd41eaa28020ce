"""Statements over a year: year to date kept per clearing, and /statement by member.

A commune built like the benchmark's is cleared month by month through a whole year
and into the next January, with rent skipped on some leases some months, bigger rent
that repays some leases in full mid-year (so their rent pools into dividends),
members leaving (and still repaid, or not on the roster at all) and one joining.
After every clearing each queued statement's year-to-date figures must equal the
plain definition (the year's roster dividends and ``holding`` postings through the
period, summed straight from the tables), whether the clearing read the totals kept
by the clearing before it (migration 0007), the latest kept ones plus the months
after them, or, with none kept, the journal. And a statement asked for later, built
from that member's own rows, must read exactly as the one queued.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import event, text

from bench.federation import LONG_AGO, build
from domain.periods import Period
from handlers.jobs import run_due
from handlers.statements import statements
from storage.migrate import alembic_config
from storage.uow import Database

MEMBERS, LEASES, PER_LEASE = 120, 12, 5
LEAVERS = (7, 11, 70)  # 7 and 11 hold a bond each (11's is repaid by July), 70 none
JOINER = MEMBERS + 1


def _rent(issue: int, month: int) -> int | None:
    """The rent a lease pays in a month (None: none that month)."""
    if (issue + month) % 4 == 0:
        return None
    if issue in (3, 4) and month in (5, 6, 7):  # repays them in full by July
        return 240_000 + 1_001 * month
    return 20_000 + 7_919 * (issue * month % 13)


def _end(period: str) -> datetime:
    """Just after ``period`` ends: when its clearing is due."""
    return Period.parse(period).ends_at("UTC") + timedelta(seconds=1)


def _receive_and_clear(database: Database, period: Period) -> None:
    """The month's rent on the leases that pay it, then the month's clearing."""
    rents = [(i, _rent(i, period.month)) for i in range(1, LEASES + 1)]
    with database.engine.begin() as connection:
        for issue, amount in rents:
            if amount is not None:
                connection.execute(
                    text(
                        "INSERT INTO rent_receipt (commune_id, issue_id, amount, received_at,"
                        " period, recorded_by) VALUES (1, :issue, :amount, :at, :period, 1)"
                    ),
                    {
                        "issue": issue,
                        "amount": amount,
                        "at": period.starts_at("UTC") + timedelta(days=9),
                        "period": str(period),
                    },
                )
    assert [str(i.period) for i in run_due(database.unit_of_work, _end(str(period)))] == [
        str(period)
    ]


def _by_definition(database: Database, period: str) -> dict[int, tuple[int, int]]:
    """{member: (dividends, repaid)} over the year's clearings through ``period``,
    straight from the roster and the journal."""
    first = f"{period[:4]}-01"
    totals: dict[int, list[int]] = {}
    with database.engine.connect() as connection:
        for member, total in connection.execute(
            text(
                "SELECT m.member_id, sum(m.dividend) FROM clearing_member m"
                " JOIN clearing c ON c.id = m.clearing_id"
                " WHERE c.period >= :first AND c.period <= :last GROUP BY m.member_id"
            ),
            {"first": first, "last": period},
        ):
            totals.setdefault(member, [0, 0])[0] = int(total)
        for member, total in connection.execute(
            text(
                "SELECT h.member_id, sum(p.amount) FROM journal_posting p"
                " JOIN journal_entry e ON e.id = p.entry_id"
                " JOIN holding h ON h.id = p.account_ref"
                " WHERE e.kind = 'clearing' AND p.account_kind = 'holding'"
                " AND e.ref >= :first AND e.ref <= :last GROUP BY h.member_id"
            ),
            {"first": f"period:{first}", "last": f"period:{period}"},
        ):
            totals.setdefault(member, [0, 0])[1] = int(total)
    return {member: (d, r) for member, (d, r) in totals.items()}


def _queued(database: Database, period: str) -> dict[int, dict]:
    """{member: context} of the statements the clearing of ``period`` queued."""
    with database.engine.connect() as connection:
        clearing_id = connection.execute(
            text("SELECT id FROM clearing WHERE period = :period"), {"period": period}
        ).scalar_one()
        return {
            int(key.rsplit(":", 1)[1]): json.loads(context)
            for key, context in connection.execute(
                text(
                    "SELECT dedup_key, context FROM outbox"
                    " WHERE template = 'statement' AND dedup_key LIKE :key"
                ),
                {"key": f"statement:{clearing_id}:%"},
            )
        }


def _kept(database: Database) -> dict[str, dict[int, tuple[int, int]]]:
    """{period: {member: (dividends, repaid)}} of the year-to-date totals kept."""
    kept: dict[str, dict[int, tuple[int, int]]] = {}
    with database.engine.connect() as connection:
        for period, member, dividends, repaid in connection.execute(
            text(
                "SELECT c.period, y.member_id, y.dividends, y.repaid"
                " FROM clearing_year_to_date y JOIN clearing c ON c.id = y.clearing_id"
            )
        ):
            kept.setdefault(period, {})[member] = (int(dividends), int(repaid))
    return kept


def _check_year_to_date(database: Database, period: str) -> None:
    expected = _by_definition(database, period)
    queued = _queued(database, period)
    assert len(queued) >= MEMBERS - len(LEAVERS)
    for member, context in queued.items():
        assert (context["ytd_dividends"], context["ytd_repaid"]) == expected.get(member, (0, 0)), (
            period,
            member,
        )


def _leave_and_join(database: Database, period: Period) -> None:
    """Before ``period``'s clearing: the leavers go (at its start), someone joins."""
    start = period.starts_at("UTC")
    with database.engine.begin() as connection:
        connection.execute(
            text(f"UPDATE member SET left_at = :at WHERE id IN {LEAVERS}"), {"at": start}
        )
        connection.execute(
            text("INSERT INTO person (id, created_at) VALUES (:id, :at)"),
            {"id": JOINER, "at": LONG_AGO},
        )
        connection.execute(
            text(
                "INSERT INTO account (id, platform, platform_user_id, person_id, display_name,"
                " last_seen_at) VALUES (:id, 'bench', 'joiner', :id, 'joiner', :at)"
            ),
            {"id": JOINER, "at": LONG_AGO},
        )
        connection.execute(
            text(
                "INSERT INTO member (id, commune_id, person_id, name, name_key, is_admin,"
                " is_treasurer, joined_at) VALUES (:id, 1, :id, 'joiner', 'joiner', false, false,"
                " :at)"
            ),
            {"id": JOINER, "at": start + timedelta(days=3)},
        )


def _built(database_url: str) -> Database:
    database = Database(database_url)
    build(database, MEMBERS, LEASES, PER_LEASE)
    with database.engine.begin() as connection:
        # coop sizes stay put as members come and go (a statement's share is by today's)
        connection.execute(text(f"UPDATE member SET cooperative_id = NULL WHERE id IN {LEAVERS}"))
        # member 1: a second holding of bond 1 (one line for both) and one of bond 6
        connection.execute(
            text(
                "INSERT INTO holding (issue_id, member_id, principal, redeemed, seq)"
                " VALUES (1, 1, 50000, 0, 6), (6, 1, 70000, 0, 6)"
            )
        )
    return database


def test_year_to_date_over_a_year_equals_the_definition(database_url: str) -> None:
    database = _built(database_url)
    assert [str(i.period) for i in run_due(database.unit_of_work, _end("2027-01"))] == ["2027-01"]
    _check_year_to_date(database, "2027-01")
    assert _kept(database) == {}  # January keeps nothing
    period = Period.parse("2027-01")
    for _ in range(12):  # February 2027 to January 2028
        period = period.next()
        if str(period) == "2027-04":
            _leave_and_join(database, period)
        if str(period) == "2027-06":  # as if upgraded from 0006: nothing kept yet
            with database.engine.begin() as connection:
                connection.execute(text("DELETE FROM clearing_year_to_date"))
        if str(period) == "2027-10":  # August's lost: October adds Aug and Sep to July's
            with database.engine.begin() as connection:
                connection.execute(
                    text(
                        "DELETE FROM clearing_year_to_date WHERE clearing_id ="
                        " (SELECT id FROM clearing WHERE period = '2027-08')"
                    )
                )
        _receive_and_clear(database, period)
        _check_year_to_date(database, str(period))
    kept = _kept(database)
    # from May on (June's clearing summed the journal through May), but for August;
    # never December (January keeps nothing)
    assert sorted(kept) == ["2027-05", "2027-06", "2027-07", "2027-09", "2027-10", "2027-11"]
    for through, totals in kept.items():
        assert totals == _by_definition(database, through), through
    with database.engine.connect() as connection:  # the scenario did what it says
        leavers_rostered = connection.execute(
            text(
                "SELECT c.period, m.member_id FROM clearing_member m JOIN clearing c"
                f" ON c.id = m.clearing_id WHERE m.member_id IN {LEAVERS}"
                " AND c.period >= '2027-04' ORDER BY 1, 2"
            )
        ).all()
        pooled = connection.execute(
            text("SELECT count(*) FROM clearing WHERE dividend_each > 0")
        ).scalar_one()
    assert ("2027-04", 7) in leavers_rostered and ("2027-04", 11) in leavers_rostered
    assert ("2027-06", 7) not in leavers_rostered and ("2027-08", 11) not in leavers_rostered
    assert all(member != 70 for _, member in leavers_rostered)
    assert pooled >= 10
    database.dispose()


def test_a_statement_asked_later_reads_as_queued_all_year(database_url: str) -> None:
    """Built from the member's own rows (holdings, roster rows, their postings), for
    every member and month of the year, after the whole year has been cleared."""
    database = _built(database_url)
    run_due(database.unit_of_work, _end("2027-01"))
    period = Period.parse("2027-01")
    for _ in range(12):
        period = period.next()
        if str(period) == "2027-04":
            _leave_and_join(database, period)
        _receive_and_clear(database, period)
    periods = [f"2027-{m:02d}" for m in range(1, 13)] + ["2028-01"]
    queued = {p: _queued(database, p) for p in periods}
    with database.unit_of_work() as uow:
        commune = uow.communes.by_name("Fed")
        assert commune is not None
        for p in periods:
            members = (
                range(1, JOINER + 1)
                if p in ("2027-01", "2027-06", "2027-12")
                else (1, 2, 7, 11, 60, 61, 70, MEMBERS, JOINER)
            )
            for member in members:
                found = statements(uow, commune, Period.parse(p), only_member=member)
                if member not in queued[p]:
                    assert found == [], (p, member)
                    continue
                (asked,) = found
                assert asked.context == queued[p][member], (p, member)
    assert all(70 not in queued[p] for p in periods[3:])  # left, holds nothing: no statement
    assert 7 in queued["2027-05"] and 7 not in queued["2027-06"]  # left; repaid, or not
    assert len(queued["2027-03"][1]["holdings"]) == 2  # bond 1 twice in one line, and bond 6
    assert JOINER in queued["2027-04"] and JOINER not in queued["2027-03"]
    database.dispose()


def test_a_statement_for_one_member_reads_by_that_member(sqlite_url: str) -> None:
    """On SQLite (no statistics), every query of a one-member statement that touches
    the journal, the holdings or the roster finds its rows by the member's indexes:
    none scans them, or reads the journal by entry, whose rows are every member's."""
    database = _built(sqlite_url)
    run_due(database.unit_of_work, _end("2027-01"))
    for month in range(2, 6):
        _receive_and_clear(database, Period.parse(f"2027-{month:02d}"))
    executed: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            executed.append((statement, parameters))

    with database.unit_of_work() as uow:
        commune = uow.communes.by_name("Fed")
        assert commune is not None
        event.listen(database.engine, "before_cursor_execute", record)
        try:
            (found,) = statements(uow, commune, Period.parse("2027-03"), only_member=1)
        finally:
            event.remove(database.engine, "before_cursor_execute", record)
    assert found.context["holdings"] and found.context["ytd_repaid"] > 0
    plans = []
    with database.engine.connect() as connection:
        for statement, parameters in executed:
            plans += [
                row[3]
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            ]
    touched = [
        line
        for line in plans
        if any(table in line for table in ("journal_posting", "holding", "clearing_member"))
    ]
    assert touched
    for line in touched:
        assert not line.startswith("SCAN"), line
        assert "ix_journal_posting_entry_id" not in line, line
        if "journal_posting" in line:
            assert "account_ref=?" in line, line
    database.dispose()


def test_migration_0007_down_and_up_keeps_every_statement(database_url: str) -> None:
    """Without the kept totals (0007 undone and redone), the next clearing sums the
    journal once, keeps what it summed, and the numbers are the same."""
    database = _built(database_url)
    run_due(database.unit_of_work, _end("2027-01"))
    _receive_and_clear(database, Period.parse("2027-02"))
    _receive_and_clear(database, Period.parse("2027-03"))
    assert sorted(_kept(database)) == ["2027-01", "2027-02"]
    config = alembic_config(database_url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert _kept(database) == {}
    _receive_and_clear(database, Period.parse("2027-04"))
    _check_year_to_date(database, "2027-04")
    assert sorted(_kept(database)) == ["2027-03"]
    assert _kept(database)["2027-03"] == _by_definition(database, "2027-03")
    database.dispose()


def test_a_commune_founded_mid_year_starts_its_year_to_date_then(database_url: str) -> None:
    """The first clearing is March's: nothing before it to keep; April keeps March."""
    database = _built(database_url)
    with database.engine.begin() as connection:
        connection.execute(
            text("UPDATE commune SET created_at = :at"),
            {"at": datetime(2027, 3, 1, tzinfo=UTC)},
        )
        connection.execute(text("UPDATE rent_receipt SET period = '2027-03'"))
    assert [str(i.period) for i in run_due(database.unit_of_work, _end("2027-03"))] == ["2027-03"]
    _check_year_to_date(database, "2027-03")
    assert _kept(database) == {}
    _receive_and_clear(database, Period.parse("2027-04"))
    _check_year_to_date(database, "2027-04")
    assert sorted(_kept(database)) == ["2027-03"]
    database.dispose()
