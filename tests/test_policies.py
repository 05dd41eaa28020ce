"""/policy: the commune's policies listed by anyone, changed by an admin while admins
decide, and only by an assembly after that (issue 12)."""

from __future__ import annotations

import pytest
from conftest import ALSO_STORED
from harness import ASSEMBLY_COMMUNE, ConsoleChat


@pytest.fixture
def chat(rules_chat: ConsoleChat) -> ConsoleChat:
    return rules_chat


@pytest.fixture
def commune(chat: ConsoleChat) -> ConsoleChat:
    chat.script(ASSEMBLY_COMMUNE)
    return chat


def test_anyone_in_the_group_reads_the_policies_with_their_meaning(commune: ConsoleChat) -> None:
    assert commune.say("ben@group: /policy") == [
        "[group] Policies:",
        "[group] decide: admins — an admin may change policies",
        "[group] approval: none — pledges open as soon as a bond is proposed",
        "[group] support: 3 — a member's motion goes on the agenda once 3 members support it",
        "[group] payment-days: 0 — a pledge counts as paid: a fully pledged bond clears at once",
        "[group] default-months: 3 — after 3 periods in a row with rent in arrears, ending the "
        "lease goes to the next assembly",
        "[group] fund: 0% — the whole dividend pool is shared out; nothing goes to the common fund",
        "[group] An admin changes one with /policy <name> <value>",
    ]


@ALSO_STORED
def test_an_admin_changes_a_policy_and_the_group_is_told(commune: ConsoleChat) -> None:
    assert commune.say("ana@group: /policy support 25%") == [
        "[group] ana changed the policy support from 3 to 25%: a member's motion goes on the "
        "agenda once 25% of the members support it."
    ]
    assert (
        "[group] support: 25% — a member's motion goes on the agenda once 25% of the "
        "members support it" in commune.say("ben@group: /policy")
    )
    assert commune.say("ana@group: /policy Approval ASSEMBLY")[0].startswith(
        "[group] ana changed the policy approval from none to assembly:"
    )


def test_once_the_assembly_decides_an_admin_cannot_change_a_policy(commune: ConsoleChat) -> None:
    commune.say("ana@group: /policy decide assembly")
    before = commune.snapshot()
    assert commune.say("ana@group: /policy approval assembly") == [
        "[group] This commune changes its policies in assembly. To propose it: "
        "/motion <assembly> policy approval assembly"
    ]
    assert commune.say("ana@group: /policy decide admins") == [
        "[group] This commune changes its policies in assembly. To propose it: "
        "/motion <assembly> policy decide admins"
    ]
    assert commune.snapshot() == before
    assert commune.say("ben@group: /policy")[-1].endswith(
        "To change one, an admin puts a motion to an assembly: "
        "/motion <assembly> policy <name> <value>"
    )


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        (
            "ana@group: /policy quorum 50%",
            'There is no policy called "quorum". The policies are: decide, approval, support, '
            "payment-days, default-months, fund.",
        ),
        (
            "ana@group: /policy approval maybe",
            '"maybe" is not a value of approval. It takes: none, assembly.',
        ),
        (
            "ana@group: /policy support 0",
            '"0" is not a value of support. It takes: 1–10000, 1%–100%.',
        ),
        (
            "ana@group: /policy default-months 25",
            '"25" is not a value of default-months. It takes: 1–24.',
        ),
        (
            "ana@group: /policy default-months 10%",
            '"10%" is not a value of default-months. It takes: 1–24.',
        ),
        (
            "ana@group: /policy support 101%",
            '"101%" is not a value of support. It takes: 1–10000, 1%–100%.',
        ),
        (
            "ana@group: /policy support 99999999999999999999",
            '"99999999999999999999" is not a value of support. It takes: 1–10000, 1%–100%.',
        ),
        (
            "ana@group: /policy support ３",
            "support is already 3; nothing changed.",
        ),
        ("ana@group: /policy decide admins", "decide is already admins; nothing changed."),
        (
            "ana@group: /policy approval",
            "Use it like this: /policy · /policy <name> <value> — for example "
            "/policy approval assembly",
        ),
        ("ben@group: /policy approval assembly", None),
    ],
)
def test_a_bad_policy_change_is_refused_and_changes_nothing(
    commune: ConsoleChat, line: str, answer: str | None
) -> None:
    before = commune.snapshot()
    said = commune.say(line)
    if answer is not None:
        assert said == [f"[group] {answer}"]
    else:
        assert "admin" in said[0]
    assert commune.snapshot() == before


@ALSO_STORED
def test_a_stranger_by_dm_cannot_read_the_policies(commune: ConsoleChat) -> None:
    assert commune.say("zed@dm: /policy") == [
        "[dm zed] You are not in any commune yet. Say /join in your commune's group."
    ]
    assert commune.say("ben@dm: /policy")[0] == "[dm ben] Policies:"
