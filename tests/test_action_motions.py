"""Motions that act: rent, end lease, role and policy, decided by an assembly (issue 12).

Each action is checked when the motion is made, carried out at the close in the
close's transaction with a change record naming the motion, or, when no longer
possible, left undone with the reason in the results.
"""

from __future__ import annotations

import json
import subprocess
from contextlib import AbstractContextManager
from typing import Any

import pytest
from conftest import ALSO_STORED, ONLY_STORED
from harness import ConsoleChat
from test_assemblies import MINGA

from domain.model import ChangeRecord
from domain.ports import UnitOfWork
from handlers.check import find_discrepancies

# Bond #1 (the Tractor, for Tierra) clears on 1 December 2026 and is leased from
# January; the December assembly votes on the 10th, 18:00-20:00 in Madrid.
LEASED = """
:now 2026-12-01T09:00:00Z
:admin ana group
ana@group: /setup Terra EUR Europe/Madrid
ana@group: /coop new Tierra
ana@group: /join Tierra
ben@group: /join Tierra
cai@group: /join Tierra
ben@group: /propose Tractor 1000 300 2026-12-31
ana@group: /pledge 1 600
ben@group: /pledge 1 400
ben@group: /propose Oven 500 50 2026-12-31
:now 2026-12-03T09:00:00Z
ana@group: /assembly new "December assembly" 2026-12-10T18:00 2026-12-10T20:00
"""
OPENS, CLOSES = ":now 2026-12-10T17:00:00Z", ":now 2026-12-10T19:00:00Z"
ALL_YES = ("ana@group: /vote {n} yes", "ben@group: /vote {n} yes", "cai@group: /vote {n} yes")


@pytest.fixture
def leased(rules_chat: ConsoleChat) -> ConsoleChat:
    rules_chat.script(LEASED)
    return rules_chat


def unit_of_work(chat: Any) -> AbstractContextManager[UnitOfWork]:
    """The chat's own store: in memory, or its database."""
    return (chat.store if hasattr(chat, "store") else chat.database).unit_of_work()


def records(chat: Any) -> list[ChangeRecord]:
    with unit_of_work(chat) as uow:
        commune = uow.communes.by_name("Terra")
        assert commune is not None
        return uow.policies.records(commune.id)


def carried(chat: ConsoleChat, *motions: int) -> list[str]:
    """Open the vote, everyone votes yes on ``motions``, and the assembly closes."""
    chat.say(OPENS)
    for n in motions:
        chat.say(*(line.format(n=n) for line in ALL_YES))
    return chat.say(CLOSES)


@ALSO_STORED
def test_a_rent_motion_changes_what_the_lease_pays_from_the_next_period(
    leased: ConsoleChat,
) -> None:
    assert leased.say('ana@group: /motion 1 rent 1 350 "The tractor got a cab"') == [
        "[group] Motion 1 added to December assembly: From January 2027, bond #1 (Tractor for "
        "Tierra) pays €350.00 a month: The tractor got a cab — majority"
    ]
    results = carried(leased, 1)
    assert results[:3] == [
        "[group] 🗳 December assembly — results (turnout 3 of 3)",
        "[group] 1. From January 2027, bond #1 (Tractor for Tierra) pays €350.00 a month: The "
        "tractor got a cab — CARRIED: yes 3 · no 0 · abstain 0",
        "[group] → carried out: from January 2027 the Tractor's lease pays €350.00 a month",
    ]
    assert leased.say("ben@group: /assembly 1")[1:3] == results[1:3]
    assert leased.say("ben@group: /bond 1")[1:2] + leased.say("ben@group: /bond 1")[-1:] == [
        "[group] Price €1,000.00 · rent €300.00/month",
        "[group] From January 2027 the rent is €350.00/month.",
    ]
    (record,) = records(leased)
    assert (record.kind, record.subject, record.before, record.after) == (
        "rent",
        "#1",
        "30000",
        "35000",
    )
    assert record.motion_id is not None and record.member_id is None


def test_the_motion_reads_in_each_members_language(leased: ConsoleChat) -> None:
    leased.say("cai@group: /lang es")
    leased.say("ana@group: /motion 1 rent 1 350", "ana@group: /motion 1 role ben treasurer")
    agenda = leased.say("cai@group: /assembly 1")
    assert agenda[2:4] == [
        "[group] Moción 1: Desde enero de 2027, el bono #1 (Tractor para Tierra) paga 350,00\xa0€ "
        "al mes — mayoría",
        "[group] Moción 2: Hacer tesorero/a a ben — dos tercios",
    ]


def test_an_end_lease_motion_ends_the_lease_with_the_closing_period(leased: ConsoleChat) -> None:
    assert leased.say("ana@group: /motion 1 end lease 1") == [
        "[group] Motion 1 added to December assembly: End the lease of bond #1 (Tractor for "
        "Tierra) with December 2026 — majority"
    ]
    assert carried(leased, 1)[2] == (
        "[group] → carried out: the Tractor's lease ends with December 2026; no rent is due "
        "after it"
    )
    assert leased.say("ana@group: /bond 1")[-1] == (
        "[group] The lease ended with December 2026: no rent is due after it."
    )
    leased.say("ana@group: /role ana treasurer")
    before = leased.snapshot()
    assert leased.say("ana@group: /rent 1 300") == [
        "[group] The lease of bond #1 (Tractor) ended with December 2026: no rent is due after "
        "it. /bond 1 shows where it stands."
    ]
    assert leased.snapshot() == before
    (record,) = records(leased)
    assert (record.kind, record.after) == ("end_lease", "2026-12")


@ONLY_STORED
def test_a_lease_ended_after_rent_was_booked_for_its_first_month_keeps_that_month(
    leased: ConsoleChat,
) -> None:
    leased.say("ana@group: /role ana treasurer", "ana@group: /rent 1 300")  # into January
    leased.say("ana@group: /motion 1 end lease 1")
    assert carried(leased, 1)[2] == (
        "[group] → carried out: the Tractor's lease ends with January 2027; no rent is due after it"
    )
    leased.say(":now 2027-02-02T09:00:00Z")  # January cleared with its rent
    with unit_of_work(leased) as uow:
        assert find_discrepancies(uow) == []


def test_a_role_motion_gives_the_role(leased: ConsoleChat) -> None:
    assert leased.say("ana@group: /motion 1 role ben treasurer") == [
        "[group] Motion 1 added to December assembly: Make ben treasurer — two-thirds"
    ]
    assert carried(leased, 1)[2] == "[group] → carried out: ben's role is now treasurer"
    (record,) = records(leased)
    assert (record.kind, record.subject, record.before, record.after) == (
        "role",
        "ben",
        "member",
        "treasurer",
    )
    leased.say("ben@group: /rent 1 300")  # a treasurer's command: ben may use it now


def test_a_policy_motion_sets_the_policy(leased: ConsoleChat) -> None:
    assert leased.say("ana@group: /motion 1 policy approval assembly") == [
        "[group] Motion 1 added to December assembly: Set the policy approval to assembly — "
        "two-thirds"
    ]
    assert carried(leased, 1)[2] == (
        "[group] → carried out: the policy approval is now assembly (it was none)"
    )
    assert "[group] approval: assembly" in leased.say("ben@group: /policy")[2]
    (record,) = records(leased)
    assert (record.kind, record.subject, record.before, record.after) == (
        "policy",
        "approval",
        "none",
        "assembly",
    )


def test_a_rejected_action_motion_changes_nothing(leased: ConsoleChat) -> None:
    leased.say("ana@group: /motion 1 role ben admin", OPENS)
    leased.say("ana@group: /vote 1 yes", "ben@group: /vote 1 no")
    results = leased.say(CLOSES)
    assert results[1] == (
        "[group] 1. Make ben an admin — rejected: yes 1 · no 1 · abstain 0 (needs two-thirds)"
    )
    assert not any(line.startswith("[group] →") for line in results)
    assert records(leased) == []


def test_an_action_no_longer_possible_at_the_close_says_so_and_changes_nothing(
    leased: ConsoleChat,
) -> None:
    leased.say(
        "ana@group: /motion 1 end lease 1",
        "ana@group: /motion 1 end lease 1",
        "ana@group: /motion 1 rent 1 350",
        "ana@group: /motion 1 role cai admin",
        "ana@group: /motion 1 policy support 5",
        "ana@group: /motion 1 policy support 5",
        "ana@group: /motion 1 role ana member",
        "ana@group: /motion 1 role ben member",
    )
    leased.say("cai@group: /leave")
    results = carried(leased, *range(1, 9))
    notes = [line for line in results if line.startswith("[group] →")]
    assert notes == [
        "[group] → carried out: the Tractor's lease ends with December 2026; no rent is due "
        "after it",
        "[group] → not carried out: the lease of bond #1 had already ended",
        "[group] → not carried out: the lease of bond #1 had already ended",
        "[group] → not carried out: cai is no longer a member",
        "[group] → carried out: the policy support is now 5 (it was 3)",
        "[group] → not carried out: the policy support was already 5",
        "[group] → not carried out: ana is the last admin",
        "[group] → not carried out: ben already had the role member",
    ]
    assert [r.kind for r in records(leased)] == ["end_lease", "policy"]


REFUSALS = [
    (
        "ana@group: /motion 1 role ben treasurer majority",
        "This motion needs two-thirds at least, so it cannot ask for majority. Leave the "
        "threshold out, or ask for more.",
    ),
    (
        "ana@group: /motion 1 policy approval assembly majority",
        "This motion needs two-thirds at least, so it cannot ask for majority. Leave the "
        "threshold out, or ask for more.",
    ),
    ("ana@group: /motion 1 rent 7 100", "There is no bond #7. /bonds lists the open ones."),
    (
        "ana@group: /motion 1 rent 2 100",
        "Bond #2 (Oven) is not leased, so no rent is due on it. /bond 2 shows where it stands.",
    ),
    (
        "ana@group: /motion 1 end lease 2",
        "Bond #2 (Oven) is not leased, so no rent is due on it. /bond 2 shows where it stands.",
    ),
    ("ana@group: /motion 1 rent 1 0", None),
    ("ana@group: /motion 1 rent 1 lots", None),
    ("ana@group: /motion 1 rent 1", None),
    ("ana@group: /motion 1 end the lease 1", None),
    ("ana@group: /motion 1 role zed admin", None),
    ("ana@group: /motion 1 role ben king", None),
    ("ana@group: /motion 1 policy colour red", None),
    ("ana@group: /motion 1 policy approval maybe", None),
    ("ana@group: /motion 1 approve bond 9", "There is no bond #9. /bonds lists the open ones."),
    ('ana@group: /motion 1 role ben admin "one" "two"', None),
    ("eve@group: /motion 1 role ben admin", None),  # not a member
    ("ana@group: /motion 2 role ben admin", None),
]


@pytest.mark.parametrize(("line", "refusal"), REFUSALS)
def test_each_refusal_has_its_message_and_changes_nothing(
    leased: ConsoleChat, line: str, refusal: str | None
) -> None:
    before = leased.snapshot()
    out = leased.say(line)
    assert len(out) == 1 and out[0].startswith("[group] ")
    if refusal is not None:
        assert out == [f"[group] {refusal}"]
    assert "Motion" not in out[0]
    assert leased.snapshot() == before


def test_refusals_name_what_was_wrong(leased: ConsoleChat) -> None:
    said = {line: leased.say(line)[0] for line, _ in REFUSALS}
    assert (
        said["ana@group: /motion 1 rent 1 0"]
        == "[group] The amount must be more than zero, e.g. 500 or 12.50"
    )
    assert "/motion 1 end lease 1" in said["ana@group: /motion 1 end the lease 1"]
    assert "/motion 1 rent 1 350" in said["ana@group: /motion 1 rent 1"]
    assert "zed" in said["ana@group: /motion 1 role zed admin"]
    assert "king" in said["ana@group: /motion 1 role ben king"]
    assert "colour" in said["ana@group: /motion 1 policy colour red"]
    assert "maybe" in said["ana@group: /motion 1 policy approval maybe"]


def test_a_text_motion_is_written_as_before(leased: ConsoleChat) -> None:
    assert leased.say(
        'ana@group: /motion 1 "Rent" two-thirds', 'ana@group: /motion 1 "policy"'
    ) == [
        "[group] Motion 1 added to December assembly: Rent — two-thirds",
        "[group] Motion 2 added to December assembly: policy — majority",
    ]


REPORT = ("--assembly", "1", "--json")


@ONLY_STORED
def test_the_report_names_each_action_and_whether_it_was_carried_out(
    leased: ConsoleChat,
) -> None:
    leased.say(
        'ana@group: /motion 1 "Buy a tractor"',
        'ana@group: /motion 1 rent 1 350 "A cab"',
        "ana@group: /motion 1 end lease 1",
        "ana@group: /motion 1 role ben treasurer",
        "ana@group: /motion 1 policy approval assembly",
    )
    leased.say(OPENS)
    for n in (1, 2, 4, 5):
        leased.say(*(line.format(n=n) for line in ALL_YES))
    leased.say("ana@group: /vote 3 no")
    leased.say(CLOSES)
    with unit_of_work(leased) as uow:
        assert find_discrepancies(uow) == []  # minga check: the books still hold
    report = json.loads(
        subprocess.run(
            [str(MINGA), "assembly-report", "--db", leased.url, "--commune", "Terra", *REPORT],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
    )
    shown = [(m["text"], m["action"], m["executed"]) for m in report["motions"]]
    assert shown == [
        ("Buy a tractor", None, False),
        (
            "From January 2027, bond #1 (Tractor for Tierra) pays €350.00 a month: A cab",
            {"kind": "rent", "bond": 1, "amount": "350.00"},
            True,
        ),
        (
            "End the lease of bond #1 (Tractor for Tierra) with December 2026",
            {"kind": "end_lease", "bond": 1},
            False,
        ),
        ("Make ben treasurer", {"kind": "role", "member": "ben", "role": "treasurer"}, True),
        (
            "Set the policy approval to assembly",
            {"kind": "policy", "name": "approval", "value": "assembly"},
            True,
        ),
    ]
