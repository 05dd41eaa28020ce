"""Members' proposals: a non-admin's /motion waits for supporters before the agenda.

Terra (tests/harness.py ASSEMBLY_COMMUNE): ana is the admin; ben, cai and dee are
members, four in all. The ``support`` policy is 3 unless a test sets it. The Winter
assembly votes on Thursday 28 January 2027, 18:00 to 20:00 in Madrid (17:00 to 19:00
UTC), before January's clearing, so these run in memory.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import ALSO_STORED
from harness import ASSEMBLY_COMMUNE, ConsoleChat, says
from sqlalchemy import text

from handlers.assembly_results import report
from handlers.dispatch import Dispatcher
from storage.uow import Database

WINTER = 'ana@group: /assembly new "Winter assembly" 2027-01-28T18:00 2027-01-28T20:00'
OPEN, CLOSE = ":now 2027-01-28T17:00:00Z", ":now 2027-01-28T19:00:00Z"


@pytest.fixture
def winter(rules_chat: ConsoleChat) -> ConsoleChat:
    rules_chat.script(ASSEMBLY_COMMUNE)
    rules_chat.say(WINTER)
    return rules_chat


def assembly_report(chat: Any) -> dict[str, Any]:
    """``minga assembly-report --json`` for assembly 1, in memory or stored."""
    units = chat.store.unit_of_work if hasattr(chat, "store") else chat.database.unit_of_work
    with units() as uow:
        commune = uow.communes.by_name("Terra")
        return report(uow, uow.assemblies.get(commune.id, 1))


@ALSO_STORED
def test_a_supported_proposal_joins_the_agenda_is_voted_on_and_carries(winter) -> None:
    assert winter.say('ben@group: /motion 1 "Community garden"') == [
        "[group] 📝 ben proposes motion 1 for Winter assembly: Community garden — majority",
        "[group] 1 of 3 supporters. It goes on the agenda with 3: /support 1",
    ]
    assert winter.say("cai@group: /support 1") == [
        "[group] 👍 cai supports motion 1 (Community garden): 2 of 3 supporters. /support 1"
    ]
    assert winter.say("ana@group: /assembly 1")[2:5] == [
        "[group] Proposals, on the agenda once they have their supporters:",
        "[group] Motion 1: Community garden — proposed by ben, 2 of 3 supporters: /support 1",
        "[group] Voting has not opened yet.",
    ]
    assert winter.say("dee@group: /support 1") == [
        "[group] 👍 dee supports motion 1 (Community garden): 3 of 3 supporters.",
        "[group] ✅ Motion 1 is on the agenda of Winter assembly: it is voted on when voting "
        "opens.",
    ]
    assert winter.say("ana@group: /assembly 1")[2:4] == [
        "[group] Motion 1: Community garden — majority",
        "[group] Voting has not opened yet.",
    ]
    opened = winter.say(OPEN)
    assert "[group] Voting is open: /vote 1 yes · /vote 1 no · /vote 1 abstain" in opened
    winter.say("ben@group: /vote 1 yes", "cai@group: /vote 1 yes", "ana@group: /vote 1 no")
    results = winter.say(CLOSE)
    assert "[group] 1. Community garden — CARRIED: yes 2 · no 1 · abstain 0" in results
    motion = assembly_report(winter)["motions"][0]
    assert (motion["motion"], motion["outcome"], motion["supporters"]) == (1, "carried", 3)


@ALSO_STORED
def test_an_unsupported_proposal_is_not_voted_on_and_listed_as_not_supported(winter) -> None:
    winter.say(
        'ana@group: /motion 1 "Buy a tractor"',
        'ben@group: /motion 1 "Paint the hall" two-thirds',
    )
    opened = winter.say(OPEN)
    assert opened[2:6] == [
        "[group] Motion 1: Buy a tractor — majority",
        "[group] Not supported, so not voted on:",
        "[group] Motion 2: Paint the hall — not supported: 1 of 3 supporters",
        "[group] Voting is open: /vote 1 yes · /vote 1 no · /vote 1 abstain",
    ]
    before = winter.snapshot()
    assert winter.say("ben@group: /vote 2 yes") == [
        "[group] Motion 2 (Paint the hall) is a proposal that did not find its supporters "
        "before voting opened, so it was not put to the vote."
    ]
    assert winter.say("cai@group: /support 2") == [
        "[group] Voting in Winter assembly has opened, so motion 2 can no longer gain or lose "
        "supporters."
    ]
    assert winter.snapshot() == before
    winter.say("ana@group: /vote 1 yes")
    results = winter.say(CLOSE)
    assert results[1:4] == [
        "[group] 1. Buy a tractor — CARRIED: yes 1 · no 0 · abstain 0",
        "[group] Not supported, so not voted on:",
        "[group] 2. Paint the hall — not supported: 1 of 3 supporters",
    ]
    assert winter.say("dee@group: /assembly 1")[1:4] == results[1:4]
    motions = assembly_report(winter)["motions"]
    assert motions[0]["supporters"] is None  # an admin's motion
    assert motions[1] == {
        "motion": 2,
        "text": "Paint the hall",
        "action": None,
        "threshold": "two-thirds",
        "proposer": "ben",
        "supporters": 1,
        "needed": 3,
        "outcome": "not supported",
        "executed": False,
    }


def test_support_as_a_share_counts_the_members_at_each_support(winter) -> None:
    winter.say("ana@group: /policy support 50%")
    assert winter.say('ben@group: /motion 1 "Community garden"')[1] == (
        "[group] 1 of 2 supporters. It goes on the agenda with 2: /support 1"
    )
    winter.say("eve@group: /join")  # five members: 50% is 3 now
    assert winter.say("cai@group: /support 1") == [
        "[group] 👍 cai supports motion 1 (Community garden): 2 of 3 supporters. /support 1"
    ]
    assert winter.say("dee@group: /support 1")[1].startswith("[group] ✅ Motion 1 is on the agenda")


def test_with_support_at_one_a_members_motion_goes_on_the_agenda_at_once(winter) -> None:
    winter.say("ana@group: /policy support 1")
    assert winter.say('ben@group: /motion 1 "Community garden"') == [
        "[group] Motion 1 added to Winter assembly: Community garden — majority"
    ]
    opened = winter.say(OPEN)
    assert "[group] Voting is open: /vote 1 yes · /vote 1 no · /vote 1 abstain" in opened
    assert assembly_report(winter)["motions"][0]["supporters"] == 1


def test_a_proposal_with_its_supporters_by_opening_time_is_voted_on(winter) -> None:
    winter.say('ben@group: /motion 1 "Community garden"', "cai@group: /support 1")
    winter.say("ana@group: /policy support 2")  # lowered after cai's support
    opened = winter.say(OPEN)
    assert "[group] Motion 1: Community garden — majority" in opened
    assert not any("not supported" in line for line in opened)


def test_a_proposal_from_a_dm_is_told_to_the_group(winter) -> None:
    assert winter.say('ben@dm: /motion 1 "Community garden"') == [
        "[group] 📝 ben proposes motion 1 for Winter assembly: Community garden — majority",
        "[group] 1 of 3 supporters. It goes on the agenda with 3: /support 1",
        "[dm ben] 📝 ben proposes motion 1 for Winter assembly: Community garden — majority",
        "[dm ben] 1 of 3 supporters. It goes on the agenda with 3: /support 1",
    ]


def test_a_repeating_assembly_carries_over_only_its_agenda(rules_chat) -> None:
    rules_chat.script(ASSEMBLY_COMMUNE)
    rules_chat.say(WINTER.replace("2027-01-28T20:00", "2027-01-28T20:00 every 1 week"))
    rules_chat.say(
        'ana@group: /motion 1 "Buy a tractor"',
        'ben@group: /motion 1 "Paint the hall"',
    )
    rules_chat.say(OPEN)
    created = rules_chat.say(CLOSE)
    repeat = created[created.index("[group] 🗳 Assembly #2: Winter assembly") :]
    assert "[group] Motion 3: Buy a tractor — majority" in repeat
    assert not any("Paint the hall" in line for line in repeat)


REFUSALS = [
    ("cai@group: /support", "[group] Use it like this: /support <motion> — for example /support 4"),
    (
        "cai@group: /support x",
        '[group] "x" is not a motion number. Use the number shown with the motion, e.g. /support 1',
    ),
    (
        "cai@group: /support 9",
        "[group] There is no motion 9. /assemblies lists the assemblies; /assembly <number> "
        "shows one's motions.",
    ),
    (
        "cai@group: /support 1",
        "[group] Motion 1 is already on the agenda of Winter assembly: it needs no support. "
        "Vote on it when voting opens.",
    ),
    (
        "ana@group: /unsupport 1",
        "[group] Motion 1 is already on the agenda of Winter assembly: support can no longer be "
        "taken back. Vote on it when voting opens.",
    ),
    (
        "cai@group: /support 2",
        "[group] You already support motion 2 (Paint the hall): 2 of 3 supporters.",
    ),
    (
        "dee@group: /unsupport 2",
        "[group] You do not support motion 2 (Paint the hall), so there is nothing to take back.",
    ),
    (
        "ben@group: /unsupport 2",
        "[group] You proposed motion 2 (Paint the hall), so your support counts as long as it is "
        "a proposal.",
    ),
    (
        "ana@group: /vote 2 yes",
        "[group] Motion 2 (Paint the hall) is a proposal: it is put to the vote only once it has "
        "its supporters. /support 2",
    ),
    ("zoe@group: /support 2", "[group] You are not a member of Terra yet. Join with /join"),
]


@pytest.mark.parametrize(("line", "answer"), REFUSALS, ids=[line for line, _ in REFUSALS])
def test_each_refusal_says_why_and_changes_nothing(winter, line: str, answer: str) -> None:
    winter.say(
        'ana@group: /motion 1 "Buy a tractor"',
        'ben@group: /motion 1 "Paint the hall"',
        "cai@group: /support 2",
    )
    before = winter.snapshot()
    assert winter.say(line) == [answer]
    assert winter.snapshot() == before


def test_taking_back_support_counts_down_and_support_can_come_again(winter) -> None:
    winter.say('ben@group: /motion 1 "Paint the hall"', "cai@group: /support 1")
    assert winter.say("cai@group: /unsupport 1") == [
        "[group] cai no longer supports motion 1 (Paint the hall): 1 of 3 supporters."
    ]
    assert winter.say("cai@group: /support 1")[0].endswith("2 of 3 supporters. /support 1")


def test_racing_supports_put_a_proposal_on_the_agenda_once(chat: ConsoleChat) -> None:
    """Six members race to support a proposal that needs two more: one joins it to the
    agenda, the next ones find it there already."""
    chat.script(ASSEMBLY_COMMUNE)
    racers = [f"m{n}" for n in range(6)]
    chat.say(*[f"{name}@group: /join" for name in racers], WINTER)
    chat.say('ben@group: /motion 1 "Community garden"')
    barrier = threading.Barrier(len(racers))
    errors: list[BaseException] = []

    def support(name: str) -> None:
        database = Database(chat.url)  # a separate engine: another "process"
        now = datetime(2027, 1, 25, 10, 0, tzinfo=UTC)
        try:
            barrier.wait()
            Dispatcher(database.unit_of_work, lambda: now).handle(
                says(name, "/support 1", f"race-{name}")
            )
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            database.dispose()

    threads = [threading.Thread(target=support, args=(name,)) for name in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    with chat.database.engine.connect() as connection:

        def scalar(sql: str) -> object:
            return connection.execute(text(sql)).scalar_one()

        assert scalar("SELECT count(*) FROM motion_support") == 3
        assert scalar("SELECT status FROM motion") == "agenda"
        templates = "SELECT count(*) FROM outbox WHERE template = '{}'"
        assert scalar(templates.format("proposal_on_agenda")) == 1
        assert scalar(templates.format("proposal_supported")) == 1
        assert scalar(templates.format("refusal/support_on_agenda")) == 4
