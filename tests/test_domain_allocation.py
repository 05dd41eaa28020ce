"""Splitting minor units: largest remainder (redemptions) and equal split (dividends).

These two functions decide who gets every cent of a clearing, so the tests pin
both the worked example of PROTOCOL.md and the properties the protocol promises
for *every* input: nothing lost or invented, nobody paid past what they are owed,
and the leftover cents going to the largest fractions, ties to the earlier pledge.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.allocation import equal_split, largest_remainder

# ---------------------------------------------------------------- examples


def test_worked_example_month_one():
    """PROTOCOL.md: 333.33 over holdings of 500/300/200 gives 166.66/100.00/66.67.

    Exact shares 16666.5, 9999.9, 6666.6; floors sum to 33331, the two cents left
    go to the largest fractions (Cai .9, Dee .6), not to Ana (.5).
    """
    assert largest_remainder(33333, [50000, 30000, 20000]) == [16666, 10000, 6667]


def test_ties_go_to_the_earlier_part():
    """Equal fractions: the earlier holding (earlier pledge) gets the cent first."""
    assert largest_remainder(1, [1, 1]) == [1, 0]
    assert largest_remainder(2, [1, 1, 1]) == [1, 1, 0]
    assert largest_remainder(5, [10, 10, 10]) == [2, 2, 1]


def test_tie_between_unequal_weights_still_goes_to_the_earlier_part():
    """Fractions tie even though weights differ: 3 over (1, 3, 2) -> .5, .5, 0."""
    # exact shares: 0.5, 1.5, 1.0 -> floors 0, 1, 1; one cent left, tie .5/.5
    assert largest_remainder(3, [1, 3, 2]) == [1, 1, 1]
    # reversed order: the tie now goes to the weight-3 part, which comes first
    assert largest_remainder(3, [3, 1, 2]) == [2, 0, 1]


def test_zero_weights_get_nothing():
    """A fully repaid holding (outstanding 0) never receives a cent."""
    assert largest_remainder(7, [0, 10, 0, 4]) == [0, 5, 0, 2]
    assert largest_remainder(0, [0, 0]) == [0, 0]
    assert largest_remainder(0, []) == []


def test_positive_amount_over_zero_weights_is_refused():
    """There is nobody to give it to: a programming error, not a silent loss."""
    with pytest.raises(ValueError):
        largest_remainder(1, [0, 0])
    with pytest.raises(ValueError):
        largest_remainder(1, [])


def test_amount_equal_to_total_repays_every_weight_exactly():
    """The last redemption of a lease pays each holding exactly what it is owed."""
    weights = [33334, 20000, 13333]
    assert largest_remainder(sum(weights), weights) == weights


def test_zero_amount_gives_zero_parts():
    assert largest_remainder(0, [5, 7, 9]) == [0, 0, 0]


@pytest.mark.parametrize(
    ("amount", "weights"),
    [(-1, [1]), (1, [-1, 2]), (11, [5, 5])],
    ids=["negative amount", "negative weight", "amount over total"],
)
def test_invalid_inputs_are_refused(amount, weights):
    """Callers cap the amount at what is owed; anything else is a bug to surface."""
    with pytest.raises(ValueError):
        largest_remainder(amount, weights)


def test_equal_split_carries_the_remainder():
    """PROTOCOL.md: a pool of 100.00 among 3 members gives 33.33 each, carry 0.01."""
    assert equal_split(10000, 3) == (3333, 1)


def test_equal_split_with_no_members_carries_everything():
    """With no eligible member the whole pool carries to the next period."""
    assert equal_split(10000, 0) == (0, 10000)
    assert equal_split(0, 0) == (0, 0)


def test_equal_split_of_an_empty_pool():
    assert equal_split(0, 4) == (0, 0)


def test_equal_split_refuses_a_negative_pool():
    with pytest.raises(ValueError):
        equal_split(-1, 3)


# ---------------------------------------------------------------- properties


@st.composite
def splits(draw):
    """Weights (some zero), and an amount between 0 and their total."""
    weights = draw(st.lists(st.integers(0, 10**7), min_size=1, max_size=8))
    total = sum(weights)
    amount = draw(st.integers(0, total)) if total else 0
    return amount, weights


@settings(max_examples=200)
@given(splits())
def test_parts_sum_to_the_amount(case):
    """No cent is lost or invented."""
    amount, weights = case
    assert sum(largest_remainder(amount, weights)) == amount


@settings(max_examples=200)
@given(splits())
def test_no_part_exceeds_its_weight(case):
    """No holder is repaid more than is outstanding on the holding."""
    amount, weights = case
    parts = largest_remainder(amount, weights)
    assert all(0 <= part <= weight for part, weight in zip(parts, weights, strict=True))


@settings(max_examples=200)
@given(splits())
def test_each_part_is_the_floor_or_one_more(case):
    """Each holder gets the floor of the exact share, or at most one extra cent."""
    amount, weights = case
    total = sum(weights)
    for part, weight in zip(largest_remainder(amount, weights), weights, strict=True):
        floor = amount * weight // total if total else 0
        assert part in (floor, floor + 1)


@settings(max_examples=200)
@given(splits())
def test_leftover_cents_go_to_the_largest_fractions_ties_earlier(case):
    """Whoever got an extra cent ranks, by (fraction desc, position), above all who did not."""
    amount, weights = case
    total = sum(weights)
    if not total:
        return
    parts = largest_remainder(amount, weights)
    fractions = [Fraction(amount * w, total) % 1 for w in weights]
    floors = [amount * w // total for w in weights]
    bumped = [i for i, (p, f) in enumerate(zip(parts, floors, strict=True)) if p > f]
    not_bumped = [i for i in range(len(weights)) if i not in bumped]
    for i in bumped:
        for j in not_bumped:
            assert (-fractions[i], i) < (-fractions[j], j)


@settings(max_examples=200)
@given(splits())
def test_a_larger_weight_never_gets_fewer_cents(case):
    """Fairness: if w_i > w_j then part_i >= part_j, whatever their order."""
    amount, weights = case
    parts = largest_remainder(amount, weights)
    for i, wi in enumerate(weights):
        for j, wj in enumerate(weights):
            if wi > wj:
                assert parts[i] >= parts[j]


@settings(max_examples=200)
@given(splits())
def test_equal_weights_differ_by_at_most_a_cent_earlier_first(case):
    """Two equal holdings get the same or, if not, the earlier one gets the cent."""
    amount, weights = case
    parts = largest_remainder(amount, weights)
    for i in range(len(weights)):
        for j in range(i + 1, len(weights)):
            if weights[i] == weights[j]:
                assert parts[i] - parts[j] in (0, 1)


@settings(max_examples=200)
@given(st.integers(0, 10**9), st.integers(-3, 50))
def test_equal_split_conserves_and_carries_less_than_a_cent_each(pool, count):
    """each * count + carried == pool; carried < count, or the whole pool if nobody."""
    each, carried = equal_split(pool, count)
    if count <= 0:
        assert (each, carried) == (0, pool)
    else:
        assert each * count + carried == pool
        assert 0 <= carried < count
        assert each == pool // count
