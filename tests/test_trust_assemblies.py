"""Assemblies members can trust: a leaver stops deciding, times are real, years bounded.

Issue 10, cases 2 and 5 and the year part of case 10, through the console. The commune
is Terra in Europe/Madrid, where clocks spring forward at 02:00 on 28 March 2027 (01:00
UTC: 02:00-02:59 never happens) and fall back at 03:00 on 31 October 2027 (01:00 UTC:
02:00-02:59 happens twice, first at UTC+02:00, then at UTC+01:00).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from harness import ASSEMBLY_COMMUNE, ConsoleChat
from sqlalchemy import create_engine, text

from domain.errors import Refusal
from domain.local_time import later, local_moment, weeks_later
from domain.periods import FIRST_YEAR, LAST_YEAR, Period
from storage.migrate import alembic_config

MINGA = Path(sys.executable).parent / "minga"
MADRID = "Europe/Madrid"


@pytest.fixture
def commune(chat: ConsoleChat) -> ConsoleChat:
    chat.script(ASSEMBLY_COMMUNE)
    return chat


def report(chat: ConsoleChat, number: int = 1) -> dict:
    command = [MINGA, "assembly-report", "--db", chat.url, "--commune", "Terra", "--json"]
    result = subprocess.run(
        [*command, "--assembly", str(number)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)


# --- leaving ends delegations -------------------------------------------------------------


def test_a_leaver_stops_deciding_and_the_quorum_follows_the_smaller_count(
    commune: ConsoleChat,
) -> None:
    commune.say(
        'ana@group: /assembly new "Spring assembly" 2027-02-01T18:00 2027-02-01T20:00 quorum 60%',
        'ana@group: /motion 1 "Buy a tractor"',
        "cai@group: /delegate dee",
        ":now 2027-02-01T17:00:00Z",
        "ana@group: /vote 1 yes",
        "ben@group: /vote 1 yes",
        "dee@group: /vote 1 no",
    )
    # dee's no counts twice (cai delegates to dee): 2 to 2, turnout 4 of 4.
    before = report(commune)
    assert before["eligible"] == 4
    assert {k: before["motions"][0][k] for k in ("yes", "no", "turnout")} == {
        "yes": 2,
        "no": 2,
        "turnout": 4,
    }
    assert commune.say("dee@group: /leave") == [
        "[group] dee has left Terra. Bonds they hold are still repaid to them.",
        "[dm cai] 🤝 dee has left Terra, so your delegation to them has ended. Vote yourself "
        "with /vote, or /delegate to another member.",
    ]
    after = report(commune)
    assert after["eligible"] == 3
    assert after["motions"][0] == {
        "motion": 1,
        "text": "Buy a tractor",
        "action": None,
        "threshold": "majority",
        "yes": 2,
        "no": 0,
        "abstain": 0,
        "turnout": 2,
        "delegated": {"yes": 0, "no": 0, "abstain": 0},
        "present": {"yes": 0, "no": 0, "abstain": 0},
        "weighted": {"yes": "2", "no": "0"},
        "outcome": "pending",
        "executed": False,
        "supporters": None,
    }
    assert "[group] 3 members may vote. /delegate <member> lets someone vote for you." in (
        commune.say("ben@group: /assembly 1")
    )
    assert commune.say("cai@group: /undelegate") == [
        "[group] You have not delegated your vote. To do it: /delegate <member>"
    ]
    # Rejoining does not bring dee back into a vote that opened before.
    commune.say("dee@group: /join")
    before_vote = commune.snapshot()
    assert commune.say("dee@group: /vote 1 no") == [
        "[group] Only members of the commune when voting opened vote in Spring assembly. You "
        "can vote in the next assembly."
    ]
    assert commune.snapshot() == before_vote
    # 2 of 4 would miss a 60% quorum (2 < 2.4); 2 of 3 meets it (2 >= 1.8).
    results = commune.say(":now 2027-02-01T19:00:00Z")
    assert results[:2] == [
        "[group] 🗳 Spring assembly — results (turnout 2 of 3)",
        "[group] 1. Buy a tractor — CARRIED: yes 2 · no 0 · abstain 0",
    ]
    closed = commune.say("ben@group: /assembly 1")
    # A member leaving after the close changes nothing published.
    commune.say("ben@group: /leave")
    assert commune.say("cai@group: /assembly 1") == closed
    assert report(commune)["eligible"] == 3
    assert report(commune)["motions"][0]["outcome"] == "carried"


def test_a_leavers_own_delegation_and_a_chain_through_them_stop_counting(
    commune: ConsoleChat,
) -> None:
    commune.say(
        'ana@group: /assembly new "Spring assembly" 2027-02-01T18:00 2027-02-01T20:00',
        'ana@group: /motion 1 "Buy a tractor"',
        "dee@group: /delegate ben",
        "cai@group: /delegate dee",  # cai -> dee -> ben
        ":now 2027-02-01T17:00:00Z",
        "ana@group: /vote 1 yes",
        "ben@group: /vote 1 no",
    )
    # ben's no counts for ben, dee and (through dee) cai: 1 yes to 3 no.
    assert report(commune)["motions"][0]["no"] == 3
    out = commune.say("dee@group: /leave")
    assert out[1].startswith("[dm cai] 🤝 dee has left Terra")
    assert not any(line.startswith("[dm ben]") for line in out)
    commune.say("cai@group: /vote 1 yes")
    results = commune.say(":now 2027-02-01T19:00:00Z")
    assert results[:2] == [
        "[group] 🗳 Spring assembly — results (turnout 3 of 3)",
        "[group] 1. Buy a tractor — CARRIED: yes 2 · no 1 · abstain 0",
    ]


def test_leaving_before_voting_opens_keeps_the_member_out_of_that_vote(
    commune: ConsoleChat,
) -> None:
    commune.say(
        'ana@group: /assembly new "Spring assembly" 2027-02-01T18:00 2027-02-01T20:00',
        'ana@group: /motion 1 "Buy a tractor"',
        "ben@group: /delegate dee",
        "dee@group: /leave",
    )
    assert commune.say("ben@group: /undelegate")[0].startswith(
        "[group] You have not delegated your vote."
    )
    out = commune.say(":now 2027-02-01T17:00:00Z")
    assert "[group] 3 members may vote. /delegate <member> lets someone vote for you." in out


def test_the_migration_takes_earlier_leavers_out_of_delegations_and_open_votes(
    commune: ConsoleChat,
) -> None:
    """Members who left before this fix kept their delegations and open votes: 0013 ends them."""
    commune.say(
        'ana@group: /assembly new "Spring assembly" 2027-02-01T18:00 2027-02-01T20:00',
        'ana@group: /motion 1 "Buy a tractor"',
        ":now 2027-02-01T17:00:00Z",
        "dee@group: /leave",
    )
    engine = create_engine(commune.url)
    with engine.begin() as connection:  # put back what a leave used to leave behind
        ids = dict(connection.execute(text("SELECT name, id FROM member")).all())
        at = {"at": datetime(2027, 2, 1, 17, tzinfo=UTC)}
        connection.execute(
            text(
                "INSERT INTO delegation (commune_id, member_id, delegate_id, created_at) "
                "SELECT commune_id, :cai, :dee, :at FROM member WHERE id = :dee"
            ),
            {"cai": ids["cai"], "dee": ids["dee"], **at},
        )
        connection.execute(
            text("INSERT INTO assembly_voter (assembly_id, member_id, present) VALUES (1, :d, :f)"),
            {"d": ids["dee"], "f": False},
        )
        connection.execute(
            text(
                "INSERT INTO vote (motion_id, member_id, choice, cast_at) VALUES (1, :d, 'no', :at)"
            ),
            {"d": ids["dee"], **at},
        )
        connection.execute(text("UPDATE assembly SET eligible = 4"))
    engine.dispose()
    assert report(commune)["motions"][0]["no"] == 2  # dee, and cai through dee
    config = alembic_config(commune.url)
    command.downgrade(config, "0009")
    command.upgrade(config, "head")
    after = report(commune)
    assert (after["eligible"], after["motions"][0]["turnout"]) == (3, 0)
    assert commune.say("cai@group: /undelegate")[0].startswith(
        "[group] You have not delegated your vote."
    )


# --- durations are real time ----------------------------------------------------------------


def test_two_hours_are_two_real_hours_when_clocks_spring_forward(commune: ConsoleChat) -> None:
    out = commune.say("ana@group: /assembly new Night 2027-03-28T01:30 2h")
    # 01:30 CET is 00:30 UTC; two real hours later is 02:30 UTC, 04:30 CEST.
    assert out[1] == "[group] Votes open Sun 28 Mar 2027 01:30, close Sun 28 Mar 2027 04:30"
    commune.say('ana@group: /motion 1 "Stay up"', ":now 2027-03-28T00:30:00Z")
    assert not any("results" in line for line in commune.say(":now 2027-03-28T02:29:00Z"))
    assert commune.say(":now 2027-03-28T02:30:00Z")[0].startswith("[group] 🗳 Night — results")


def test_two_hours_are_two_real_hours_when_clocks_fall_back(commune: ConsoleChat) -> None:
    out = commune.say("ana@group: /assembly new Night 2027-10-31T01:30 2h")
    # 01:30 CEST is 23:30 UTC; two real hours later is 01:30 UTC, the second 02:30.
    assert out[1] == (
        "[group] Votes open Sun 31 Oct 2027 01:30, close Sun 31 Oct 2027 02:30 (UTC+01:00)"
    )
    commune.say('ana@group: /motion 1 "Stay up"', ":now 2027-10-30T23:30:00Z")
    assert not any("results" in line for line in commune.say(":now 2027-10-31T01:29:00Z"))
    assert commune.say(":now 2027-10-31T01:30:00Z")[0].startswith("[group] 🗳 Night — results")


GAP = (
    "does not exist in Europe/Madrid: the clocks skip that hour. The last minute before it "
    "is Sun 28 Mar 2027 01:59 (UTC+01:00), the first after it Sun 28 Mar 2027 03:00 "
    "(UTC+02:00). Choose one of them, or another time."
)


def test_a_time_in_the_spring_gap_is_refused_with_the_times_around_it(
    commune: ConsoleChat,
) -> None:
    before = commune.snapshot()
    assert commune.say("ana@group: /assembly new Night 2027-03-28T02:30 5h") == [
        f'[group] "2027-03-28T02:30" {GAP}'
    ]
    assert commune.say("ana@group: /assembly new Night 2027-03-28T01:00 2027-03-28T02:59") == [
        f'[group] "2027-03-28T02:59" {GAP}'
    ]
    assert commune.say('ana@group: /assembly new Night "28 march 2027 02:00" 5h') == [
        f'[group] "28 march 2027 02:00" {GAP}'
    ]
    assert commune.snapshot() == before


def test_the_form_refuses_the_gap_in_words_and_shows_the_folds_offset(
    commune: ConsoleChat,
) -> None:
    commune.say("ana@group: /assembly", "ana@group: Night")
    assert commune.say("ana@group: 28 march 2027 02:30") == [
        f'[group] "28 march 2027 02:30" {GAP}',
        '[group] When does voting open? e.g. 2027-02-01T18:00, or "next thursday 18:00"',
    ]
    assert commune.say("ana@group: 31 october 2027 02:30") == [
        "[group] Voting opens Sunday 31 October 2027, 02:30 (UTC+02:00). When does it close? "
        "A time, or how long after opening, e.g. 2h"
    ]
    assert commune.say("ana@group: 3h")[0] == (
        "[group] Voting from Sun 31 Oct 2027 02:30 (UTC+02:00) to Sun 31 Oct 2027 04:30. "
        "What quorum, as a share of members? e.g. 50%, or none"
    )
    commune.say("ana@group: none", "ana@group: no", "ana@group: no", "ana@group: no")
    commune.say("ana@group: 100%", "ana@group: Stay up")
    summary = commune.say("ana@group: done")
    assert summary[1] == (
        "[group] Votes open Sun 31 Oct 2027 02:30 (UTC+02:00), close Sun 31 Oct 2027 04:30"
    )
    created = commune.say("ana@group: yes")
    assert created[1] == (
        "[group] Votes open Sun 31 Oct 2027 02:30 (UTC+02:00), close Sun 31 Oct 2027 04:30"
    )
    # The first 02:30 is 00:30 UTC: voting opens then, not an hour later.
    assert not any("🗳" in line for line in commune.say(":now 2027-10-31T00:29:00Z"))
    assert "[group] 🗳 Assembly #1: Night" in commune.say(":now 2027-10-31T00:30:00Z")


def test_an_ambiguous_exact_time_is_the_first_and_shows_its_offset(
    commune: ConsoleChat,
) -> None:
    out = commune.say("ana@group: /assembly new Fold 2027-10-31T02:30 2027-10-31T04:00")
    assert out[1] == (
        "[group] Votes open Sun 31 Oct 2027 02:30 (UTC+02:00), close Sun 31 Oct 2027 04:00"
    )


def test_a_weekly_assembly_keeps_its_local_time_across_the_clock_change(
    commune: ConsoleChat,
) -> None:
    commune.say(
        "ana@group: /assembly new Weekly 2027-03-21T18:00 2027-03-21T20:00 every 1w",
        'ana@group: /motion 1 "Accounts"',
        ":now 2027-03-21T17:00:00Z",
    )
    out = commune.say(":now 2027-03-21T19:00:00Z")  # 20:00 CET
    created = out.index("[group] 🗳 Assembly #2: Weekly")
    assert out[created + 1] == (
        "[group] Votes open Sun 28 Mar 2027 18:00, close Sun 28 Mar 2027 20:00 · every week"
    )
    # 18:00 CEST is 16:00 UTC, an hour earlier in UTC than the week before.
    assert not any("🗳" in line for line in commune.say(":now 2027-03-28T15:59:00Z"))
    assert commune.say(":now 2027-03-28T16:00:00Z")[0] == "[group] 🗳 Assembly #2: Weekly"


def test_a_weekly_assembly_due_in_the_gap_moves_past_it(commune: ConsoleChat) -> None:
    commune.say(
        "ana@group: /assembly new Night 2027-03-21T02:30 2027-03-21T04:00 every 1w",
        'ana@group: /motion 1 "Stay up"',
        ":now 2027-03-21T01:30:00Z",
    )
    out = commune.say(":now 2027-03-21T03:00:00Z")
    created = out.index("[group] 🗳 Assembly #2: Night")
    assert out[created + 1] == (
        "[group] Votes open Sun 28 Mar 2027 03:30, close Sun 28 Mar 2027 04:00 · every week"
    )


def test_local_time_helpers_at_the_boundaries() -> None:
    gap = datetime(2027, 3, 28, 2, 0)
    with pytest.raises(Refusal) as refused:
        local_moment(gap, MADRID, "x")
    assert refused.value.code == "nonexistent_time"
    assert (refused.value.params["before"], refused.value.params["after"]) == (
        "2027-03-28T01:59:00+01:00",
        "2027-03-28T03:00:00+02:00",
    )
    assert local_moment(datetime(2027, 3, 28, 3, 0), MADRID, "x").isoformat() == (
        "2027-03-28T03:00:00+02:00"
    )
    assert local_moment(datetime(2027, 10, 31, 2, 0), MADRID, "x").isoformat() == (
        "2027-10-31T02:00:00+02:00"
    )
    first = local_moment(datetime(2027, 10, 31, 2, 30), MADRID, "x")
    assert later(first, timedelta(hours=1)).isoformat() == "2027-10-31T02:30:00+01:00"
    assert weeks_later(first, 1, MADRID).isoformat() == "2027-11-07T02:30:00+01:00"


# --- one bound on years ------------------------------------------------------------------------


def test_propose_and_assembly_refuse_the_same_years(commune: ConsoleChat) -> None:
    commune.say("ana@group: /coop new Tierra", "ana@group: /join Tierra")
    before = commune.snapshot()
    refusal = "is outside the years I keep dates for: 2000 to 2999. Choose a date in those years."
    assert commune.say("ana@group: /propose Oven 100 10 9999-12-31") == [
        f'[group] "9999-12-31" {refusal}'
    ]
    assert commune.say("ana@group: /propose Oven 100 10 3000-01-01") == [
        f'[group] "3000-01-01" {refusal}'
    ]
    assert commune.say("ana@group: /assembly new Far 9999-12-31T18:00 2h") == [
        f'[group] "9999-12-31T18:00" {refusal}'
    ]
    assert commune.say("ana@group: /assembly new Far 3000-01-01T18:00 2h") == [
        f'[group] "3000-01-01T18:00" {refusal}'
    ]
    # Two hours after the last evening of 2999 is already 3000.
    assert commune.say("ana@group: /assembly new Far 2999-12-31T23:00 2h") == [
        f'[group] "3000-01-01T01:00" {refusal}'
    ]
    assert commune.say("ben@group: /statement 3000-01") == [f'[group] "3000-01" {refusal}']
    assert commune.snapshot() == before
    commune.say("ana@group: /assembly", "ana@group: Far")
    assert commune.say("ana@group: 31 december 9999 18:00")[0] == (
        f'[group] "31 december 9999 18:00" {refusal}'
    )
    # The last year is accepted by both.
    assert commune.say("ana@group: /cancel") == ["[group] Cancelled. Nothing was changed."]
    assert "Oven" in commune.say("ana@group: /propose Oven 100 10 2999-12-31")[0]
    assert commune.say("ana@group: /assembly new Far 2999-12-31T18:00 2h")[0] == (
        "[group] 🗳 Assembly #1: Far"
    )
    assert str(Period.parse(f"{LAST_YEAR}-12")) == "2999-12"
    with pytest.raises(Refusal) as refused:
        Period.parse(f"{FIRST_YEAR - 1}-12")
    assert refused.value.code == "year_out_of_range"
