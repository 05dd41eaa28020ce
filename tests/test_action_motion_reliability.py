"""An action motion is carried out exactly once, and only when it carried: also when
the process is killed at the close and restarted, and whatever the votes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from memory_chat import MemoryChat
from pauses import console, killed_when_paused, pause_closing
from test_action_motions import CLOSES, LEASED, OPENS, records

from storage.uow import Database

MOTIONS = [
    "ana@group: /motion 1 rent 1 350",
    "ana@group: /motion 1 role ben treasurer",
    "ana@group: /motion 1 policy approval assembly",
    "ana@group: /motion 1 end lease 1",
]
VOTERS = ("ana", "ben", "cai")


def _decisions(url: str) -> tuple[list[tuple[str, str, str, int | None]], list[tuple]]:
    database = Database(url)
    try:
        with database.unit_of_work() as uow:
            commune = uow.communes.by_name("Terra")
            assert commune is not None
            changes = [
                (r.kind, r.before, r.after, r.motion_id) for r in uow.policies.records(commune.id)
            ]
            issue = uow.bonds.get(commune.id, 1)
            assert issue is not None
            terms = [(t.from_period, t.rent) for t in uow.bonds.lease_terms(issue.id)]
            return changes, terms
    finally:
        database.dispose()


@pytest.mark.slow
def test_killed_at_the_close_then_restarted_carries_each_action_out_once(
    database_url: str, tmp_path: Path
) -> None:
    votes = [f"{who}@group: /vote {n} yes" for n in (1, 2, 3) for who in VOTERS]
    script = tmp_path / "assembly.txt"
    script.write_text("\n".join([LEASED.strip(), *MOTIONS, OPENS, *votes, CLOSES]) + "\n")
    resume = tmp_path / "resume.txt"
    resume.write_text(":advance 1s\n")

    marker = tmp_path / "closing-started"
    killed_when_paused(console(database_url, script, pause_closing(1, marker)), marker, "the close")
    assert _decisions(database_url) == ([], [])  # nothing was carried out: it died uncommitted

    assert console(database_url, resume).wait(120) == 0
    changes, terms = _decisions(database_url)
    assert [(kind, before, after) for kind, before, after, _ in changes] == [
        ("rent", "30000", "35000"),
        ("role", "member", "treasurer"),
        ("policy", "none", "assembly"),
    ]
    assert terms == [("2027-01", 35000)]
    assert console(database_url, resume).wait(120) == 0  # and once more: nothing new
    assert _decisions(database_url) == (changes, terms)


CHOICES = st.sampled_from(["yes", "no", "abstain", None])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(CHOICES, CHOICES, CHOICES), min_size=4, max_size=4))
def test_an_action_is_carried_out_exactly_once_and_only_when_carried(
    ballots: list[tuple[str | None, str | None, str | None]],
) -> None:
    chat = MemoryChat()
    chat.script(LEASED)
    chat.say(*MOTIONS, OPENS)
    for n, ballot in enumerate(ballots, start=1):
        chat.say(
            *(f"{who}@group: /vote {n} {c}" for who, c in zip(VOTERS, ballot, strict=True) if c)
        )
    results = chat.say(CLOSES)
    outcome = {
        int(line.split(".")[0].removeprefix("[group] ")): "CARRIED" in line
        for line in results
        if line[len("[group] ") : len("[group] ") + 1].isdigit()
    }
    with chat.store.unit_of_work() as uow:
        motions = {m.id: m.number for m in uow.assemblies.motions(1)}
    done = [motions[r.motion_id] for r in records(chat) if r.motion_id is not None]
    assert sorted(done) == sorted(set(done))  # at most once each
    # Each of these actions is possible at the close (the rent changes before the lease
    # ends), so exactly the carried motions are carried out.
    assert sorted(done) == [n for n, passed in sorted(outcome.items()) if passed]
    chat.say(":now 2026-12-10T19:30:00Z")  # the close is not run twice
    assert len(records(chat)) == len(done)
