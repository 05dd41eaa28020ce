"""Flood control at its edges: the smallest limits, a bucket exactly full, a wait of a
microsecond more than whole seconds.

tests/test_trust_flood.py shows the bucket through a flood and checks the storage's
statement against it; these pin the boundaries of the arithmetic. Pure, so they run in
the mutation test of domain/ (docs/mutation.md).
"""

from __future__ import annotations

import pytest

from domain.flood import MICROSECONDS, Bucket, FloodLimit, Verdict

NOW = 1_800_000_000 * MICROSECONDS
LIMIT = FloodLimit(per_minute=10, burst=5)  # a token every 6 s, 4 tokens ahead allowed
SECOND = MICROSECONDS


def test_one_a_minute_and_a_burst_of_one_is_the_strictest_limit() -> None:
    strictest = FloodLimit(per_minute=1, burst=1)
    assert (strictest.interval, strictest.tolerance) == (60 * SECOND, 0)
    first = strictest.step(None, NOW)
    assert first == Bucket(NOW + 60 * SECOND, Verdict.ADMIT)
    assert strictest.step(first, NOW + 60 * SECOND - 1).verdict is Verdict.WARN
    assert strictest.step(first, NOW + 60 * SECOND).verdict is Verdict.ADMIT


@pytest.mark.parametrize(("per_minute", "burst"), [(0, 5), (10, 0), (0, 0), (-1, 5), (10, -1)])
def test_a_limit_below_one_is_refused_with_why(per_minute: int, burst: int) -> None:
    with pytest.raises(ValueError) as refused:
        FloodLimit(per_minute=per_minute, burst=burst)
    assert str(refused.value) == (
        "a flood limit needs at least one message a minute and a burst of 1"
    )


def test_the_interval_is_whole_microseconds_cut_down() -> None:
    assert FloodLimit(per_minute=7, burst=3).interval == 8_571_428
    assert FloodLimit(per_minute=7, burst=3).tolerance == 2 * 8_571_428


@pytest.mark.parametrize("before", list(Verdict))
def test_a_bucket_exactly_full_admits_and_forgets_any_warning(before: Verdict) -> None:
    assert LIMIT.step(Bucket(NOW, before), NOW) == Bucket(NOW + 6 * SECOND, Verdict.ADMIT)
    # A microsecond short of full, the earlier warning is still remembered.
    almost = LIMIT.step(Bucket(NOW + 1, before), NOW)
    assert almost.tat == NOW + 1 + 6 * SECOND
    assert almost.verdict is (Verdict.ADMIT if before is Verdict.ADMIT else Verdict.ADMIT_WARNED)


def test_the_last_token_of_the_burst_is_admitted_and_the_next_is_not() -> None:
    edge = NOW + LIMIT.tolerance
    assert LIMIT.step(Bucket(edge, Verdict.ADMIT), NOW) == Bucket(edge + 6 * SECOND, Verdict.ADMIT)
    assert LIMIT.step(Bucket(edge + 1, Verdict.ADMIT), NOW) == Bucket(edge + 1, Verdict.WARN)
    for warned in (Verdict.ADMIT_WARNED, Verdict.WARN, Verdict.SILENT):
        assert LIMIT.step(Bucket(edge + 1, warned), NOW) == Bucket(edge + 1, Verdict.SILENT)


@pytest.mark.parametrize(
    ("over", "seconds"),
    [(-10 * SECOND, 1), (0, 1), (1, 1), (SECOND, 1), (SECOND + 1, 2), (6 * SECOND, 6)],
)
def test_the_wait_is_rounded_up_to_whole_seconds_and_is_at_least_one(
    over: int, seconds: int
) -> None:
    bucket = Bucket(NOW + LIMIT.tolerance + over, Verdict.WARN)
    assert LIMIT.wait_seconds(bucket, NOW) == seconds


def test_only_the_two_admitting_verdicts_are_admitted() -> None:
    assert [verdict.admitted for verdict in Verdict] == [True, True, False, False]
