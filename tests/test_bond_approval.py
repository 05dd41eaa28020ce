"""Bonds that need an assembly's approval (issue 12): with the ``approval`` policy at
``assembly``, /propose makes a bond awaiting approval with an ``approve bond`` motion
on the next assembly; pledges wait for the motion to carry, and one that does not
carry closes the bond as not approved."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import ALSO_STORED, ONLY_STORED
from harness import TERRA_SETUP, ConsoleChat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from memory_chat import MemoryChat
from pauses import console, killed_when_paused, pause_closing
from sqlalchemy import text

from domain.actions import ApproveBond
from domain.bonds import BondIssue, IssueStatus
from domain.model import ChangeRecord
from storage.uow import Database

APPROVAL = """
ana@group: /policy approval assembly
"""
WINTER = 'ana@group: /assembly new "Winter assembly" 2026-12-03T18:00 2026-12-03T20:00'
OVEN = "cai@group: /propose Oven 800 20 2027-01-10"
OPENS = ":now 2026-12-03T17:30:00Z"  # 18:30 in Madrid: voting is open
CLOSES = ":now 2026-12-03T19:30:00Z"  # 20:30 in Madrid: closed
WAITS_FOR_WINTER = (
    "[group] Bond #2 waits for the approval of Winter assembly, voting from "
    "Thu 3 Dec 2026 18:00 to Thu 3 Dec 2026 20:00. Pledge once it is approved."
)
WAITS_FOR_NONE = (
    "[group] Bond #2 waits for an assembly's approval until an assembly is set up. "
    "Pledge once it is approved."
)


@pytest.fixture
def terra(rules_chat: Any) -> Any:
    rules_chat.script(TERRA_SETUP)
    rules_chat.script(APPROVAL)
    return rules_chat


def state(chat: Any, number: int = 2) -> tuple[BondIssue | None, list[ChangeRecord]]:
    """Bond ``number`` as stored, and the change records of approvals."""
    factory = (
        chat.store.unit_of_work if isinstance(chat, MemoryChat) else chat.database.unit_of_work
    )
    with factory() as uow:
        commune = uow.communes.by_name("Terra")
        assert commune is not None
        issue = uow.bonds.get(commune.id, number)
        records = [r for r in uow.policies.records(commune.id) if r.kind == "approve_bond"]
    return issue, records


def said(out: list[str], fragment: str) -> bool:
    """Whether a line of ``out`` says ``fragment`` (the results' wording around it may grow)."""
    return any(fragment in line for line in out)


def status(chat: Any, number: int = 2) -> IssueStatus:
    issue, _ = state(chat, number)
    assert issue is not None
    return issue.status


@ALSO_STORED
def test_proposed_with_an_assembly_scheduled_waits_for_its_vote(terra: Any) -> None:
    terra.say(WINTER)
    assert terra.say(OVEN) == [
        "[group] 🏗 Bond #2 — Oven for Pan",
        "[group] Price €800.00 · rent €20.00/month · "
        "once approved, pledges for the rest of that day and 40 more days",
        "[group] ⏳ Awaits the approval of Winter assembly, voting from Thu 3 Dec 2026 18:00 "
        "to Thu 3 Dec 2026 20:00. No pledges until then.",
    ]
    assert status(terra) is IssueStatus.AWAITING
    assert "[group] Motion 1: Approve bond #2 (Oven for Pan) — majority" in terra.say(
        "ben@group: /assembly 1"
    )
    assert terra.say("ben@group: /bond 2") == [
        "[group] 🏗 Bond #2 — Oven for Pan",
        "[group] Price €800.00 · rent €20.00/month",
        "[group] Once approved, pledges for the rest of that day and 40 more days",
        "[group] ⏳ Awaits the approval of Winter assembly, voting from Thu 3 Dec 2026 18:00 "
        "to Thu 3 Dec 2026 20:00. No pledges until then.",
    ]
    assert terra.say("ben@group: /bonds")[-2:] == [
        "[group] 🏗 Bond #2 — Oven for Pan",
        "[group] ⏳ Awaits the approval of Winter assembly, voting from Thu 3 Dec 2026 18:00 "
        "to Thu 3 Dec 2026 20:00. No pledges until then.",
    ]


def _approved(chat: Any) -> list[str]:
    chat.say(WINTER, OVEN, OPENS, "ben@group: /vote 1 yes", "cai@group: /vote 1 yes")
    return chat.say(CLOSES)


@ALSO_STORED
def test_a_carried_approval_opens_pledges_for_the_days_it_had_left(terra: Any) -> None:
    out = _approved(terra)
    assert out[:5] == [
        "[group] 🏗 Bond #2 — Oven for Pan",
        "[group] ✅ Approved by Winter assembly: pledges are open.",
        "[group] Price €800.00 · rent €20.00/month · pledges until Tuesday 12 January 2027, 23:59",
        "[group] ▱▱▱▱▱▱▱▱▱▱ €0.00 of €800.00 (0%)",
        "[group] Pledge with /pledge 2 <amount>",
    ]
    assert said(out, "Approve bond #2 (Oven for Pan) — CARRIED: yes 2 · no 0 · abstain 0")
    issue, records = state(terra)
    assert issue is not None and issue.status is IssueStatus.OPEN
    # Proposed on 1 Dec for 10 Jan: 40 days; approved on 3 Dec, so until 12 Jan, Madrid.
    assert issue.deadline.isoformat() == "2027-01-12T23:00:00+00:00"
    assert [(r.subject, r.before, r.after) for r in records] == [
        ("bond #2", "awaiting", "open until 2027-01-12T23:00:00+00:00")
    ]
    assert records[0].motion_id is not None and records[0].member_id is None
    assert terra.say("ben@group: /pledge 2 100")[0] == "[group] ✋ ben pledged €100.00 to bond #2."


def test_the_approval_is_carried_out_once(terra: Any) -> None:
    _approved(terra)
    assert terra.say(":advance 7d") == []
    _, records = state(terra)
    assert len(records) == 1


@ALSO_STORED
def test_a_rejected_approval_closes_the_bond_and_tells_the_proposer(terra: Any) -> None:
    terra.say(WINTER, OVEN, OPENS, "ben@group: /vote 1 no", "cai@group: /vote 1 yes")
    terra.say("dee@group: /vote 1 no")
    out = terra.say(CLOSES)
    assert out[0] == (
        "[dm cai] Bond #2 (Oven) was not approved by the assembly: it is closed, and no "
        "pledges were taken. You may propose it again."
    )
    assert said(out, "Approve bond #2 (Oven for Pan) — rejected: yes 1 · no 2 · abstain 0")
    issue, records = state(terra)
    assert issue is not None and issue.status is IssueStatus.NOT_APPROVED
    assert issue.closed_at == datetime(2026, 12, 3, 19, 0, tzinfo=UTC)  # the close, 20:00
    assert [(r.before, r.after) for r in records] == [("awaiting", "not_approved")]
    assert terra.say("ben@group: /bond 2")[-1] == (
        "[group] Not approved by the assembly: it is closed."
    )
    assert "Oven" not in " ".join(terra.say("ben@group: /bonds"))


def test_an_approval_without_quorum_is_not_approved(terra: Any) -> None:
    terra.say(
        'ana@group: /assembly new "Winter assembly" 2026-12-03T18:00 2026-12-03T20:00 quorum 75%'
    )
    terra.say(OVEN, OPENS, "ben@group: /vote 1 yes")
    out = terra.say(CLOSES)
    assert said(out, "Approve bond #2 (Oven for Pan) — no quorum: yes 1 · no 0 · abstain 0")
    assert out[0].startswith("[dm cai] Bond #2 (Oven) was not approved")
    assert status(terra) is IssueStatus.NOT_APPROVED


@ALSO_STORED
def test_without_an_assembly_the_admins_are_told_and_the_next_one_takes_it(terra: Any) -> None:
    out = terra.say(OVEN)
    assert out == [
        "[group] 🏗 Bond #2 — Oven for Pan",
        "[group] Price €800.00 · rent €20.00/month · "
        "once approved, pledges for the rest of that day and 40 more days",
        "[group] ⏳ Awaits an assembly's approval; no assembly is scheduled yet, and the next "
        "one set up votes on it. No pledges until then.",
        "[dm ana] Bond #2 (Oven) needs an assembly's approval, and no assembly is scheduled. "
        "Set one up with /assembly new: its approval motion joins it.",
    ]
    before = terra.snapshot()
    assert terra.say("ben@group: /pledge 2 100") == [WAITS_FOR_NONE]
    assert terra.snapshot() == before
    out = terra.say(WINTER)
    assert "[group] Motion 1: Approve bond #2 (Oven for Pan) — majority" in out
    assert terra.say("ben@group: /pledge 2 100") == [WAITS_FOR_WINTER]
    # A second assembly does not vote on it again.
    out = terra.say('ana@group: /assembly new "Later" 2026-12-10T18:00 2026-12-10T20:00')
    assert not [line for line in out if "Approve bond" in line]


def test_an_assembly_already_open_leaves_it_to_the_next_one(terra: Any) -> None:
    terra.say(WINTER, OPENS)
    out = terra.say(OVEN)
    assert out[-1].startswith("[dm ana] Bond #2 (Oven) needs an assembly's approval")
    assert "Approve bond" not in " ".join(terra.say("ben@group: /assembly 1"))


def test_a_repeating_assembly_votes_on_an_approval_once(terra: Any) -> None:
    terra.say(
        'ana@group: /assembly new "Monthly" 2026-12-03T18:00 2026-12-03T20:00 every 4 weeks',
        OVEN,
        OPENS,
        "ben@group: /vote 1 yes",
    )
    out = terra.say(CLOSES)
    assert "[group] Assembly #2: Monthly" in " ".join(out).replace("🗳 ", "")
    assert "Approve bond" not in " ".join(terra.say("ben@group: /assembly 2"))
    assert status(terra) is IssueStatus.OPEN


def test_a_bond_proposed_during_a_repeating_assembly_joins_its_repeat(terra: Any) -> None:
    terra.say(
        'ana@group: /assembly new "Monthly" 2026-12-03T18:00 2026-12-03T20:00 every 4 weeks',
        OPENS,
        OVEN,
    )
    terra.say(CLOSES)
    assert "Approve bond #2 (Oven for Pan)" in " ".join(terra.say("ben@group: /assembly 2"))
    assert terra.say("ben@group: /pledge 2 100")[0].startswith(
        "[group] Bond #2 waits for the approval of Monthly, voting from Thu 31 Dec 2026 18:00"
    )


@ALSO_STORED
def test_withdrawn_before_the_close_the_approval_changes_nothing(terra: Any) -> None:
    terra.say(WINTER, OVEN)
    assert terra.say("cai@group: /withdraw 2") == [
        "[group] 🚫 Bond #2 (Oven) was withdrawn. Pledges are released."
    ]
    terra.say(OPENS, "ben@group: /vote 1 yes")
    out = terra.say(CLOSES)
    assert not [line for line in out if "Oven" in line and "Approved" in line]
    issue, records = state(terra)
    assert issue is not None and issue.status is IssueStatus.WITHDRAWN
    assert records == []


def test_a_rejected_approval_of_a_withdrawn_bond_tells_nobody(terra: Any) -> None:
    terra.say(WINTER, OVEN, "ana@group: /withdraw 2", OPENS)
    out = terra.say(CLOSES)
    assert not [line for line in out if line.startswith("[dm cai]")]
    assert status(terra) is IssueStatus.WITHDRAWN


def test_the_deadline_job_does_not_expire_a_bond_awaiting_approval(terra: Any) -> None:
    terra.say("cai@group: /propose Oven 800 20 2026-12-02", WINTER)
    terra.say(":now 2026-12-03T10:00:00Z")  # its proposed deadline has passed
    assert status(terra) is IssueStatus.AWAITING
    terra.say(OPENS, "ben@group: /vote 1 yes")
    terra.say(CLOSES)
    issue, _ = state(terra)
    assert issue is not None and issue.status is IssueStatus.OPEN
    # 1 day left when proposed on 1 Dec: the rest of 3 Dec and 4 Dec.
    assert issue.deadline.isoformat() == "2026-12-04T23:00:00+00:00"


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("ben@group: /pledge 2 100", WAITS_FOR_WINTER),
        ("ben@group: /unpledge 2", WAITS_FOR_WINTER),
        ("ben@group: /withdraw 2", "[group] Only the proposer of bond #2 or an admin can do that."),
    ],
)
def test_what_waits_for_the_approval_is_refused_and_changes_nothing(
    terra: Any, line: str, answer: str
) -> None:
    terra.say(WINTER, OVEN)
    before = terra.snapshot()
    said = terra.say(line)
    if "Only the proposer" in answer:
        assert said[0].startswith("[group] ") and "#2" in said[0]
    else:
        assert said == [answer]
    assert terra.snapshot() == before


@pytest.mark.parametrize(
    "line",
    ["ben@group: /pledge 2 100", "ben@group: /unpledge 2", "cai@group: /withdraw 2"],
)
def test_a_bond_not_approved_is_closed_to_everything(terra: Any, line: str) -> None:
    terra.say(WINTER, OVEN, OPENS, "ben@group: /vote 1 no", CLOSES)
    before = terra.snapshot()
    assert terra.say(line) == [
        "[group] Bond #2 (Oven) was not approved by the assembly and is closed. /bonds lists "
        "the ones still open."
    ]
    assert terra.snapshot() == before


def test_the_propose_form_makes_the_bond_await_approval_too(terra: Any) -> None:
    terra.say(WINTER, "cai@group: /propose", "cai@group: Oven", "cai@group: 800")
    out = terra.say("cai@group: 20", "cai@group: 2027-01-10")
    assert (
        "[group] ⏳ Awaits the approval of Winter assembly, voting from Thu 3 Dec 2026 18:00 "
        in (" ".join(out) + " ").replace("No pledges until then.", "")
    )
    assert status(terra) is IssueStatus.AWAITING


def test_without_the_policy_a_bond_opens_at_once(rules_chat: Any) -> None:
    rules_chat.script(TERRA_SETUP)
    rules_chat.say(WINTER)
    assert rules_chat.say(OVEN)[1] == (
        "[group] Price €800.00 · rent €20.00/month · pledges until Sunday 10 January 2027, 23:59"
    )
    assert status(rules_chat) is IssueStatus.OPEN


@ONLY_STORED
def test_propose_await_approve_pledge_clear_and_repay(terra: ConsoleChat) -> None:
    """The whole flow on each database: the approved bond clears, is leased, repaid."""
    _approved(terra)
    terra.say("ana@group: /pledge 2 500")
    out = terra.say("ben@group: /pledge 2 300")
    assert out[2].startswith("[group] ✅ Bond #2 cleared: €800.00 from 2 members. Pan leases")
    out = terra.say(":now 2027-01-15T10:00:00Z", "ana@group: /rent 2 20")
    out = terra.say(":now 2027-02-01T09:00:00Z")
    assert "[group] 📒 Clearing for January 2027 — Terra" in out
    assert any(line.startswith("[dm ben]") and "Oven" in line for line in out)
    assert status(terra) is IssueStatus.CLEARED


# the approval is executed exactly once, and only when it carried --------------------

VOTERS = ("ana", "ben", "cai", "dee")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    votes=st.dictionaries(st.sampled_from(VOTERS), st.sampled_from(["yes", "no", "abstain"])),
    withdrawn=st.booleans(),
    later=st.lists(st.sampled_from(["1h", "1d", "7d"]), max_size=3),
)
def test_an_approval_is_carried_out_once_and_only_when_carried(
    votes: dict[str, str], withdrawn: bool, later: list[str]
) -> None:
    chat = MemoryChat()
    chat.script(TERRA_SETUP)
    chat.script(APPROVAL)
    chat.say(WINTER, OVEN, OPENS)
    if withdrawn:
        chat.say("cai@group: /withdraw 2")
    chat.say(*[f"{who}@group: /vote 1 {choice}" for who, choice in votes.items()])
    out = chat.say(CLOSES, *[f":advance {step}" for step in later])
    yes = sum(1 for choice in votes.values() if choice == "yes")
    no = sum(1 for choice in votes.values() if choice == "no")
    carried = yes > no
    issue, records = state(chat)
    assert issue is not None
    approvals = [line for line in out if "✅ Approved by Winter assembly" in line]
    if withdrawn:
        assert issue.status is IssueStatus.WITHDRAWN and records == [] and approvals == []
    elif carried:
        assert issue.status is IssueStatus.OPEN
        assert [r.after.split()[0] for r in records] == ["open"]
        assert len(approvals) == 1
    else:
        assert issue.status is IssueStatus.NOT_APPROVED
        assert [r.after for r in records] == ["not_approved"] and approvals == []


def test_the_action_of_an_approval_motion_is_stored(terra: Any) -> None:
    terra.say(WINTER, OVEN)
    with terra.store.unit_of_work() as uow:
        commune = uow.communes.by_name("Terra")
        assert commune is not None
        motion = uow.assemblies.motion(commune.id, 1)
    assert motion is not None and motion.action == ApproveBond(2)


# killed at the close, restarted ------------------------------------------------------

KILLED_SCRIPT = "\n".join(
    [
        TERRA_SETUP.strip(),
        APPROVAL.strip(),
        WINTER,
        OVEN,
        OPENS,
        "ben@group: /vote 1 yes",
        "cai@group: /vote 1 yes",
        CLOSES,
    ]
)


def _approval_trace(url: str) -> tuple[list[tuple], list[tuple], int]:
    """Bond #2's row, the approval's change records and its announcements, without ids."""
    database = Database(url)
    with database.engine.connect() as connection:
        issue = connection.execute(
            text("SELECT status, deadline, closed_at FROM bond_issue WHERE number = 2")
        ).all()
        records = connection.execute(
            text("SELECT kind, subject, before, after FROM change_record WHERE kind = :k"),
            {"k": "approve_bond"},
        ).all()
        announced = connection.execute(
            text("SELECT count(*) FROM outbox WHERE template = 'bond_new' AND context LIKE :c"),
            {"c": "%approved_by%"},
        ).scalar_one()
    database.dispose()
    return [tuple(r) for r in issue], [tuple(r) for r in records], int(announced)


@pytest.mark.slow
def test_killed_at_the_close_the_restart_approves_the_bond_once(
    database_url: str, tmp_path: Path
) -> None:
    script = tmp_path / "approval.txt"
    script.write_text(KILLED_SCRIPT + "\n")
    marker = tmp_path / "closing"
    killed_when_paused(console(database_url, script, pause_closing(1, marker)), marker, "the close")
    issue, records, announced = _approval_trace(database_url)
    assert [row[0] for row in issue] == ["awaiting"] and records == [] and announced == 0

    resume = tmp_path / "resume.txt"
    resume.write_text(":advance 1s\n:advance 7d\n")
    assert console(database_url, resume).wait(120) == 0
    issue, records, announced = _approval_trace(database_url)
    assert [row[0] for row in issue] == ["open"]
    assert [r[3] for r in records] == ["open until 2027-01-12T23:00:00+00:00"]
    assert announced == 1
