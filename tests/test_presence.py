"""/present and /absent: which assembly a mark is for, taking a mark back, and refusals.

The commune is Terra (ana admin; ben, cai, dee members). Two assemblies vote at the
same time on Monday 1 February 2027 (Madrid): #1 "Spring assembly", binding, 18:00 to
20:00, and #2 "Budget vote", 18:00 to Wednesday 18:00. Every refusal answers with one
line in the chat it came from and leaves the commune's tables as they were.
"""

from __future__ import annotations

from typing import Any

import pytest
from harness import ASSEMBLY_COMMUNE, ConsoleChat
from sqlalchemy import text

from handlers.locales import SUPPORTED
from handlers.rendering import render

COMMUNE = ASSEMBLY_COMMUNE
SPRING = (
    'ana@group: /assembly new "Spring assembly" 2027-02-01T18:00 2027-02-01T20:00 '
    "quorum 50% binding"
)
BUDGET = 'ana@group: /assembly new "Budget vote" 2027-02-01T18:00 2027-02-03T18:00'
OPENING = ":now 2027-02-01T17:00:00Z"  # 18:00 in Madrid
SPRING_CLOSES = ":now 2027-02-01T19:00:00Z"  # 20:00 in Madrid: Spring closes, Budget goes on

BOTH_RUNNING = (
    "[group] More than one assembly is voting now: #1 Spring assembly, #2 Budget vote. "
    "Say which one: {command} 1 {names} · {command} 2 {names}"
)
NO_OPEN = "[group] No assembly is open for voting now. /assemblies shows when the next one opens."
NOT_ADMIN = "[group] Only an admin of the commune can do that. Ask one, or see /help"


def refused(chat: ConsoleChat, line: str, expected: str) -> None:
    """Say ``line``; it must be answered with exactly ``expected`` and change nothing."""
    before = chat.snapshot()
    assert chat.say(line) == [expected]
    after = chat.snapshot()
    assert [table for table in before if before[table] != after[table]] == [], line


@pytest.fixture
def commune(chat: ConsoleChat) -> ConsoleChat:
    chat.script(COMMUNE)
    return chat


@pytest.fixture
def two(commune: ConsoleChat) -> ConsoleChat:
    """Spring assembly (#1, binding, motion 1) and Budget vote (#2, motion 2), both voting."""
    commune.say(
        SPRING,
        'ana@group: /motion 1 "Buy a tractor"',
        BUDGET,
        'ana@group: /motion 2 "Approve the budget"',
        OPENING,
    )
    return commune


def present_at(chat: ConsoleChat, number: int) -> list[str]:
    """Who is marked present at assembly ``number``, by name, from the database."""
    query = text(
        "SELECT member.name FROM assembly_voter"
        " JOIN assembly ON assembly.id = assembly_voter.assembly_id"
        " JOIN member ON member.id = assembly_voter.member_id"
        " WHERE assembly.number = :number AND assembly_voter.present"
    )
    with chat.database.engine.connect() as connection:
        return sorted(connection.execute(query, {"number": number}).scalars())


# --- which assembly --------------------------------------------------------------------


@pytest.mark.parametrize("number", ["1", "#1"])
def test_a_number_picks_the_assembly(two: ConsoleChat, number: str) -> None:
    assert two.say(f"ana@group: /present {number} ana cai") == [
        "[group] Present at Spring assembly: ana, cai (2 of 4 in the room)."
    ]
    assert two.say("ana@group: /present #2 ben") == [
        "[group] Present at Budget vote: ben (1 of 4 in the room)."
    ]
    assert present_at(two, 1) == ["ana", "cai"]
    assert present_at(two, 2) == ["ben"]


def test_without_a_number_two_running_assemblies_are_named_and_nothing_changes(
    two: ConsoleChat,
) -> None:
    refused(
        two,
        "ana@group: /present ana cai",
        BOTH_RUNNING.format(command="/present", names="ana cai"),
    )
    two.say("ana@group: /present 1 cai")
    refused(two, "ana@group: /absent cai", BOTH_RUNNING.format(command="/absent", names="cai"))
    # What the refusal says to type works.
    assert two.say("ana@group: /absent 1 cai") == [
        "[group] No longer present at Spring assembly: cai (0 of 4 in the room)."
    ]


def test_without_a_number_the_one_running_assembly_is_meant(two: ConsoleChat) -> None:
    two.say(SPRING_CLOSES)  # only Budget vote is voting now
    assert two.say("ana@group: /present ana") == [
        "[group] Present at Budget vote: ana (1 of 4 in the room)."
    ]
    assert two.say("ana@group: /absent ana") == [
        "[group] No longer present at Budget vote: ana (0 of 4 in the room)."
    ]


def test_the_newest_assembly_is_no_longer_chosen_silently(two: ConsoleChat) -> None:
    two.say("ana@group: /present ana")
    assert present_at(two, 1) == [] and present_at(two, 2) == []


def test_presence_marked_at_one_assembly_decides_only_there(two: ConsoleChat) -> None:
    two.say(
        "ana@group: /present 1 ana cai",
        "ana@group: /vote 1 yes",
        "cai@group: /vote 1 yes",
        "ben@group: /vote 1 no",
        "dee@group: /vote 1 no",
    )
    results = two.say(SPRING_CLOSES)
    assert results[1:4] == [
        "[group] 1. Buy a tractor — CARRIED: yes 2 · no 2 · abstain 0",
        "[group] ↳ in the room: yes 2 · no 0 · abstain 0; remote: yes 0 · no 2 · abstain 0",
        "[group] Decided by the members present; remote votes are advisory.",
    ]
    assert present_at(two, 2) == []


# --- taking a mark back ------------------------------------------------------------------


def test_absent_takes_a_mark_back_and_the_room_decides_without_them(two: ConsoleChat) -> None:
    two.say("ana@group: /present 1 ben cai dee")
    assert two.say("ana@group: /absent 1 ben") == [
        "[group] No longer present at Spring assembly: ben (2 of 4 in the room)."
    ]
    assert present_at(two, 1) == ["cai", "dee"]
    two.say(
        "ana@group: /vote 1 yes",
        "ben@group: /vote 1 yes",
        "cai@group: /vote 1 no",
        "dee@group: /vote 1 yes",
    )
    results = two.say(SPRING_CLOSES)
    # 3 to 1 overall, and 2 to 1 had ben stayed in the room; without him the room ties.
    assert results[1:3] == [
        "[group] 1. Buy a tractor — rejected: yes 3 · no 1 · abstain 0 (needs majority)",
        "[group] ↳ in the room: yes 1 · no 1 · abstain 0; remote: yes 2 · no 0 · abstain 0",
    ]


def test_taking_every_mark_back_leaves_no_room_line(commune: ConsoleChat) -> None:
    commune.say(SPRING.replace(" binding", ""), 'ana@group: /motion 1 "Buy a tractor"', OPENING)
    commune.say("ana@group: /present ana", "ana@group: /absent ana", "ana@group: /vote 1 yes")
    results = commune.say(SPRING_CLOSES)
    assert not any("in the room" in line for line in results), results


def test_a_mark_can_be_given_again_after_it_was_taken_back(two: ConsoleChat) -> None:
    two.say("ana@group: /present 2 dee", "ana@group: /absent 2 dee")
    assert two.say("ana@group: /present 2 dee") == [
        "[group] Present at Budget vote: dee (1 of 4 in the room)."
    ]


def test_absent_by_dm_answers_by_dm(two: ConsoleChat) -> None:
    two.say("ana@group: /present 2 ben")
    assert two.say("ana@dm: /absent 2 ben") == [
        "[dm ana] No longer present at Budget vote: ben (0 of 4 in the room)."
    ]


# --- refusals ------------------------------------------------------------------------------


def test_absent_for_someone_not_marked_is_refused(two: ConsoleChat) -> None:
    refused(
        two,
        "ana@group: /absent 1 ben",
        "[group] ben is not marked present at Spring assembly. Nobody is marked present there yet.",
    )
    two.say("ana@group: /present 1 ana cai")
    # One of them is not marked: nobody is unmarked.
    refused(
        two,
        "ana@group: /absent 1 cai ben dee",
        "[group] ben, dee are not marked present at Spring assembly. Marked present now: ana, cai.",
    )
    assert present_at(two, 1) == ["ana", "cai"]
    # Marked at the other assembly is not marked here.
    refused(
        two,
        "ana@group: /absent 2 ana",
        "[group] ana is not marked present at Budget vote. Nobody is marked present there yet.",
    )


@pytest.mark.parametrize("command", ["present", "absent"])
def test_only_admins_mark_presence(two: ConsoleChat, command: str) -> None:
    two.say("ana@group: /present 1 ana")
    refused(two, f"ben@group: /{command} 1 ana", NOT_ADMIN)
    refused(two, f"ben@dm: /{command} 1 ana", NOT_ADMIN.replace("[group]", "[dm ben]"))


@pytest.mark.parametrize("command", ["present", "absent"])
def test_a_number_that_is_no_assembly_is_refused(two: ConsoleChat, command: str) -> None:
    refused(
        two,
        f"ana@group: /{command} 3 ana",
        "[group] There is no assembly #3. /assemblies lists them.",
    )
    refused(
        two,
        f"ana@group: /{command} #3 ana",
        "[group] There is no assembly #3. /assemblies lists them.",
    )
    refused(
        two,
        f"ana@group: /{command} #x ana",
        '[group] "#x" is not an assembly number. /assemblies lists them.',
    )
    refused(
        two,
        f"ana@group: /{command} 0 ana",
        '[group] "0" is not an assembly number. /assemblies lists them.',
    )


@pytest.mark.parametrize("command", ["present", "absent"])
def test_an_assembly_not_open_yet_is_refused(commune: ConsoleChat, command: str) -> None:
    commune.say(SPRING, BUDGET)
    refused(
        commune,
        f"ana@group: /{command} 1 ana",
        "[group] Voting in Spring assembly opens Mon 1 Feb 2027 18:00. Mark who is present "
        "once it is open.",
    )
    refused(commune, f"ana@group: /{command} ana", NO_OPEN)


@pytest.mark.parametrize("command", ["present", "absent"])
def test_presence_after_closing_is_refused(two: ConsoleChat, command: str) -> None:
    two.say("ana@group: /present 1 ana", SPRING_CLOSES)
    closed = (
        "[group] Voting in Spring assembly has closed, so who was present can no longer "
        "change. The results: /assembly 1"
    )
    refused(two, f"ana@group: /{command} 1 ana", closed)
    refused(two, f"ana@group: /{command} #1 cai", closed)
    two.say(":now 2027-02-03T17:00:00Z")  # Budget vote closes too
    refused(two, f"ana@group: /{command} ana", NO_OPEN)
    refused(
        two,
        f"ana@group: /{command} 2 ana",
        "[group] Voting in Budget vote has closed, so who was present can no longer change. "
        "The results: /assembly 2",
    )


@pytest.mark.parametrize("command", ["present", "absent"])
def test_names_are_checked_before_anything_changes(two: ConsoleChat, command: str) -> None:
    two.say("ana@group: /present 1 ana")
    refused(
        two,
        f"ana@group: /{command} 1 ana zed",
        "[group] zed is not among the voters of Spring assembly. Use the names they have in "
        "this chat.",
    )


@pytest.mark.parametrize("command", ["present", "absent"])
def test_no_member_named_is_a_usage_refusal(two: ConsoleChat, command: str) -> None:
    usage = (
        f"[group] Use it like this: /{command} [<assembly>] <member> [<member>…] — for "
        f"example /{command} 1 ana ben"
    )
    refused(two, f"ana@group: /{command}", usage)
    refused(two, f"ana@group: /{command} 2", usage)
    refused(two, f"ana@group: /{command} #1", usage)


# --- members whose name is a number ----------------------------------------------------------


@pytest.fixture
def numbered(commune: ConsoleChat) -> ConsoleChat:
    """Terra with members called "2" and "7" too, and Spring assembly (#1) voting alone."""
    commune.say("2@group: /join", "7@group: /join", SPRING, OPENING)
    return commune


def test_a_leading_number_that_is_no_running_assembly_is_a_member(numbered: ConsoleChat) -> None:
    assert numbered.say("ana@group: /present 7") == [
        "[group] Present at Spring assembly: 7 (1 of 6 in the room)."
    ]
    assert numbered.say("ana@group: /present 2 ana") == [
        "[group] Present at Spring assembly: 2, ana (3 of 6 in the room)."
    ]
    assert numbered.say("ana@group: /absent 7") == [
        "[group] No longer present at Spring assembly: 7 (2 of 6 in the room)."
    ]


def test_a_leading_number_that_names_a_running_assembly_is_the_assembly(
    commune: ConsoleChat,
) -> None:
    commune.say("2@group: /join", "7@group: /join", SPRING, BUDGET, OPENING, SPRING_CLOSES)
    # Only Budget vote (#2) is voting now.
    assert commune.say("ana@group: /present 2 7") == [
        "[group] Present at Budget vote: 7 (1 of 6 in the room)."
    ]
    # "2" alone is the assembly, with nobody named; the example shows how to name member 2.
    refused(
        commune,
        "ana@group: /present 2",
        "[group] Use it like this: /present [<assembly>] <member> [<member>…] — for example "
        "/present 2 2",
    )
    assert commune.say("ana@group: /present 2 2") == [
        "[group] Present at Budget vote: 2 (2 of 6 in the room)."
    ]
    assert present_at(commune, 2) == ["2", "7"]


def test_with_two_running_a_member_named_by_a_number_is_asked_about(
    commune: ConsoleChat,
) -> None:
    commune.say("2@group: /join", "7@group: /join", SPRING, BUDGET, OPENING)
    refused(
        commune,
        "ana@group: /present 7",
        "[group] More than one assembly is voting now: #1 Spring assembly, #2 Budget vote. "
        "Say which one: /present 1 7 · /present 2 7",
    )


# --- the new messages in every language --------------------------------------------------------

BASE = {"commune": "Terra", "currency": "EUR", "tz": "Europe/Madrid"}
RUNNING = [{"number": 1, "title": "Spring assembly"}, {"number": 2, "title": "Budget vote"}]
NEW_MESSAGES: list[tuple[str, dict[str, Any]]] = [
    ("marked_absent", {"title": "Spring assembly", "names": ["cai"], "present": 1, "eligible": 4}),
    ("refusal/which_assembly", {"command": "present", "names": "ana cai", "running": RUNNING}),
    ("refusal/presence_closed", {"number": 1, "title": "Spring assembly"}),
    (
        "refusal/presence_not_open",
        {"number": 1, "title": "Spring assembly", "opens": "2027-02-01T17:00:00+00:00"},
    ),
    ("refusal/not_marked_present", {"names": ["ben"], "title": "Budget vote", "present": []}),
    (
        "refusal/not_marked_present",
        {"names": ["ben", "dee"], "title": "Budget vote", "present": ["ana", "cai"]},
    ),
    ("help_command", {"name": "absent", "role": "admin"}),
    ("help_command", {"name": "present", "role": "admin"}),
]


@pytest.mark.parametrize("locale", SUPPORTED)
@pytest.mark.parametrize(
    ("template", "context"),
    [pytest.param(t, c, id=f"{t}-{i}") for i, (t, c) in enumerate(NEW_MESSAGES)],
)
def test_new_messages_render_in_every_language(
    template: str, context: dict[str, Any], locale: str
) -> None:
    text = render(template, locale, {**BASE, **context})
    assert text.strip()
    if template.startswith("refusal/") or template == "marked_absent":
        assert "\n" not in text, text  # one line, like every refusal
    if template == "refusal/which_assembly":
        assert "/present 1 ana cai · /present 2 ana cai" in text
        assert "#1 Spring assembly" in text and "#2 Budget vote" in text


def test_an_admin_reading_spanish_is_asked_which_assembly_in_spanish(two: ConsoleChat) -> None:
    two.say("ana@group: /lang es")
    refused(
        two,
        "ana@group: /present ana",
        "[group] Ahora hay más de una asamblea en votación: #1 Spring assembly, #2 Budget vote. "
        "Di cuál: /present 1 ana · /present 2 ana",
    )
