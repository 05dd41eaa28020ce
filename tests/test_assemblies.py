"""Open assemblies through the console: set up, vote, delegate, presence, results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ONLY_STORED
from harness import ASSEMBLY_COMMUNE, ConsoleChat

MINGA = Path(sys.executable).parent / "minga"

COMMUNE = ASSEMBLY_COMMUNE
# Voting on Monday 1 February 2027, 18:00 to 20:00 in Madrid (17:00 to 19:00 UTC).
SPRING = 'ana@group: /assembly new "Spring assembly" 2027-02-01T18:00 2027-02-01T20:00 quorum 50%'


@pytest.fixture
def chat(rules_chat: ConsoleChat) -> ConsoleChat:
    """In memory (tests/memory_chat.py) unless a test is marked ``@ONLY_STORED``: voting
    opens on 1 February, after January's clearing, which is storage's to run."""
    return rules_chat


@pytest.fixture
def commune(chat: ConsoleChat) -> ConsoleChat:
    chat.script(COMMUNE)
    return chat


@pytest.fixture
def spring(commune: ConsoleChat) -> ConsoleChat:
    """Assembly #1 with motions 1 (majority), 2 (two-thirds), 3 (consensus)."""
    commune.say(
        SPRING,
        'ana@group: /motion 1 "Buy a tractor"',
        'ana@group: /motion 1 "Raise rent to 350" two-thirds',
        'ana@group: /motion 1 "Adopt the charter" consensus',
    )
    return commune


def opened(chat: ConsoleChat) -> list[str]:
    return chat.say(":now 2027-02-01T17:00:00Z")


@ONLY_STORED
def test_setting_up_by_conversation_survives_a_wrong_date_and_a_restart(
    commune: ConsoleChat,
) -> None:
    assert commune.say("ana@group: /assembly")[1] == (
        "[group] What is the assembly called? e.g. Spring assembly"
    )
    commune.say("ana@group: Spring assembly")
    assert commune.say("ana@group: the day after never") == [
        '[group] I can\'t read "the day after never" as a date and time. Write it like '
        '2027-02-01T18:00, or "next thursday 18:00".',
        '[group] When does voting open? e.g. 2027-02-01T18:00, or "next thursday 18:00"',
    ]
    assert commune.say("ana@group: next monday 18:00") == [
        "[group] Voting opens Monday 1 February 2027, 18:00. When does it close? A time, or "
        "how long after opening, e.g. 2h"
    ]
    restarted = commune.restart()
    assert restarted.say("ana@group: 2h")[0] == (
        "[group] Voting from Mon 1 Feb 2027 18:00 to Mon 1 Feb 2027 20:00. What quorum, as a "
        "share of members? e.g. 50%, or none"
    )
    restarted.say(
        "ana@group: 50%",
        "ana@group: every 2 weeks",
        "ana@group: no",
        "ana@group: no",
        "ana@group: 100%",
        "ana@group: Buy a tractor",
        "ana@group: Adopt the charter — consensus",
    )
    summary = restarted.say("ana@group: done")
    assert summary[0] == "[group] 🗳 Spring assembly"
    assert "[group] 2. Adopt the charter — consensus" in summary
    created = restarted.say("ana@group: yes")
    assert created[0] == "[group] 🗳 Assembly #1: Spring assembly"
    assert created[1] == (
        "[group] Votes open Mon 1 Feb 2027 18:00, close Mon 1 Feb 2027 20:00 · "
        "quorum 50% · every 2 weeks"
    )
    restarted.close()


def test_cancel_in_the_middle_of_the_form_schedules_nothing(commune: ConsoleChat) -> None:
    commune.say("ana@group: /assembly", "ana@group: Spring assembly")
    assert commune.say("ana@group: /cancel") == ["[group] Cancelled. Nothing was changed."]
    assert commune.say("ana@group: next monday 18:00") == []
    assert commune.say("ana@group: /assemblies")[0].startswith("[group] No assemblies yet.")


def test_a_catalan_member_types_the_day_in_catalan(commune: ConsoleChat) -> None:
    commune.say("ana@group: /lang ca", "ana@group: /assembly", "ana@group: Assemblea")
    out = commune.say("ana@group: dijous a les 18:00")
    assert "dijous, 28 de gener del 2027, 18:00" in out[0], out  # 25 January was a Monday


def test_non_admins_cannot_set_up_assemblies(commune: ConsoleChat) -> None:
    before = commune.snapshot()
    assert commune.say("ben@group: /assembly") == [
        "[group] Only an admin of the commune can do that. Ask one, or see /help"
    ]
    assert commune.say(SPRING.replace("ana@", "ben@"))[0].startswith("[group] Only an admin")
    assert commune.snapshot() == before


@ONLY_STORED
def test_voting_delegation_and_results(spring: ConsoleChat) -> None:
    assert spring.say("ben@group: /vote 1 yes") == [
        "[group] Voting in Spring assembly opens Mon 1 Feb 2027 18:00. Vote then."
    ]
    spring.say("dee@group: /delegate ben")
    out = opened(spring)
    assert "[group] 🗳 Assembly #1: Spring assembly" in out
    assert "[group] Voting is open: /vote 1 yes · /vote 1 no · /vote 1 abstain" in out
    assert spring.say("ben@group: /vote 1 sí") == ["[group] 🗳 ben voted on motion 1: in favour."]
    spring.say(
        "cai@group: /vote 1 no",
        "ana@group: /vote 1 yes",
        "ana@group: /vote 2 yes",
        "ben@group: /vote 2 yes",
        "cai@group: /vote 2 abstención",
        "ana@group: /vote 3 yes",
        "ben@group: /vote 3 yes",
        "cai@group: /vote 3 no",
    )
    assert spring.say("cai@group: /vote 1 abstain") == [
        "[group] 🗳 cai changed their vote on motion 1: abstains."
    ]
    assert spring.say("ana@group: /vote 9 yes") == [
        "[group] There is no motion 9. /assemblies lists the assemblies; /assembly <number> shows "
        "one's motions."
    ]
    assert spring.say("zed@group: /vote 1 yes") == [
        "[group] You are not a member of Terra yet. Join with /join"
    ]
    spring.say("eve@group: /join")
    assert spring.say("eve@group: /vote 1 yes") == [
        "[group] Only members of the commune when voting opened vote in Spring assembly. You "
        "can vote in the next assembly."
    ]
    results = spring.say(":now 2027-02-01T19:00:00Z")
    assert results[:5] == [
        "[group] 🗳 Spring assembly — results (turnout 4 of 4)",
        "[group] 1. Buy a tractor — CARRIED: yes 3 · no 0 · abstain 1 · 1 by delegation",
        "[group] 2. Raise rent to 350 — CARRIED: yes 3 · no 0 · abstain 1 · 1 by delegation",
        "[group] 3. Adopt the charter — rejected: yes 3 · no 1 · abstain 0 · 1 by delegation "
        "(needs consensus)",
        "[group] Kept as /assembly 1.",
    ]
    assert spring.say("ben@group: /vote 1 no") == [
        "[group] Voting in Spring assembly has closed. The results: /assembly 1"
    ]
    assert spring.say("cai@group: /assembly 1")[1].startswith("[group] 1. Buy a tractor — CARRIED")


def test_a_delegate_learns_by_dm_and_refusals(commune: ConsoleChat) -> None:
    assert commune.say("dee@group: /delegate ben") == [
        "[group] 🤝 Your vote now follows ben's on every motion where you do not vote yourself. "
        "/undelegate ends it.",
        "[dm ben] 🤝 dee delegates their vote to you. Your votes now count for: you, dee.",
    ]
    before = commune.snapshot()
    assert commune.say("dee@group: /delegate dee")[0].startswith("[group] You already count")
    assert commune.say("dee@group: /delegate zed")[0].startswith(
        "[group] There is no member called zed to delegate to."
    )
    assert commune.say("zed@group: /delegate ben")[0].startswith(
        "[group] You are not a member of Terra yet."
    )
    assert commune.snapshot() == before
    assert commune.say("dee@group: /undelegate") == [
        "[group] Your vote no longer follows ben's.",
        "[dm ben] dee no longer delegates their vote to you.",
    ]
    assert commune.say("dee@group: /undelegate")[0].startswith(
        "[group] You have not delegated your vote."
    )


@ONLY_STORED
def test_a_vote_withdrawn_no_longer_counts_and_a_delegation_takes_over(
    spring: ConsoleChat,
) -> None:
    spring.say("dee@group: /delegate ben")
    opened(spring)
    before = spring.snapshot()
    assert spring.say("dee@group: /vote 1 withdraw") == [
        "[group] You have no vote on motion 1 to withdraw. To vote: /vote 1 yes"
    ]
    assert spring.snapshot() == before
    spring.say("ben@group: /vote 1 yes", "dee@group: /vote 1 no", "ana@group: /vote 1 no")
    assert spring.say("dee@group: /vote 1 withdraw") == [
        "[group] 🗳 dee withdrew their vote on motion 1."
    ]
    assert spring.say("ana@group: /vote 1 retirar") == [
        "[group] 🗳 ana withdrew their vote on motion 1."
    ]
    results = spring.say(":now 2027-02-01T19:00:00Z")
    # dee's vote follows ben's again; ana's no longer counts
    assert (
        results[1]
        == "[group] 1. Buy a tractor — CARRIED: yes 2 · no 0 · abstain 0 · 1 by delegation"
    )
    assert spring.say("ben@group: /vote 1 withdraw") == [
        "[group] Voting in Spring assembly has closed. The results: /assembly 1"
    ]


@ONLY_STORED
def test_a_secret_vote_is_withdrawn_by_dm_only(commune: ConsoleChat) -> None:
    commune.say(SPRING + " secret", 'ana@group: /motion 1 "Buy a tractor"')
    opened(commune)
    commune.say("ben@dm: /vote 1 no")
    assert commune.say("ben@group: /vote 1 withdraw")[0].startswith(
        "[group] This is a secret ballot"
    )
    assert commune.say("ben@dm: /vote 1 withdraw") == [
        "[dm ben] 🗳 Your secret vote on motion 1 is withdrawn. You can vote again until "
        "voting closes."
    ]


@ONLY_STORED
def test_a_delegation_cycle_counts_for_nobody(spring: ConsoleChat) -> None:
    spring.say("ben@group: /delegate cai", "cai@group: /delegate ben")
    opened(spring)
    spring.say("ana@group: /vote 1 yes")
    results = spring.say(":now 2027-02-01T19:00:00Z")
    # ben and cai delegate to each other and neither votes: only ana counts, 1 of 4.
    assert results[1] == "[group] 1. Buy a tractor — no quorum: yes 1 · no 0 · abstain 0"


@ONLY_STORED
def test_secret_ballot_by_dm_publishes_only_tallies(commune: ConsoleChat) -> None:
    commune.say(SPRING + " secret", 'ana@group: /motion 1 "Buy a tractor"')
    opened(commune)
    before = commune.snapshot()
    assert commune.say("ben@group: /vote 1 no") == [
        "[group] This is a secret ballot: vote by private message to me, e.g. /vote 1 yes. "
        "Nothing was recorded here."
    ]
    assert commune.snapshot() == before
    assert commune.say("ben@dm: /vote 1 no") == [
        "[dm ben] 🗳 Your secret vote on motion 1 (Buy a tractor) is recorded: no. You can "
        "change it until voting closes."
    ]
    commune.say("ana@dm: /vote 1 yes", "cai@dm: /vote 1 yes")
    results = commune.say(":now 2027-02-01T19:00:00Z")
    assert results[1] == "[group] 1. Buy a tractor — CARRIED: yes 2 · no 1 · abstain 0"
    assert "[group] Secret ballot. Took part: ana, ben, cai" in results
    assert not any("ben voted" in line for line in results)


@ONLY_STORED
def test_presence_is_shown_apart_and_can_bind(commune: ConsoleChat) -> None:
    commune.say(SPRING + " binding", 'ana@group: /motion 1 "Buy a tractor"')
    assert commune.say("ana@group: /present ana") == [
        "[group] No assembly is open for voting now. /assemblies shows when the next one opens."
    ]
    opened(commune)
    assert commune.say("ben@group: /present ana")[0].startswith("[group] Only an admin")
    assert commune.say("ana@group: /present ana cai") == [
        "[group] Present at Spring assembly: ana, cai (2 of 4 in the room)."
    ]
    commune.say(
        "ana@group: /vote 1 yes",
        "cai@group: /vote 1 yes",
        "ben@group: /vote 1 no",
        "dee@group: /vote 1 no",
    )
    results = commune.say(":now 2027-02-01T19:00:00Z")
    # Remote votes tie 2-2 overall, but the room (2 yes) decides.
    assert results[1:4] == [
        "[group] 1. Buy a tractor — CARRIED: yes 2 · no 2 · abstain 0",
        "[group] ↳ in the room: yes 2 · no 0 · abstain 0; remote: yes 0 · no 2 · abstain 0",
        "[group] Decided by the members present; remote votes are advisory.",
    ]


@ONLY_STORED
def test_a_repeating_assembly_schedules_the_next_one(commune: ConsoleChat) -> None:
    commune.say(SPRING + " every 2w", 'ana@group: /motion 1 "Weekly accounts"')
    opened(commune)
    out = commune.say(":now 2027-02-01T19:00:00Z")
    created = out.index("[group] 🗳 Assembly #2: Spring assembly")
    assert out[created + 1] == (
        "[group] Votes open Mon 15 Feb 2027 18:00, close Mon 15 Feb 2027 20:00 · quorum 50% · "
        "every 2 weeks"
    )
    assert out[created + 2] == "[group] Motion 2: Weekly accounts — majority"
    assert commune.say(":now 2027-02-15T17:00:00Z")[0] == "[group] 🗳 Assembly #2: Spring assembly"


@ONLY_STORED
def test_reminders_go_only_to_members_whose_vote_does_not_count(spring: ConsoleChat) -> None:
    spring.say("ana@group: /assembly new Evening 2027-02-01T18:00 2027-02-03T18:00")
    spring.say(":now 2027-02-01T17:00:00Z", "dee@group: /delegate ben")
    spring.say("ben@group: /vote 1 yes", "ben@group: /vote 2 yes", "ben@group: /vote 3 yes")
    out = spring.say(":now 2027-02-01T18:00:00Z")  # Spring closes in an hour
    reminded = sorted({line.split("]")[0] + "]" for line in out if "⏰" in line})
    assert reminded == ["[dm ana]", "[dm cai]"]  # ben voted, dee counts through ben


@ONLY_STORED
def test_motions_are_fixed_once_voting_opens(spring: ConsoleChat) -> None:
    opened(spring)
    assert spring.say('ana@group: /motion 1 "Late idea"') == [
        "[group] Voting in Spring assembly has already opened, so its motions are fixed. Add "
        "the motion to the next assembly."
    ]


@ONLY_STORED
def test_assembly_report_prints_the_documented_json(spring: ConsoleChat) -> None:
    spring.say("dee@group: /delegate ben")
    opened(spring)
    spring.say("ana@group: /present ana")
    spring.say("ana@group: /vote 1 yes", "ben@group: /vote 1 no", "cai@group: /vote 1 yes")
    spring.say(":now 2027-02-01T19:00:00Z")
    result = subprocess.run(
        [
            str(MINGA),
            "assembly-report",
            "--db",
            spring.url,
            "--commune",
            "Terra",
            "--assembly",
            "1",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    report = json.loads(result.stdout)
    assert {
        k: report[k] for k in ("assembly", "title", "status", "quorum", "remote_weight", "eligible")
    } == {
        "assembly": 1,
        "title": "Spring assembly",
        "status": "closed",
        "quorum": "50%",
        "remote_weight": "100%",
        "eligible": 4,
    }
    assert report["motions"][0] == {
        "motion": 1,
        "text": "Buy a tractor",
        "action": None,
        "threshold": "majority",
        "yes": 2,
        "no": 2,
        "abstain": 0,
        "turnout": 4,
        "delegated": {"yes": 0, "no": 1, "abstain": 0},
        "present": {"yes": 1, "no": 0, "abstain": 0},
        "weighted": {"yes": "2", "no": "2"},
        "outcome": "rejected",
        "executed": False,
        "supporters": None,  # an admin's motion
    }
    assert report["motions"][1]["outcome"] == "no quorum"
