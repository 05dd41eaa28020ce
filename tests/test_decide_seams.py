"""Where the four parts of issue 12 meet: the /assembly form's action motions, a
member's action proposal, the policies an assembly decides, weighted votes on actions.

Each part has its own tests (test_action_motions, test_bond_approval, test_proposals,
test_assemblies); these drive them together, as a commune would.
"""

from __future__ import annotations

import pytest
from harness import ConsoleChat
from test_action_motions import LEASED, carried

FORM = (
    "ana@group: /assembly",
    "ana@group: December assembly",
    "ana@group: 2026-12-10T18:00",
    "ana@group: 2h",
    "ana@group: none",
    "ana@group: no",
    "ana@group: no",
    "ana@group: no",
    "ana@group: 100%",
)


@pytest.fixture
def leased(rules_chat: ConsoleChat) -> ConsoleChat:
    """LEASED without its assembly: the /assembly form sets that up here."""
    rules_chat.script(LEASED.split(":now 2026-12-03")[0] + ":now 2026-12-03T09:00:00Z\n")
    return rules_chat


def test_the_assembly_form_takes_action_motions_and_writes_them_out(leased) -> None:
    leased.say(*FORM)
    assert leased.say('ana@group: rent 1 350 "The tractor got a cab" — two-thirds') == [
        "[group] Motion 1 noted. Next motion, or done."
    ]
    leased.say(
        "ana@group: role ben treasurer",
        "ana@group: policy approval assembly",
        "ana@group: End the meeting at nine — two-thirds",
    )
    summary = leased.say("ana@group: done")
    assert summary[3:7] == [
        "[group] 1. From January 2027, bond #1 (Tractor for Tierra) pays €350.00 a month: The "
        "tractor got a cab — two-thirds",
        "[group] 2. Make ben treasurer — two-thirds",
        "[group] 3. Set the policy approval to assembly — two-thirds",
        "[group] 4. End the meeting at nine — two-thirds",
    ]
    leased.say("ana@group: yes")
    assert leased.say("cai@group: /assembly 1")[2:6] == [
        "[group] Motion 1: From January 2027, bond #1 (Tractor for Tierra) pays €350.00 a "
        "month: The tractor got a cab — two-thirds",
        "[group] Motion 2: Make ben treasurer — two-thirds",
        "[group] Motion 3: Set the policy approval to assembly — two-thirds",
        "[group] Motion 4: End the meeting at nine — two-thirds",
    ]
    results = carried(leased, 1, 2, 3, 4)
    assert [line for line in results if "→" in line] == [
        "[group] → carried out: from January 2027 the Tractor's lease pays €350.00 a month",
        "[group] → carried out: ben's role is now treasurer",
        "[group] → carried out: the policy approval is now assembly (it was none)",
    ]


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("rent 9 350", "There is no bond #9. /bonds lists the open ones."),
        ("rent 1 -5", "The amount must be more than zero, e.g. 500 or 12.50"),
        (
            "role zed treasurer",
            "There is no member called zed. Use the name they have in this chat.",
        ),
        (
            "role ben treasurer majority",
            "This motion needs two-thirds at least, so it cannot ask for majority. Leave the "
            "threshold out, or ask for more.",
        ),
        ("policy approval never", '"never" is not a value of approval. It takes: none, assembly.'),
        (
            "end lease 2",
            "Bond #2 (Oven) is not leased, so no rent is due on it. /bond 2 shows where it stands.",
        ),
        (
            "approve bond 1",
            "Bond #1 (Tractor) is not awaiting approval, so there is nothing to approve.",
        ),
    ],
)
def test_an_action_the_form_cannot_take_is_refused_and_asked_again(leased, line, answer) -> None:
    leased.say(*FORM, "ana@group: Buy a tractor")
    before = leased.snapshot()
    assert leased.say(f"ana@group: {line}") == [
        f"[group] {answer}",
        "[group] Next motion, or done.",
    ]
    assert leased.snapshot() == before
