"""Nothing lost, nothing done twice: redelivery, races, restarts, downtime."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from harness import TERRA_SETUP, ConsoleChat, domain_snapshot, says
from pauses import console, killed_when_paused, pause_clearing
from sqlalchemy import text

from handlers.dispatch import Dispatcher
from handlers.jobs import run_due
from storage.uow import Database

NOON = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def count(database: Database, sql: str) -> int:
    with database.engine.connect() as connection:
        return connection.execute(text(sql)).scalar_one()


def test_a_redelivered_message_changes_nothing(terra: ConsoleChat) -> None:
    dispatcher = Dispatcher(terra.database.unit_of_work, lambda: NOON)
    pledge = says("cai", "/pledge 1 300", "telegram-update-77")
    assert dispatcher.handle(pledge) is True
    before = terra.snapshot()
    outbox = count(terra.database, "SELECT count(*) FROM outbox")
    assert dispatcher.handle(pledge) is False
    assert terra.snapshot() == before
    assert count(terra.database, "SELECT count(*) FROM outbox") == outbox
    assert count(terra.database, "SELECT sum(amount) FROM pledge") == 30000


def test_racing_pledges_never_oversubscribe(terra: ConsoleChat) -> None:
    """Twelve members race 100.00 each for the last 1000.00: exactly ten win."""
    members = [f"m{n}" for n in range(12)]
    terra.say(*[f"{name}@group: /join Pan" for name in members])
    barrier = threading.Barrier(len(members))
    errors: list[BaseException] = []

    def pledge(name: str) -> None:
        database = Database(terra.url)  # a separate engine: another "process"
        dispatcher = Dispatcher(database.unit_of_work, lambda: NOON)
        try:
            barrier.wait()
            dispatcher.handle(says(name, "/pledge 1 100", f"race-{name}"))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            database.dispose()

    threads = [threading.Thread(target=pledge, args=(name,)) for name in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert count(terra.database, "SELECT coalesce(sum(amount), 0) FROM pledge") == 100000
    assert count(terra.database, "SELECT count(*) FROM pledge") == 10
    assert count(terra.database, "SELECT sum(principal) FROM holding") == 100000
    assert count(terra.database, "SELECT count(*) FROM bond_issue WHERE status='cleared'") == 1
    refusals = count(
        terra.database, "SELECT count(*) FROM outbox WHERE template LIKE 'refusal/issue_cleared'"
    )
    assert refusals == 2


def test_two_schedulers_clear_a_period_once(terra: ConsoleChat) -> None:
    terra.say("ana@group: /pledge 1 1000", ":now 2027-01-15T10:00:00Z", "ana@group: /rent 1 100")
    later = datetime(2027, 3, 1, tzinfo=UTC)
    barrier = threading.Barrier(2)

    def tick() -> None:
        database = Database(terra.url)
        barrier.wait()
        run_due(database.unit_of_work, later)
        database.dispose()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    periods = [row[0] for row in terra.snapshot()["clearing"]]
    assert len(periods) == 3  # December, January, February: each once
    statements = count(terra.database, "SELECT count(*) FROM outbox WHERE template = 'statement'")
    assert statements == 3 * 4


def test_after_downtime_missed_clearings_run_in_order(terra: ConsoleChat) -> None:
    terra.say("ana@group: /pledge 1 1000", ":now 2027-01-15T10:00:00Z", "ana@group: /rent 1 50")
    out = terra.say(":now 2027-04-02T08:00:00Z")
    summaries = [line for line in out if "Clearing for" in line]
    assert summaries == [
        "[group] 📒 Clearing for January 2027 — Terra",
        "[group] 📒 Clearing for February 2027 — Terra",
        "[group] 📒 Clearing for March 2027 — Terra",
    ]
    assert terra.say(":advance 1h") == []


FIRST_PART = (
    TERRA_SETUP
    + """
ana@group: /pledge 1 500
cai@group: /pledge 1 300
dee@group: /pledge 1 200
:now 2027-01-15T10:00:00Z
ana@group: /rent 1 333.33
eve@group: /join
:now 2027-02-15T10:00:00Z
ana@group: /rent 1 333.33
:now 2027-03-01T09:00:00Z
"""
)


def _state(url: str) -> tuple[list, list, dict]:
    database = Database(url)
    snapshot = domain_snapshot(database, ("clearing", "clearing_member"))  # redemptions: journal
    with database.unit_of_work() as uow:
        commune = uow.communes.by_name("Terra")
        journal = uow.journal.dump(commune.id)
    with database.engine.connect() as connection:
        statements = connection.execute(
            text("SELECT address, context FROM outbox WHERE template = 'statement' ORDER BY id")
        ).all()
    database.dispose()
    strip_ids = {k: [row[2:] for row in rows] for k, rows in snapshot.items()}
    return journal, [tuple(s) for s in statements], strip_ids


@pytest.mark.slow
def test_killed_mid_clearing_then_restarted_equals_an_uninterrupted_run(
    database_url: str, postgres, tmp_path: Path
) -> None:
    script = tmp_path / "terra.txt"
    script.write_text(FIRST_PART)
    resume = tmp_path / "resume.txt"
    resume.write_text(":advance 1s\n")

    reference = (
        postgres.create_database("reference")
        if "postgresql" in database_url
        else f"sqlite:///{tmp_path}/reference.sqlite"
    )
    assert console(reference, script).wait(120) == 0

    marker = tmp_path / "clearing-started"
    victim = console(database_url, script, pause_clearing("2027-02", marker))
    killed_when_paused(victim, marker, "the clearing")

    interrupted = Database(database_url)
    assert [r[2] for r in domain_snapshot(interrupted, ("clearing",))["clearing"]] == [
        "2026-12",
        "2027-01",
    ]  # February's clearing died with the process
    interrupted.dispose()

    assert console(database_url, resume).wait(120) == 0
    assert _state(database_url) == _state(reference)
    _, statements, _ = _state(database_url)
    keys = [(address, context) for address, context in statements]
    assert len(keys) == len(set(keys))  # no statement queued twice
    if "postgresql" in database_url:
        postgres.drop_database("reference")
