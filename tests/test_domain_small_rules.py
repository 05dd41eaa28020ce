"""The domain's small rules that no other domain test reaches on its own.

Retry pauses, who is eligible for a period's dividend, the tally as the results
template reads it, and the table of threshold words. Pure, so they run in the
mutation test of domain/ (docs/mutation.md) without a database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.assemblies import Choice, Tally, Threshold, count_motion, threshold_words
from domain.due import AssemblyReminder, PeriodClearing
from domain.errors import ECHO_LIMIT, Refusal
from domain.model import Member
from domain.periods import Period, end_of_day
from domain.retries import ERROR_LENGTH, JobFailure, failed_again, pause_after

NOW = datetime(2027, 2, 1, 0, 0, tzinfo=UTC)
JOB = PeriodClearing(commune_id=1, when=NOW - timedelta(seconds=5), period=Period(2027, 1))


@pytest.mark.parametrize(
    ("failures", "minutes"),
    [(1, 1), (2, 2), (3, 4), (4, 8), (6, 32), (7, 60), (17, 60), (18, 60), (1000, 60)],
)
def test_pauses_double_up_to_an_hour(failures: int, minutes: int) -> None:
    assert pause_after(failures) == timedelta(minutes=minutes)


@pytest.mark.parametrize("failures", [0, -1])
def test_a_pause_needs_a_failure(failures: int) -> None:
    with pytest.raises(ValueError, match=r"^a pause follows at least one failure$"):
        pause_after(failures)


def test_a_first_failure_starts_a_streak() -> None:
    first = failed_again(None, JOB, NOW, "boom")
    assert first == JobFailure(
        work=JOB,
        failures=1,
        first_failed_at=NOW,
        retry_at=NOW + timedelta(minutes=1),
        error="boom",
    )
    assert first.due_at == NOW - timedelta(seconds=5)


def test_a_failure_again_lengthens_the_streak_and_keeps_its_start() -> None:
    first = failed_again(None, JOB, NOW, "boom")
    later = NOW + timedelta(minutes=1)
    second = failed_again(first, JOB, later, "x" * (ERROR_LENGTH + 1))
    assert (second.failures, second.first_failed_at, second.retry_at) == (
        2,
        NOW,
        later + timedelta(minutes=2),
    )
    assert second.error == "x" * ERROR_LENGTH


def test_a_failed_job_waits_until_its_retry_time() -> None:
    failure = failed_again(None, JOB, NOW, "boom")
    assert failure.waits(failure.retry_at - timedelta(microseconds=1))
    assert not failure.waits(failure.retry_at)


def member(joined_at: datetime, left_at: datetime | None = None) -> Member:
    return Member(id=1, commune_id=1, person_id=1, name="Ana", joined_at=joined_at, left_at=left_at)


def test_only_whole_period_members_still_in_are_eligible() -> None:
    start = datetime(2027, 1, 1, tzinfo=UTC)
    assert member(start - timedelta(seconds=1)).eligible_for(start)
    assert not member(start).eligible_for(start)
    assert not member(start - timedelta(days=1), left_at=start).eligible_for(start)


def test_a_tally_reads_as_yes_no_abstain() -> None:
    tally = Tally().plus(Choice.YES).plus(Choice.NO).plus(Choice.NO).plus(Choice.ABSTAIN)
    assert tally.as_dict() == {"yes": 1, "no": 2, "abstain": 1}


def test_threshold_words_are_a_copy_of_every_word_understood() -> None:
    words = threshold_words()
    assert words["dos tercios"] is Threshold.TWO_THIRDS
    assert words["dos tercos"] is Threshold.TWO_THIRDS  # folded: domain.keywords.fold
    assert words["consens"] is Threshold.CONSENSUS
    assert set(words.values()) == set(Threshold)
    words.clear()
    assert threshold_words()


def test_a_motion_result_keeps_its_threshold() -> None:
    result = count_motion(Threshold.CONSENSUS, [1, 2], {1: Choice.YES}, {})
    assert (result.threshold, result.eligible, result.outcome) == (
        Threshold.CONSENSUS,
        2,
        "carried",
    )


def test_a_vote_with_nobody_eligible_counts_nobody() -> None:
    result = count_motion(Threshold.MAJORITY, [], {1: Choice.YES}, {}, quorum_percent=50)
    assert (result.eligible, result.turnout, result.counted, result.quorum_met) == (0, 0, (), True)


@pytest.mark.parametrize("tz", ["Europe/Madrid", "America/Bogota", "UTC"])
def test_period_bounds_are_given_in_utc(tz: str) -> None:
    # In UTC whatever the server's own zone: storage and comparisons rely on it.
    for moment in (Period(2027, 3).starts_at(tz), end_of_day(NOW.date(), tz)):
        assert getattr(moment.tzinfo, "key", None) == "UTC"


def test_a_refusal_echoes_text_up_to_the_limit_and_cuts_longer_text_with_an_ellipsis() -> None:
    assert Refusal("x", text="a" * ECHO_LIMIT).params == {"text": "a" * ECHO_LIMIT}
    cut = Refusal("x", text="a" * (ECHO_LIMIT + 1), n=10**300).params
    assert cut == {"text": "a" * (ECHO_LIMIT - 1) + "…", "n": 10**300}
    assert len(cut["text"]) == ECHO_LIMIT


def test_a_reminder_is_logged_with_its_assembly_and_which_reminder() -> None:
    reminder = AssemblyReminder(commune_id=3, when=NOW, number=7, which=2)
    assert str(reminder) == "assembly remind for commune 3: #7 (reminder 2)"
