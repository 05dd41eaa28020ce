"""Payouts (domain/payouts.py): how much may be paid out, what is still owed, and the
payout's journal entry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import Refusal
from domain.journal import AccountKind, Posting
from domain.payouts import (
    NOTHING_PAID,
    PAYOUT_ENTRY,
    MemberPayouts,
    paid_out,
    payout_amount,
    payout_ref,
    still_owed,
)


def refused(owed: int, typed: int | None) -> Refusal:
    with pytest.raises(Refusal) as caught:
        payout_amount(owed, typed, "ana")
    return caught.value


def test_without_an_amount_everything_owed_is_paid() -> None:
    assert payout_amount(16666, None, "ana") == 16666
    assert payout_amount(1, None, "ana") == 1


def test_an_amount_up_to_what_is_owed_is_paid() -> None:
    assert payout_amount(16666, 16666, "ana") == 16666
    assert payout_amount(16666, 1, "ana") == 1


@pytest.mark.parametrize("owed", [0, -1])
def test_nothing_owed_is_refused_by_name(owed: int) -> None:
    refusal = refused(owed, None)
    assert (refusal.code, refusal.params) == ("nothing_owed", {"name": "ana"})
    assert refused(owed, 5).code == "nothing_owed"


@pytest.mark.parametrize("typed", [0, -1])
def test_an_amount_of_nothing_is_refused(typed: int) -> None:
    refusal = refused(100, typed)
    assert (refusal.code, refusal.params) == ("amount_not_positive", {})


def test_more_than_is_owed_is_refused_and_says_how_much_is() -> None:
    refusal = refused(100, 101)
    assert (refusal.code, refusal.params) == ("payout_exceeds_owed", {"name": "ana", "owed": 100})


def test_still_owed_is_never_less_than_nothing() -> None:
    assert still_owed(100, 30) == 70
    assert still_owed(100, 100) == 0
    assert still_owed(100, 130) == 0
    assert MemberPayouts(0, 0) == NOTHING_PAID


def test_a_payout_moves_money_from_settled_to_paid() -> None:
    made = paid_out(7, 2500, 3)
    assert (made.kind, made.ref) == (PAYOUT_ENTRY, "payout:3") == ("payout", payout_ref(3))
    assert made.postings == [
        Posting(AccountKind.SETTLED, 7, -2500),
        Posting(AccountKind.PAID, 7, 2500),
    ]
    assert made.balanced


@given(owed=st.integers(-10, 10**12), typed=st.none() | st.integers(-10, 10**12))
def test_what_is_paid_is_positive_and_never_more_than_owed(owed: int, typed: int | None) -> None:
    try:
        amount = payout_amount(owed, typed, "ana")
    except Refusal:
        assert owed <= 0 or (typed is not None and not 0 < typed <= owed)
        return
    assert 0 < amount <= owed
    assert amount == (owed if typed is None else typed)
    entry = paid_out(1, amount, 1)
    assert sum(p.amount for p in entry.postings) == 0
    assert still_owed(owed, amount) == owed - amount
