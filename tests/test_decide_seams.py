"""Where the four parts of issue 12 meet: the /assembly form's action motions, a
member's action proposal, the policies an assembly decides, weighted votes on actions.

Each part has its own tests (test_action_motions, test_bond_approval, test_proposals,
test_assemblies); these drive them together, as a commune would.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ALSO_STORED
from harness import ConsoleChat
from test_action_motions import CLOSES, LEASED, OPENS, carried, records, unit_of_work

from handlers.assembly_results import report

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
def december(rules_chat: ConsoleChat) -> ConsoleChat:
    """Terra (ana admin; ben, cai members) with bond #1 leased and December assembly
    (#1, votes 10 December 18:00-20:00 in Madrid) scheduled."""
    rules_chat.script(LEASED)
    return rules_chat


def first_report(chat: Any, number: int = 1) -> list[dict[str, Any]]:
    """The motions of ``minga assembly-report --json`` for assembly ``number``."""
    with unit_of_work(chat) as uow:
        commune = uow.communes.by_name("Terra")
        assert commune is not None
        return report(uow, uow.assemblies.get(commune.id, number))["motions"]


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
        (
            "relet 1 Tierra 250",
            "The lease of bond #1 (Tractor) has not ended: an assembly ends it first, with "
            "/motion <assembly> end lease 1.",
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


# --- a member's action proposal -------------------------------------------------------------


@ALSO_STORED
def test_a_members_action_proposal_is_supported_carried_and_carried_out(december) -> None:
    december.say("ana@group: /policy support 2")
    assert december.say("ben@group: /motion 1 rent 1 350") == [
        "[group] 📝 ben proposes motion 1 for December assembly: From January 2027, bond #1 "
        "(Tractor for Tierra) pays €350.00 a month — majority",
        "[group] 1 of 2 supporters. It goes on the agenda with 2: /support 1",
    ]
    assert december.say("ben@group: /support 1") == [
        "[group] You already support motion 1 (From January 2027, bond #1 (Tractor for Tierra) "
        "pays €350.00 a month): 1 of 2 supporters."
    ]
    assert december.say("cai@group: /support 1") == [
        "[group] 👍 cai supports motion 1 (From January 2027, bond #1 (Tractor for Tierra) pays "
        "€350.00 a month): 2 of 2 supporters.",
        "[group] ✅ Motion 1 is on the agenda of December assembly: it is voted on when voting "
        "opens.",
    ]
    december.say(OPENS, "ana@group: /vote 1 yes", "ben@group: /vote 1 yes", "cai@group: /vote 1 no")
    assert december.say(CLOSES)[1:3] == [
        "[group] 1. From January 2027, bond #1 (Tractor for Tierra) pays €350.00 a month — "
        "CARRIED: yes 2 · no 1 · abstain 0",
        "[group] → carried out: from January 2027 the Tractor's lease pays €350.00 a month",
    ]
    (motion,) = first_report(december)
    assert (motion["supporters"], motion["action"], motion["executed"]) == (
        2,
        {"kind": "rent", "bond": 1, "amount": "350.00"},
        True,
    )
    kinds = [(r.kind, r.before, r.after, r.motion_id is not None) for r in records(december)]
    assert kinds[-1] == ("rent", "30000", "35000", True)


def test_an_unsupported_action_proposal_is_not_voted_on_nor_carried_out(december) -> None:
    december.say("ana@group: /policy support 2")
    december.say('ben@group: /motion 1 role ben treasurer "I keep the books anyway"')
    assert december.say("ben@group: /unsupport 1") == [
        "[group] You proposed motion 1 (Make ben treasurer: I keep the books anyway), so your "
        "support counts as long as it is a proposal."
    ]
    assert december.say("cai@group: /unsupport 1") == [
        "[group] You do not support motion 1 (Make ben treasurer: I keep the books anyway), so "
        "there is nothing to take back."
    ]
    assert december.say(OPENS)[3] == (
        "[group] Motion 1: Make ben treasurer: I keep the books anyway — not supported: 1 of 2 "
        "supporters"
    )
    before = december.snapshot()
    assert december.say("ana@group: /vote 1 yes") == [
        "[group] Motion 1 (Make ben treasurer: I keep the books anyway) is a proposal that did "
        "not find its supporters before voting opened, so it was not put to the vote."
    ]
    assert december.snapshot() == before
    results = december.say(CLOSES)
    assert results[1:3] == [
        "[group] Not supported, so not voted on:",
        "[group] 1. Make ben treasurer: I keep the books anyway — not supported: 1 of 2 supporters",
    ]
    assert not any("carried out" in line for line in results)
    (motion,) = first_report(december)
    assert (motion["outcome"], motion["action"], motion["executed"]) == (
        "not supported",
        {"kind": "role", "member": "ben", "role": "treasurer"},
        False,
    )
    assert [r.kind for r in records(december)] == ["policy"]  # /policy support 2 alone
    assert december.say("ben@group: /role ben treasurer")[0].startswith("[group] Only an admin")


# --- the assembly decides its own policies, then approves a bond ------------------------------

ALL_YES = ("ana@group: /vote {n} yes", "ben@group: /vote {n} yes", "cai@group: /vote {n} yes")


def decided(chat: ConsoleChat, day: int, motion: str) -> list[str]:
    """Assembly on ``day`` December 18:00-20:00 in Madrid, already scheduled, carries
    motion ``motion`` unanimously; the results."""
    chat.say(f":now 2026-12-{day}T17:00:00Z", *(line.format(n=motion) for line in ALL_YES))
    return chat.say(f":now 2026-12-{day}T19:00:00Z")


@ALSO_STORED
def test_the_assembly_takes_over_its_policies_and_then_approves_bonds(december) -> None:
    december.say("ana@group: /motion 1 policy decide assembly")
    assert decided(december, 10, "1")[2] == (
        "[group] → carried out: the policy decide is now assembly (it was admins)"
    )
    before = december.snapshot()
    assert december.say("ana@group: /policy approval assembly") == [
        "[group] This commune changes its policies in assembly. To propose it: /motion "
        "<assembly> policy approval assembly"
    ]
    assert december.snapshot() == before
    december.say(
        'ana@group: /assembly new "Second assembly" 2026-12-15T18:00 2026-12-15T20:00',
        "ana@group: /motion 2 policy approval assembly",
    )
    assert decided(december, 15, "2")[2] == (
        "[group] → carried out: the policy approval is now assembly (it was none)"
    )
    proposed = december.say("ben@group: /propose Plough 800 40 2026-12-31")
    assert proposed[2] == (
        "[group] ⏳ Awaits an assembly's approval; no assembly is scheduled yet, and the next "
        "one set up votes on it. No pledges until then."
    )
    before = december.snapshot()
    assert december.say("ben@group: /pledge 3 100") == [
        "[group] Bond #3 waits for an assembly's approval until an assembly is set up. Pledge "
        "once it is approved."
    ]
    assert december.snapshot() == before
    created = december.say(
        'ana@group: /assembly new "Third assembly" 2026-12-20T18:00 2026-12-20T20:00'
    )
    assert created[2] == "[group] Motion 3: Approve bond #3 (Plough for Tierra) — majority"
    results = decided(december, 20, "3")
    assert "[group] ✅ Approved by Third assembly: pledges are open." in results
    assert (
        "[group] → carried out: bond #3 (Plough) is open for pledges until "
        "Tuesday 5 January 2027, 23:59"
    ) in results
    assert (
        december.say("ben@group: /pledge 3 100")[0] == "[group] ✋ ben pledged €100.00 to bond #3."
    )
    kinds = [(r.kind, r.after, r.motion_id is not None) for r in records(december)]
    assert kinds[:2] == [("policy", "assembly", True), ("policy", "assembly", True)]


# --- weighted remote votes on actions -------------------------------------------------------


@pytest.mark.parametrize("weight", ["remote 50%", ""])
def test_only_the_weighted_outcome_is_carried_out(rules_chat: ConsoleChat, weight: str) -> None:
    """ana in the room, ben and cai remote. Weighted at 50%, the rent change carries
    (1 to 0.5) and the role change falls short (1 to 1); unweighted, the other way."""
    rules_chat.script(LEASED.replace("2026-12-10T20:00\n", f"2026-12-10T20:00 {weight}\n"))
    rules_chat.say("ana@group: /motion 1 rent 1 350", "ana@group: /motion 1 role ben treasurer")
    rules_chat.say(OPENS, "ana@group: /present ana")
    rules_chat.say("ana@group: /vote 1 yes", "ben@group: /vote 1 no", "cai@group: /vote 1 abstain")
    rules_chat.say("ana@group: /vote 2 no", "ben@group: /vote 2 yes", "cai@group: /vote 2 yes")
    results = rules_chat.say(CLOSES)
    notes = [line for line in results if "→" in line]
    rent, role = first_report(rules_chat)
    if weight:
        assert results[1:5] == [
            "[group] 1. From January 2027, bond #1 (Tractor for Tierra) pays €350.00 a month — "
            "CARRIED: yes 1 · no 1 · abstain 1",
            "[group] ↳ in the room: yes 1 · no 0 · abstain 0; remote: yes 0 · no 1 · abstain 1",
            "[group] ↳ weighted: yes 1 · no 0.5",
            "[group] → carried out: from January 2027 the Tractor's lease pays €350.00 a month",
        ]
        assert "[group] ↳ weighted: yes 1 · no 1" in results
        assert notes == [results[4]]
        assert (rent["executed"], role["executed"]) == (True, False)
        assert [r.kind for r in records(rules_chat)] == ["rent"]
    else:
        assert notes == ["[group] → carried out: ben's role is now treasurer"]
        assert (rent["outcome"], rent["executed"], role["executed"]) == ("rejected", False, True)
        assert [r.kind for r in records(rules_chat)] == ["role"]


# --- support as a share of the members ------------------------------------------------------


def test_support_as_a_share_is_counted_against_the_members_at_each_support(december) -> None:
    assert december.say("ana@group: /policy support 50%")[0].endswith(
        "a member's motion goes on the agenda once 50% of the members support it."
    )
    assert december.say("ben@group: /motion 1 end lease 1")[1] == (
        "[group] 1 of 2 supporters. It goes on the agenda with 2: /support 1"
    )
    december.say("dee@group: /join Tierra", "eve@group: /join Tierra")  # five members: 3
    assert december.say("cai@group: /support 1") == [
        "[group] 👍 cai supports motion 1 (End the lease of bond #1 (Tractor for Tierra) with "
        "December 2026): 2 of 3 supporters. /support 1"
    ]
    assert december.say("dee@group: /support 1")[1] == (
        "[group] ✅ Motion 1 is on the agenda of December assembly: it is voted on when voting "
        "opens."
    )
