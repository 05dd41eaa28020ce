"""Weighted remote votes: a vote cast from afar weighs N% of one cast in the room.

The rules (issue #12): the threshold compares the weighted yes and no, where a vote of
a member marked present weighs 1 and a remote one N/100; turnout and the quorum count
people; 100% is the count as it always was, and 0% is binding presence (the room
decides and its turnout meets the quorum). A vote through a delegation is present or
remote as the member whose vote it is. Weighted totals are exact (hundredths, shown as
decimal strings like "1.5"), never floats.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_domain_assemblies import scenarios

from domain.assemblies import (
    Choice,
    Outcome,
    Tally,
    Threshold,
    count_motion,
    hundredths,
    validate_remote_weight,
)
from domain.errors import Refusal

YES, NO, ABSTAIN = Choice.YES, Choice.NO, Choice.ABSTAIN
weights = st.integers(0, 100)


def _count(scenario, weight: int | None = None, binding: bool | None = None):
    eligible, direct, delegations, present, threshold, quorum, drawn_binding = scenario
    binding = drawn_binding if binding is None else binding
    if weight is None:
        return count_motion(threshold, eligible, direct, delegations, present, quorum, binding)
    return count_motion(
        threshold, eligible, direct, delegations, present, quorum, remote_weight=weight
    )


def _holds(threshold: Threshold, yes: Fraction, no: Fraction) -> bool:
    """The thresholds written out again over exact fractions of a vote."""
    if threshold is Threshold.MAJORITY:
        return yes > no
    if threshold is Threshold.TWO_THIRDS:
        return yes > 0 and yes >= Fraction(2, 3) * (yes + no)
    return yes > 0 and no == 0


@settings(max_examples=250, deadline=None)
@given(scenarios())
def test_a_weight_of_100_is_the_count_as_it_always_was(scenario):
    """Everyone's votes decide, as before weights: the unweighted tally and turnout."""
    *_, threshold, quorum, _ = scenario
    result = _count(scenario, weight=100)
    met = quorum is None or result.total.total * 100 >= quorum * result.eligible
    assert result.quorum_met == met
    unweighted = _holds(threshold, Fraction(result.total.yes), Fraction(result.total.no))
    expected = Outcome.NO_QUORUM if not met else Outcome.CARRIED if unweighted else Outcome.REJECTED
    assert result.outcome is expected
    assert result == _count(scenario, binding=False)


@settings(max_examples=250, deadline=None)
@given(scenarios())
def test_a_weight_of_0_is_binding_presence(scenario):
    by_weight = _count(scenario, weight=0)
    assert by_weight == _count(scenario, binding=True)
    assert by_weight.weighted == Tally(
        100 * by_weight.present.yes, 100 * by_weight.present.no, 100 * by_weight.present.abstain
    )


@settings(max_examples=300, deadline=None)
@given(scenarios(), weights)
def test_the_weighted_yes_and_no_decide_and_people_make_the_quorum(scenario, weight):
    *_, threshold, quorum, _ = scenario
    result = _count(scenario, weight=weight)
    share = Fraction(weight, 100)
    yes = result.present.yes + share * result.remote.yes
    no = result.present.no + share * result.remote.no
    assert Decimal(hundredths(result.weighted.yes)) == Decimal(yes.numerator) / yes.denominator
    assert Decimal(hundredths(result.weighted.no)) == Decimal(no.numerator) / no.denominator
    people = result.present.total if weight == 0 else result.total.total
    met = quorum is None or people * 100 >= quorum * result.eligible
    assert result.quorum_met == met
    assert result.turnout == result.total.total  # turnout always counts everyone
    expected = (
        Outcome.NO_QUORUM
        if not met
        else Outcome.CARRIED
        if _holds(threshold, yes, no)
        else Outcome.REJECTED
    )
    assert result.outcome is expected


@settings(max_examples=200, deadline=None)
@given(scenarios(), weights)
def test_the_tallies_of_people_do_not_depend_on_the_weight(scenario, weight):
    weighted, plain = _count(scenario, weight=weight), _count(scenario, weight=100)
    assert replace(weighted, outcome=plain.outcome, quorum_met=plain.quorum_met) == replace(
        plain, remote_weight=weight
    )


def test_half_weight_carries_what_the_unweighted_count_rejects():
    # ana and ben in the room vote yes; cai and dee vote no from afar: 2 to 2 unweighted.
    direct = {1: YES, 2: YES, 3: NO, 4: NO}
    everyone = count_motion(Threshold.MAJORITY, [1, 2, 3, 4], direct, {}, {1, 2})
    half = count_motion(Threshold.MAJORITY, [1, 2, 3, 4], direct, {}, {1, 2}, remote_weight=50)
    assert everyone.outcome is Outcome.REJECTED
    assert half.outcome is Outcome.CARRIED
    assert (hundredths(half.weighted.yes), hundredths(half.weighted.no)) == ("2", "1")


def test_half_weight_can_also_reject_what_the_unweighted_count_carries():
    # Two-thirds: yes 2 to no 1 carries; weighted 1.5 to 1 is short of two-thirds.
    direct = {1: YES, 2: NO, 3: YES, 4: ABSTAIN}
    everyone = count_motion(Threshold.TWO_THIRDS, [1, 2, 3, 4], direct, {}, {1, 2})
    half = count_motion(Threshold.TWO_THIRDS, [1, 2, 3, 4], direct, {}, {1, 2}, remote_weight=50)
    assert everyone.outcome is Outcome.CARRIED
    assert half.outcome is Outcome.REJECTED
    assert (hundredths(half.weighted.yes), hundredths(half.weighted.no)) == ("1.5", "1")


def test_a_delegated_vote_weighs_as_the_member_whose_vote_it_is():
    # dee (remote) delegates to ana (present): dee's yes weighs as a remote vote.
    result = count_motion(
        Threshold.MAJORITY, [1, 2, 3, 4], {1: YES, 2: NO}, {4: 1}, {1, 2}, remote_weight=25
    )
    assert result.remote == Tally(1, 0, 0)
    assert (hundredths(result.weighted.yes), hundredths(result.weighted.no)) == ("1.25", "1")
    assert result.outcome is Outcome.CARRIED


def test_a_weighted_quorum_counts_people_not_weights():
    # 1 in the room and 1 remote of 4: 50% turnout meets a 50% quorum at any weight above 0.
    direct = {1: YES, 2: YES}
    low = count_motion(Threshold.MAJORITY, [1, 2, 3, 4], direct, {}, {1}, 50, remote_weight=1)
    none = count_motion(Threshold.MAJORITY, [1, 2, 3, 4], direct, {}, {1}, 50, remote_weight=0)
    assert low.quorum_met and low.outcome is Outcome.CARRIED
    assert not none.quorum_met and none.outcome is Outcome.NO_QUORUM


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "0"), (100, "1"), (150, "1.5"), (25, "0.25"), (1, "0.01"), (10, "0.1"), (1230, "12.3")],
)
def test_hundredths_are_decimal_strings_without_trailing_zeros(amount: int, text: str) -> None:
    assert hundredths(amount) == text


@given(st.integers(0, 10**9))
def test_hundredths_read_back_exactly(amount: int) -> None:
    text = hundredths(amount)
    assert Decimal(text) * 100 == amount
    assert not ("." in text and text.endswith("0"))


@pytest.mark.parametrize("weight", [0, 1, 50, 100])
def test_a_weight_from_0_to_100_is_accepted(weight: int) -> None:
    validate_remote_weight(weight)


@pytest.mark.parametrize("weight", [-5, 101, 150])
def test_a_weight_outside_0_to_100_is_refused(weight: int) -> None:
    with pytest.raises(Refusal) as refused:
        validate_remote_weight(weight)
    assert (refused.value.code, refused.value.params) == (
        "bad_remote_weight",
        {"text": f"{weight}%"},
    )
