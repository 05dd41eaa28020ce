"""Scheduled work is isolated per commune (issue 10, case 1's scheduler half).

Terra's clearing fails (made to, after it has written everything a clearing
writes); Luna shares the database. Luna's deadline, clearing and assembly run on
time in the same tick, Terra's own deadline and assembly too; Terra's clearing is
rolled back, retried after 1, 2, 4 … minutes of the clock the scheduler is given,
held back with Terra's later months, told once to Terra's admins, and when it
finally goes through, told once more.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from harness import ConsoleChat
from sqlalchemy import text

import bot.runner
import handlers.jobs
from domain.assemblies import Assembly
from domain.due import PeriodClearing
from domain.periods import Period
from domain.retries import LONGEST_PAUSE, failed_again, pause_after
from handlers.jobs import run_due
from storage.uow import Database

SETUP = """
:now 2026-11-01T09:00:00Z
:admin ana group
ana@group: /setup Terra EUR Europe/Madrid
ana@group: /coop new Tierra
ana@group: /join Tierra
ben@group: /join Tierra
ana@group: /propose Tractor 1000 300 2026-11-30
ana@group: /pledge 1 600
ben@group: /pledge 1 400
:admin zoe other
zoe@other: /setup Luna EUR Europe/Madrid
zoe@other: /coop new Horno
zoe@other: /join Horno
yan@other: /join Horno
zoe@other: /propose Oven 1000 200 2026-11-30
zoe@other: /pledge 1 1000
:now 2026-12-02T09:00:00Z
ana@group: /rent 1 300
zoe@other: /rent 1 200
ana@group: /propose Plough 500 50 2027-01-01
zoe@other: /propose Mill 500 50 2027-01-01
ana@group: /assembly new "Winter" 2027-01-01T10:00 2027-01-01T12:00
ana@group: /motion 1 "Buy seed"
zoe@other: /assembly new "Winter" 2027-01-01T10:00 2027-01-01T12:00
zoe@other: /motion 1 "Buy flour"
"""
TICK = datetime(2027, 1, 2, tzinfo=UTC)  # after December's end, both deadlines and assemblies


class FailingClearing:
    """Terra's clearings raise after doing all their writes, until ``failing`` is off."""

    def __init__(self) -> None:
        self.failing = True
        self.attempts: list[str] = []
        self.real = handlers.jobs.clear

    def __call__(self, uow: Any, commune: Any, period: Any, now: datetime) -> Any:
        outcome = self.real(uow, commune, period, now)
        if commune.name != "Terra" or not self.failing:
            return outcome
        self.attempts.append(str(period))
        written = uow.session.execute(
            text("SELECT count(*) FROM clearing WHERE commune_id = :c AND period = :p"),
            {"c": commune.id, "p": str(period)},
        ).scalar_one()
        assert written == 1  # the attempt did write: what follows proves it is undone
        raise RuntimeError("integer out of range (simulated)")


def scalar(database: Database, sql: str, **params: Any) -> Any:
    with database.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def terra_books(database: Database) -> dict[str, list[tuple]]:
    """Terra's clearings, journal, holdings and the messages a clearing of it sends."""
    queries = {
        "clearing": "SELECT * FROM clearing WHERE commune_id = 1 ORDER BY id",
        "clearing_lease": "SELECT l.* FROM clearing_lease l JOIN clearing c "
        "ON c.id = l.clearing_id WHERE c.commune_id = 1 ORDER BY 1, 2",
        "clearing_member": "SELECT m.* FROM clearing_member m JOIN clearing c "
        "ON c.id = m.clearing_id WHERE c.commune_id = 1 ORDER BY 1, 2",
        "journal_entry": "SELECT * FROM journal_entry WHERE commune_id = 1 ORDER BY id",
        "journal_posting": "SELECT p.* FROM journal_posting p JOIN journal_entry e "
        "ON e.id = p.entry_id WHERE e.commune_id = 1 ORDER BY p.id",
        "holding": "SELECT h.* FROM holding h JOIN bond_issue i ON i.id = h.issue_id "
        "WHERE i.commune_id = 1 ORDER BY h.id",
    }
    with database.engine.connect() as connection:
        books = {
            name: [tuple(r) for r in connection.execute(text(q))] for name, q in queries.items()
        }
        outbox = connection.execute(text("SELECT template, context FROM outbox ORDER BY id"))
        books["outbox"] = [
            (template, context)
            for template, context in outbox
            if template in ("clearing_summary", "statement")
            and json.loads(context)["commune"] == "Terra"
        ]
    return books


def sent(database: Database, template: str, address: str) -> int:
    return scalar(
        database,
        "SELECT count(*) FROM outbox WHERE template = :t AND address = :a",
        t=template,
        a=address,
    )


def test_pauses_double_from_a_minute_up_to_an_hour() -> None:
    assert [pause_after(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert pause_after(6) == timedelta(minutes=32)
    assert pause_after(7) == pause_after(1000) == LONGEST_PAUSE == timedelta(hours=1)
    with pytest.raises(ValueError):
        pause_after(0)
    december = PeriodClearing(commune_id=1, period=Period(2026, 12), when=TICK)
    first = failed_again(None, december, TICK, "boom" * 500)
    assert (first.failures, first.first_failed_at, first.retry_at) == (
        1,
        TICK,
        TICK + timedelta(minutes=1),
    )
    assert len(first.error) == 500
    later = TICK + timedelta(minutes=5)
    second = failed_again(first, first.work, later, "again")
    assert (second.failures, second.first_failed_at, second.retry_at, second.error) == (
        2,
        TICK,
        later + timedelta(minutes=2),
        "again",
    )
    assert second.waits(later + timedelta(seconds=119)) and not second.waits(second.retry_at)


def test_a_failing_clearing_holds_back_nothing_of_anyone_else(
    chat: ConsoleChat, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    chat.script(SETUP)
    assert scalar(chat.database, "SELECT count(*) FROM clearing") == 2  # November, both
    clearing = FailingClearing()
    monkeypatch.setattr(handlers.jobs, "clear", clearing)
    before = terra_books(chat.database)
    caplog.set_level(logging.INFO, logger="minga")

    out = chat.say(f":now {TICK.isoformat()}")

    assert clearing.attempts == ["2026-12"]
    assert terra_books(chat.database) == before  # rolled back: journal, clearings, outbox
    # Luna: its clearing, its bond's deadline and its assembly, all in the same tick.
    assert (
        scalar(
            chat.database,
            "SELECT period FROM clearing WHERE commune_id = 2 ORDER BY id DESC LIMIT 1",
        )
        == "2026-12"
    )
    statuses = "SELECT status FROM bond_issue WHERE commune_id = :c AND number = 2"
    assembly = "SELECT status FROM assembly WHERE commune_id = :c"
    for commune in (1, 2):  # Terra's own deadline and assembly do not wait either
        assert scalar(chat.database, statuses, c=commune) == "expired"
        assert scalar(chat.database, assembly, c=commune) == "closed"
    assert any(line.startswith("[other] 📒") for line in out)  # Luna's clearing summary
    assert not any(line.startswith("[group] 📒") for line in out)
    assert "[dm ana] ⚠️ Terra: the clearing for December 2026 failed." in out
    assert sent(chat.database, "job_failed", "ana") == 1
    assert sent(chat.database, "job_failed", "zoe") == 0
    (first,) = [r for r in caplog.records if r.name == "minga" and r.levelno >= logging.WARNING]
    assert first.levelno == logging.ERROR and first.exc_info is not None
    assert "clearing for commune 1: 2026-12 failed" in first.getMessage()

    # Retried only after growing pauses, on the scheduler's clock.
    assert chat.say(":advance 59s") == []
    assert clearing.attempts == ["2026-12"]
    chat.say(":advance 1s")
    assert clearing.attempts == ["2026-12"] * 2
    chat.say(":advance 119s")
    assert len(clearing.attempts) == 2
    chat.say(":advance 1s")
    assert len(clearing.attempts) == 3
    retries = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(retries) == 2 and all(r.exc_info is None for r in retries)
    assert "failed again (3 in a row" in retries[-1].getMessage()

    # A restart keeps the pause: 4 minutes from the third failure.
    chat = chat.restart()
    chat.say(":advance 239s")
    assert len(clearing.attempts) == 3
    chat.say(":advance 1s")
    assert len(clearing.attempts) == 4
    assert sent(chat.database, "job_failed", "ana") == 1  # once for the whole streak

    # January ends: Luna clears it; Terra's January waits behind its December.
    chat.say(":now 2027-02-01T00:00:00Z")
    assert clearing.attempts == ["2026-12"] * 5
    assert scalar(chat.database, "SELECT count(*) FROM clearing WHERE commune_id = 1") == 1
    assert scalar(chat.database, "SELECT count(*) FROM clearing WHERE commune_id = 2") == 3
    assert terra_books(chat.database) == before
    assert scalar(chat.database, "SELECT failures FROM job_failure") == 5

    # It goes through: both months, in order; the admins hear it once; the row is gone.
    clearing.failing = False
    assert chat.say(":advance 15m") == []
    out = chat.say(":advance 1m")
    periods = "SELECT period FROM clearing WHERE commune_id = 1 ORDER BY id"
    with chat.database.engine.connect() as connection:
        assert [p for (p,) in connection.execute(text(periods))] == [
            "2026-11",
            "2026-12",
            "2027-01",
        ]
    assert "[dm ana] ✅ Terra: the clearing for December 2026 went through after 6 attempts." in out
    assert sent(chat.database, "job_recovered", "ana") == 1
    assert sent(chat.database, "job_failed", "ana") == 1
    assert scalar(chat.database, "SELECT count(*) FROM job_failure") == 0


def test_a_failing_assembly_step_holds_back_not_even_its_communes_clearing(
    chat: ConsoleChat, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """``minga run``'s tick, with Terra's assembly failing to close: the rest runs, and
    the log names every item by its kind."""
    chat.script(SETUP)
    real = handlers.jobs.close_voting

    def closing_fails(uow: Any, assembly: Assembly, *args: Any) -> None:
        if assembly.commune_id == 1:
            raise RuntimeError("results could not be counted (simulated)")
        real(uow, assembly, *args)

    monkeypatch.setattr(handlers.jobs, "close_voting", closing_fails)
    monkeypatch.setattr(bot.runner, "real_now", lambda: TICK)
    caplog.set_level(logging.INFO, logger="minga")
    bot.runner.tick(chat.database)

    ran = sorted(r.getMessage() for r in caplog.records if r.getMessage().startswith("ran "))
    assert ran == [
        "ran assembly close for commune 2: #1",
        "ran assembly open for commune 1: #1",
        "ran assembly open for commune 2: #1",
        "ran assembly remind for commune 1: #1 (reminder 2)",
        "ran assembly remind for commune 2: #1 (reminder 2)",
        "ran clearing for commune 1: 2026-12",
        "ran clearing for commune 2: 2026-12",
        "ran deadline for commune 1: bond #2",
        "ran deadline for commune 2: bond #2",
    ]
    assert scalar(chat.database, "SELECT status FROM assembly WHERE commune_id = 1") == "open"
    out = chat.say(":advance 1s")  # the console delivers what the tick queued
    assert "[dm ana] ⚠️ Terra: closing assembly #1 and publishing its results failed." in out
    assert not any("Later months wait" in line for line in out)  # only a clearing holds them
    assert scalar(chat.database, "SELECT what || ' ' || key FROM job_failure") == (
        "assembly close:1"
    )


def test_two_processes_start_one_streak_and_run_the_rest_once(
    chat: ConsoleChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat.script(SETUP)
    clearing = FailingClearing()
    monkeypatch.setattr(handlers.jobs, "clear", clearing)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def process() -> None:
        database = Database(chat.url)  # its own engine: another process
        try:
            barrier.wait()
            run_due(database.unit_of_work, TICK)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            database.dispose()

    threads = [threading.Thread(target=process) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert 1 <= len(clearing.attempts) <= 2
    assert scalar(chat.database, "SELECT failures FROM job_failure") == len(clearing.attempts)
    assert sent(chat.database, "job_failed", "ana") == 1
    assert scalar(chat.database, "SELECT count(*) FROM clearing WHERE commune_id = 1") == 1
    assert scalar(chat.database, "SELECT count(*) FROM clearing WHERE commune_id = 2") == 2
    for template in ("assembly_results", "bond_expired", "clearing_summary"):
        assert sent(chat.database, template, "other") == (
            1 if template != "clearing_summary" else 2
        )
