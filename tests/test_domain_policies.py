"""Policies and actions, pure: one spelling per value, support counts, least thresholds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.actions import (
    ApproveBond,
    ChangePolicy,
    ChangeRent,
    ChangeRole,
    EndLease,
    from_stored,
    stored,
)
from domain.assemblies import Threshold, at_least, least_threshold
from domain.errors import Refusal
from domain.model import Role
from domain.policies import (
    POLICIES,
    by_assembly,
    needs_approval,
    policy_named,
    supporters_needed,
    with_defaults,
)


def test_each_value_has_one_spelling() -> None:
    assert policy_named(" Decide ").parse("ASSEMBLY") == "assembly"
    assert policy_named("support").parse("０７") == "7"
    assert policy_named("support").parse("25 %") == "25%"
    assert policy_named("support").parse("1") == "1"
    assert policy_named("support").parse("10000") == "10000"
    assert policy_named("support").parse("100%") == "100%"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("decide", "everyone"),
        ("approval", ""),
        ("support", "0"),
        ("support", "10001"),
        ("support", "0%"),
        ("support", "101%"),
        ("support", "-3"),
        ("support", "2.5"),
        ("support", "1234567"),
        ("support", "٣"),  # a digit, but not an ASCII one
    ],
)
def test_a_value_outside_the_policy_is_refused_naming_what_it_takes(name: str, text: str) -> None:
    with pytest.raises(Refusal) as refused:
        policy_named(name).parse(text)
    assert refused.value.code == "bad_policy_value"
    assert refused.value.params == {
        "name": name,
        "text": text,
        "allowed": POLICIES[name].allowed(),
    }


def test_an_unknown_policy_is_refused_with_the_known_ones() -> None:
    with pytest.raises(Refusal) as refused:
        policy_named("quorum")
    assert refused.value.params == {
        "name": "quorum",
        "known": "decide, approval, support, payment-days, default-months, fund",
    }


def test_defaults_fill_what_was_not_set_in_the_table_order() -> None:
    assert with_defaults({}) == {
        "decide": "admins",
        "approval": "none",
        "support": "3",
        "payment-days": "0",
        "default-months": "3",
        "fund": "0%",
    }
    values = with_defaults({"approval": "assembly", "decide": "assembly"})
    assert list(values) == [
        "decide",
        "approval",
        "support",
        "payment-days",
        "default-months",
        "fund",
    ]
    assert by_assembly(values) and needs_approval(values)
    assert not by_assembly({}) and not needs_approval({})


@given(st.integers(1, 100), st.integers(0, 10_000))
def test_a_share_of_members_rounds_up_and_needs_at_least_one(percent: int, members: int) -> None:
    needed = supporters_needed(f"{percent}%", members)
    assert needed >= 1
    assert needed * 100 >= percent * members
    assert needed == 1 or (needed - 1) * 100 < percent * members


def test_a_number_of_supporters_is_that_number() -> None:
    assert supporters_needed("3", 1) == 3
    assert supporters_needed("25%", 10) == 3
    assert supporters_needed("50%", 0) == 1


ACTIONS = [
    ApproveBond(3),
    ChangeRent(1, 35_000),
    EndLease(1),
    ChangeRole("ben", Role.TREASURER),
    ChangePolicy("approval", "assembly"),
]


@pytest.mark.parametrize("action", ACTIONS)
def test_an_action_reads_back_as_it_was_stored(action: object) -> None:
    assert from_stored(stored(action)) == action  # type: ignore[arg-type]


def test_an_unknown_stored_action_is_an_error_not_a_guess() -> None:
    with pytest.raises(ValueError):
        from_stored({"kind": "sell"})


def test_rules_and_roles_need_two_thirds_the_rest_a_majority() -> None:
    assert [least_threshold(a) for a in ACTIONS] == [
        Threshold.MAJORITY,
        Threshold.MAJORITY,
        Threshold.MAJORITY,
        Threshold.TWO_THIRDS,
        Threshold.TWO_THIRDS,
    ]
    assert least_threshold(None) is Threshold.MAJORITY
    role = ChangeRole("ben", Role.ADMIN)
    assert not at_least(Threshold.MAJORITY, role)
    assert at_least(Threshold.TWO_THIRDS, role)
    assert at_least(Threshold.CONSENSUS, role)
    assert at_least(Threshold.MAJORITY, EndLease(1))
    assert at_least(Threshold.CONSENSUS, None)
