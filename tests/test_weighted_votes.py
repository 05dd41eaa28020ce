"""Weighted remote votes through the console: set up, the form, results, refusals, report.

The commune is Terra (ana admin; ben, cai, dee members). "Spring assembly" votes on
Thursday 28 January 2027, 18:00 to 20:00 in Madrid, with remote votes weighing 50%: ana
and ben are in the room, cai and dee vote from afar. Motion 1 (majority) ties 2 to 2
unweighted but carries 2 to 1 weighted; motion 2 (two-thirds) carries 2 to 1
unweighted but weighted 1.5 to 1 falls short.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ALSO_STORED, ONLY_STORED
from harness import ASSEMBLY_COMMUNE, ConsoleChat
from sqlalchemy import text

MINGA = Path(sys.executable).parent / "minga"
NEW = 'ana@group: /assembly new "Spring assembly" 2027-01-28T18:00 2027-01-28T20:00'
OPENING = ":now 2027-01-28T17:00:00Z"  # 18:00 in Madrid
CLOSING = ":now 2027-01-28T19:00:00Z"
HALF_RESULTS = [
    "[group] 🗳 Spring assembly — results (turnout 4 of 4)",
    "[group] 1. Buy a tractor — CARRIED: yes 2 · no 2 · abstain 0",
    "[group] ↳ in the room: yes 2 · no 0 · abstain 0; remote: yes 0 · no 2 · abstain 0",
    "[group] ↳ weighted: yes 2 · no 1",
    "[group] 2. Raise rent to 350 — rejected: yes 2 · no 1 · abstain 1 (needs two-thirds)",
    "[group] ↳ in the room: yes 1 · no 1 · abstain 0; remote: yes 1 · no 0 · abstain 1",
    "[group] ↳ weighted: yes 1.5 · no 1",
    "[group] A remote vote weighed 50% of a vote in the room; the weighted yes and no decided.",
]


@pytest.fixture
def commune(rules_chat: ConsoleChat) -> ConsoleChat:
    rules_chat.script(ASSEMBLY_COMMUNE)
    return rules_chat


def voted(chat: ConsoleChat, options: str) -> list[str]:
    """Set up Spring assembly with ``options``, vote as the module says, and close it."""
    chat.say(
        f"{NEW} {options}".rstrip(),
        'ana@group: /motion 1 "Buy a tractor"',
        'ana@group: /motion 1 "Raise rent to 350" two-thirds',
        OPENING,
        "ana@group: /present ana ben",
        "ana@group: /vote 1 yes",
        "ben@group: /vote 1 yes",
        "cai@group: /vote 1 no",
        "dee@group: /vote 1 no",
        "ana@group: /vote 2 yes",
        "ben@group: /vote 2 no",
        "cai@group: /vote 2 yes",
        "dee@group: /vote 2 abstain",
    )
    return chat.say(CLOSING)


def refused(chat: ConsoleChat, line: str, expected: str) -> None:
    """Say ``line``; it must be answered with exactly ``expected`` and change nothing."""
    before = chat.snapshot()
    assert chat.say(line) == [expected]
    assert chat.snapshot() == before, line


# --- the outcome turns ---------------------------------------------------------------------


@ALSO_STORED
def test_half_weight_turns_both_outcomes_and_shows_the_weighted_totals(
    commune: ConsoleChat,
) -> None:
    created = commune.say(f"{NEW} quorum 50% remote 50%")
    assert created[1] == (
        "[group] Votes open Thu 28 Jan 2027 18:00, close Thu 28 Jan 2027 20:00 · quorum 50% · "
        "a remote vote weighs 50%"
    )
    commune.say(
        'ana@group: /motion 1 "Buy a tractor"',
        'ana@group: /motion 1 "Raise rent to 350" two-thirds',
    )
    assert "· a remote vote weighs 50%" in commune.say("ana@group: /assembly 1")[1]
    commune.say(
        OPENING,
        "ana@group: /present ana ben",
        "ana@group: /vote 1 yes",
        "ben@group: /vote 1 yes",
        "cai@group: /vote 1 no",
        "dee@group: /vote 1 no",
        "ana@group: /vote 2 yes",
        "ben@group: /vote 2 no",
        "cai@group: /vote 2 yes",
        "dee@group: /vote 2 abstain",
    )
    results = commune.say(CLOSING)
    assert results == [*HALF_RESULTS, "[group] Kept as /assembly 1."]
    assert commune.say("ben@group: /assembly 1") == HALF_RESULTS


@pytest.mark.parametrize("options", ["", "remote 100%"])
def test_the_same_votes_unweighted_decide_the_other_way(commune: ConsoleChat, options: str) -> None:
    results = voted(commune, options)
    assert results == [
        "[group] 🗳 Spring assembly — results (turnout 4 of 4)",
        "[group] 1. Buy a tractor — rejected: yes 2 · no 2 · abstain 0 (needs majority)",
        "[group] ↳ in the room: yes 2 · no 0 · abstain 0; remote: yes 0 · no 2 · abstain 0",
        "[group] 2. Raise rent to 350 — CARRIED: yes 2 · no 1 · abstain 1",
        "[group] ↳ in the room: yes 1 · no 1 · abstain 0; remote: yes 1 · no 0 · abstain 1",
        "[group] Kept as /assembly 1.",
    ]


@pytest.mark.parametrize("options", ["binding", "remote 0%", "binding remote 0%"])
def test_remote_0_is_binding(commune: ConsoleChat, options: str) -> None:
    results = voted(commune, options)
    assert results == [
        "[group] 🗳 Spring assembly — results (turnout 4 of 4)",
        "[group] 1. Buy a tractor — CARRIED: yes 2 · no 2 · abstain 0",
        "[group] ↳ in the room: yes 2 · no 0 · abstain 0; remote: yes 0 · no 2 · abstain 0",
        "[group] 2. Raise rent to 350 — rejected: yes 2 · no 1 · abstain 1 (needs two-thirds)",
        "[group] ↳ in the room: yes 1 · no 1 · abstain 0; remote: yes 1 · no 0 · abstain 1",
        "[group] Decided by the members present; remote votes are advisory.",
        "[group] Kept as /assembly 1.",
    ]


def test_a_weighted_result_in_spanish_writes_the_decimal_comma(commune: ConsoleChat) -> None:
    commune.say("ben@group: /lang es")
    voted(commune, "remote 50%")
    shown = commune.say("ben@dm: /assembly 1")
    assert "[dm ben] ↳ ponderado: sí 1,5 · no 1" in shown
    assert (
        "[dm ben] Un voto a distancia pesó el 50% de un voto en la sala; decidieron el sí y el "
        "no ponderados."
    ) in shown


# --- refusals ------------------------------------------------------------------------------

BAD_WEIGHT = (
    '[group] "{text}" is not a weight for remote votes. Use a share of a vote in the room from '
    "0% to 100%, like 50%."
)


@pytest.mark.parametrize("weight", ["150%", "-5%", "abc", "101%", "50"])
def test_a_weight_that_is_not_a_share_is_refused(commune: ConsoleChat, weight: str) -> None:
    refused(commune, f"{NEW} remote {weight}", BAD_WEIGHT.format(text=weight))


def test_remote_without_a_weight_is_refused(commune: ConsoleChat) -> None:
    refused(
        commune,
        f"{NEW} quorum 50% remote",
        "[group] remote needs a weight after it, a share of a vote in the room, like remote 50%.",
    )


@pytest.mark.parametrize("options", ["binding remote 50%", "remote 50% binding"])
def test_binding_with_a_remote_weight_is_refused(commune: ConsoleChat, options: str) -> None:
    refused(
        commune,
        f"{NEW} {options}",
        "[group] binding means remote votes weigh 0%, so it can't go with remote 50%. Keep one "
        "of the two.",
    )


# --- the form --------------------------------------------------------------------------------


def form_until_presence(chat: ConsoleChat) -> None:
    chat.say(
        "ana@group: /assembly",
        "ana@group: Spring assembly",
        "ana@group: 2027-01-28T18:00",
        "ana@group: 2h",
        "ana@group: none",
        "ana@group: no",
        "ana@group: no",
    )


def test_the_form_asks_the_weight_and_refuses_a_wrong_one(commune: ConsoleChat) -> None:
    form_until_presence(commune)
    assert commune.say("ana@group: no") == [
        "[group] How much does a vote cast from afar weigh, against one cast in the room? 100% "
        "(the same), or less, e.g. 50%"
    ]
    before = commune.snapshot()
    assert commune.say("ana@group: 150%") == [
        BAD_WEIGHT.format(text="150%"),
        "[group] How much does a vote cast from afar weigh, against one cast in the room? 100% "
        "(the same), or less, e.g. 50%",
    ]
    assert commune.snapshot() == before
    commune.say("ana@group: 50%", "ana@group: Buy a tractor")
    summary = commune.say("ana@group: done")
    assert summary[2] == "[group] No quorum · a remote vote weighs 50%"
    created = commune.say("ana@group: yes")
    assert created[1].endswith("· a remote vote weighs 50%")


def test_the_form_does_not_ask_the_weight_when_those_present_decide(
    commune: ConsoleChat,
) -> None:
    form_until_presence(commune)
    assert commune.say("ana@group: yes") == [
        "[group] Now the motions, one per message. End one with two-thirds or consensus if it "
        'needs more than a majority, e.g. "Adopt the charter — consensus". Say done when finished.'
    ]
    commune.say("ana@group: Buy a tractor")
    summary = commune.say("ana@group: done")
    assert summary[2] == "[group] No quorum · decided by those present"


# --- minga assembly-report -------------------------------------------------------------------


def report(chat: ConsoleChat) -> dict:
    command = [MINGA, "assembly-report", "--db", chat.url, "--commune", "Terra", "--assembly"]
    result = subprocess.run(
        [*map(str, command), "1", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)


@ONLY_STORED
def test_the_report_gives_the_weight_and_the_weighted_totals(commune: ConsoleChat) -> None:
    voted(commune, "remote 50%")
    found = report(commune)
    assert found["remote_weight"] == "50%"
    assert [m["weighted"] for m in found["motions"]] == [
        {"yes": "2", "no": "1"},
        {"yes": "1.5", "no": "1"},
    ]
    assert [m["outcome"] for m in found["motions"]] == ["carried", "rejected"]


@ONLY_STORED
@pytest.mark.parametrize(
    ("options", "weight", "weighted"), [("", "100%", "2"), ("binding", "0%", "1")]
)
def test_results_stored_before_weights_get_their_weighted_totals(
    commune: ConsoleChat, options: str, weight: str, weighted: str
) -> None:
    """A motion closed before this change has no "weighted" in its stored result: the
    report works it out from the stored tallies and the assembly's weight (0 or 100)."""
    voted(commune, options)
    with commune.database.engine.begin() as connection:
        for motion_id, stored in connection.execute(text("SELECT id, result FROM motion")).all():
            old = {k: v for k, v in json.loads(stored).items() if k != "weighted"}
            connection.execute(
                text("UPDATE motion SET result = :result WHERE id = :id"),
                {"result": json.dumps(old), "id": motion_id},
            )
    found = report(commune)
    assert found["remote_weight"] == weight
    assert found["motions"][1]["weighted"] == {"yes": weighted, "no": "1"}
