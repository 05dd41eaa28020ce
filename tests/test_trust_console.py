"""Trust in the console (issue 10, cases 4, 6 and 10) and in /statement.

The console prints every queued message, however many, before the next line;
a ``:`` directive with a bad value is one ``line N: <reason>`` on stderr and the
script goes on; a script killed part-way and run again from the start repeats
nothing it had committed. /statement answers "not cleared" where it was asked,
and still serves a former member who holds bonds.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from harness import TERRA_SETUP, ConsoleChat, domain_snapshot
from pauses import console, killed_when_paused, pause_clearing
from sqlalchemy import text

from bench.federation import CLEAR_AT, build
from bot.console import Console
from storage.uow import Database

MINGA = Path(sys.executable).parent / "minga"


# --- case 4: every message, in order -----------------------------------------------


def test_a_clearing_of_2500_members_prints_every_statement_then_the_next_reply(
    database_url: str,
) -> None:
    members = 2500
    database = Database(database_url)
    build(database, members, 250, 5)
    with database.engine.begin() as connection:  # the bench commune, spoken to by console
        connection.execute(text("UPDATE chat SET platform = 'console'"))
        connection.execute(text("UPDATE account SET platform = 'console'"))
    database.dispose()
    chat = ConsoleChat(database_url)
    try:
        out = chat.say(f":now {CLEAR_AT.isoformat()}", "m2@group: /ledger")
        statements = [line for line in out if line.startswith("[dm m") and "Your statement" in line]
        assert len(statements) == members
        assert len({line.split("]")[0] for line in statements}) == members  # one each
        assert out[0] == "[group] 📒 Clearing for January 2027 — Fed"
        ledger = out.index("[group] 📖 Open books of Fed")
        assert ledger > out.index(statements[-1])  # the reply comes after every statement
        assert out[-1].endswith("balanced ✔")
        with chat.database.engine.connect() as connection:
            pending = connection.execute(
                text("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")
            ).scalar_one()
        assert pending == 0
    finally:
        chat.close()


# --- case 6: directives refuse bad values ------------------------------------------

HOSTILE = [
    ":advance 99999999d",
    ":advance 99999999999999999999999999999999d",
    ":advance -5d",
    ":advance 5",
    ":advance",
    ":advance ²d",
    ":advance 1.5d",
    ":advance 3661d",
    ":now 2037-01-01T00:00:00Z",
    ":now",
    ":now garbage",
    ":now 2026-11-01T00:00:00Z",
    ":now 9999-12-31T23:59:59-23:59",
    ":now 0001-01-01T00:00:00+01:00",
    ":now 2027-01-01T00:00:00+25:00",
    ":now 2027-01-01T00:00:00 Europe/Madrid",
    ":now 99999-01-01",
    ":now 2027-13-01",
    ":now 2027-02-30T00:00:00Z",
    ":now 9000-01-01T00:00:00Z",
    ":admin",
    ":admin a b c",
    ":admin a@b",
    ":admin ana dm:x",
    ":admin " + "x" * 65,
    ":admin ana\x01",
    ":",
    ":nope",
    ":now\x00",
]


def test_each_bad_directive_is_one_line_on_stderr_and_the_script_goes_on(chat) -> None:
    chat.script(":now 2026-12-01T09:00:00Z\n:admin ana group\nana@group: /setup Terra EUR")
    before = chat.snapshot()
    first = chat._line + 1
    assert chat.say(*HOSTILE) == []
    assert chat.snapshot() == before
    errors = chat.err.getvalue().splitlines()
    assert [e.split(":")[0] for e in errors] == [
        f"line {n}" for n in range(first, first + len(HOSTILE))
    ]
    assert all(len(e) < 200 for e in errors)
    with chat.database.unit_of_work() as uow:
        assert uow.settings.get("console.clock") == "2026-12-01T09:00:00+00:00"
    assert chat.say("ana@group: /ledger")[0] == "[group] 📖 Open books of Terra"
    # the clock may still be moved on, and "on" to the moment it is at
    assert chat.say(":advance 1d", ":now 2026-12-02T09:00:00+00:00") == []
    assert chat.err.getvalue().splitlines() == errors


def test_a_bad_directive_in_a_script_file_does_not_stop_it(tmp_path: Path) -> None:
    script = tmp_path / "hostile.txt"
    script.write_text(
        ":now 2026-12-01T09:00:00Z\n:admin ana group\n:advance 99999999d\n"
        "ana@group: /setup Terra EUR\n"
    )
    done = subprocess.run(
        [MINGA, "console", "--db", f"sqlite:///{tmp_path}/h.sqlite", "--script", script],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0
    assert done.stderr == "line 3: 99999999d is too long: one :advance goes at most 3660d\n"
    assert done.stdout.startswith("[group] 🌱 Terra is set up")


# --- case 10: a killed script run again repeats nothing --------------------------

SCRIPT = (
    TERRA_SETUP
    + """
ana@group: /pledge 1 500
cai@group: /pledge 1 300
dee@group: /pledge 1 200
:now 2027-01-15T10:00:00Z
ana@group: /rent 1 333.33
ben@group: /ledger
:advance 17d
eve@group: /join
:now 2027-02-15T10:00:00Z
ana@group: /rent 1 333.33
:now 2027-03-01T09:00:00Z
ben@group: /ledger
cai@dm: /statement
:advance 2d
dee@group: /bonds
ana@group: /rent 1 100
:advance 31d
"""
)


def _books(url: str) -> tuple[list, list, list]:
    """The journal, the outbox and the inbox, as an uninterrupted run leaves them."""
    database = Database(url)
    with database.unit_of_work() as uow:
        journal = uow.journal.dump(uow.communes.by_name("Terra").id)
    with database.engine.connect() as connection:
        outbox = [
            (address, template, json.loads(context))
            for address, template, context in connection.execute(
                text("SELECT address, template, context FROM outbox ORDER BY id")
            )
        ]
        inbox = connection.execute(text("SELECT count(*) FROM inbox")).scalar_one()
    clearings = [row[2] for row in domain_snapshot(database, ("clearing",))["clearing"]]
    database.dispose()
    return journal, outbox, [inbox, clearings]


@pytest.mark.slow
def test_a_script_killed_mid_clearing_and_run_again_repeats_nothing(
    database_url: str, tmp_path: Path
) -> None:
    script = tmp_path / "terra.txt"
    script.write_text(SCRIPT)
    reference = f"sqlite:///{tmp_path}/reference.sqlite"
    expected = console(reference, script).communicate(timeout=120)
    assert expected[1] == ""

    marker = tmp_path / "clearing-started"
    victim = console(database_url, script, pause_clearing("2027-02", marker))
    before_kill = killed_when_paused(victim, marker, "the clearing")
    assert "[group] 📒 Clearing for January 2027 — Terra" in before_kill  # part-way indeed
    assert "Clearing for February 2027" not in before_kill

    again = console(database_url, script).communicate(timeout=120)
    assert again[1] == ""  # no ":now" refused as going backwards
    assert before_kill + again[0] == expected[0]  # every line's output, once, in order
    assert _books(database_url) == _books(reference)

    third = console(database_url, script).communicate(timeout=120)
    assert third == ("", "")  # a finished script run again does nothing at all
    assert _books(database_url) == _books(reference)


def test_a_reply_committed_but_not_printed_is_printed_once_on_the_rerun(
    database_url: str, tmp_path: Path
) -> None:
    script = tmp_path / "terra.txt"
    script.write_text(SCRIPT)
    lines = SCRIPT.splitlines()
    reference = io.StringIO()
    whole = Database(f"sqlite:///{tmp_path}/reference.sqlite")
    Console(whole, reference, io.StringIO(), script=script).feed_lines(lines)
    whole.dispose()

    cut = lines.index("ben@group: /ledger") + 1  # 1-based: the line killed after its commit
    database = Database(database_url)
    first, err = io.StringIO(), io.StringIO()
    console = Console(database, first, err, script=script)
    console.feed_lines(lines[: cut - 1])
    console.deliver = lambda: None  # type: ignore[method-assign]  # dies before printing
    console.feed(lines[cut - 1], cut)
    assert "Open books" not in first.getvalue()

    second = io.StringIO()
    Console(database, second, err, script=script).feed_lines(lines)
    database.dispose()
    assert err.getvalue() == ""
    assert first.getvalue() + second.getvalue() == reference.getvalue()


def test_stdin_lines_still_run_again_on_every_run(chat) -> None:
    """Without a script file there is nothing to name a line by: each run is new."""
    chat.script(TERRA_SETUP)
    assert chat.say("ben@group: /bonds")[0].startswith("[group]")
    again = chat.restart()
    again._line = 0
    try:
        assert again.say("ben@group: /bonds")[0].startswith("[group]")
    finally:
        again.close()


# --- case 10: /statement -----------------------------------------------------------

CLEARED = """
ana@group: /pledge 1 500
cai@group: /pledge 1 300
dee@group: /pledge 1 200
:now 2027-01-15T10:00:00Z
ana@group: /rent 1 333.33
"""


def test_statement_of_a_month_not_cleared_is_answered_where_asked(terra) -> None:
    terra.script(CLEARED)
    not_cleared = "There is no statement for May 2027: that month has not been cleared."
    before = terra.snapshot()
    assert terra.say("cai@group: /statement 2027-05") == [f"[group] {not_cleared}"]
    assert terra.say("cai@dm: /statement 2027-05") == [f"[dm cai] {not_cleared}"]
    assert terra.snapshot() == before


def test_a_month_cleared_before_joining_has_no_statement_of_theirs(terra) -> None:
    terra.script(CLEARED + ":now 2027-02-01T09:00:00Z\neve@group: /join")
    assert terra.say("eve@group: /statement 2027-01") == [
        "[group] 📬 eve, I sent your statement by private message.",
        "[dm eve] You have no statement for January 2027: you were not a member when it "
        "was cleared, and no bond of yours was repaid in it.",
    ]


def test_a_former_member_holding_bonds_still_gets_statements(terra) -> None:
    terra.script(CLEARED + "cai@group: /leave\n:now 2027-02-01T09:00:00Z")
    statement = [
        "[dm cai] Your statement — January 2027 (Terra)",
        "[dm cai] Dividend: €0.00",
        "[dm cai] Bond #1 (Tractor): €100.00 repaid to you, €200.00 still owed",
        "[dm cai] Year to date: dividends €0.00 · repaid €100.00",
        "[dm cai] Still owed to you: €100.00",
    ]
    assert terra.say("cai@group: /statement") == [
        "[group] 📬 cai, I sent your statement by private message.",
        *statement,
    ]
    assert terra.say("cai@dm: /statement 2027-01") == statement
    assert terra.say("cai@dm: /statement 2026-12")[0] == (
        "[dm cai] Your statement — December 2026 (Terra)"
    )
    # still not a member for anything else
    before = terra.snapshot()
    refused = terra.say("cai@group: /propose Oven 100 10 2027-12-31")
    assert refused == ["[group] You are not a member of Terra. Join with /join"] or (
        len(refused) == 1 and "not a member" in refused[0]
    )
    assert terra.snapshot() == before


def test_a_former_member_without_bonds_is_not_a_member(terra) -> None:
    terra.script(CLEARED + "ben@group: /leave\n:now 2027-02-01T09:00:00Z")
    before = terra.snapshot()
    [group] = terra.say("ben@group: /statement")
    assert group.startswith("[group]") and "not a member" in group
    [private] = terra.say("ben@dm: /statement")
    assert private.startswith("[dm ben]") and "Statement" not in private
    assert terra.snapshot() == before
