"""Bond issues: pledging, withdrawing, clearing and expiring.

The issue is the aggregate that guards the money rules of PROTOCOL.md
("Bonds: floating, pledging, clearing"): pledges are positive and never exceed
what remains, a member's pledges add up in the place of their first pledge,
the pledge that reaches the price exactly clears the issue, and a refusal
changes nothing. Holdings are created in pledge order, which later decides who
gets a tied cent of redemption, so that order is tested too.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.bonds import BondIssue, IssueStatus, Pledge, validate_new_issue
from domain.errors import Refusal

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
DEADLINE = datetime(2027, 1, 31, 23, 0, tzinfo=UTC)
BEN, ANA, CAI, DEE = 2, 1, 3, 4


def make_issue(price: int = 100000, **overrides) -> BondIssue:
    """Ben's Tractor for cooperative Tierra: P = 1000.00, R = 333.33 (PROTOCOL.md)."""
    fields = dict(
        id=7,
        commune_id=1,
        number=3,
        cooperative_id=10,
        proposer_id=BEN,
        asset="Tractor",
        price=price,
        rent=33333,
        deadline=DEADLINE,
        created_at=NOW - timedelta(days=1),
    )
    fields.update(overrides)
    return BondIssue(**fields)


@dataclass
class Book:
    """An issue with its pledges, kept as storage keeps them: the domain sees one at a time."""

    issue: BondIssue
    pledges: dict[int, Pledge] = field(default_factory=dict)

    def pledge(self, member_id: int, amount: int, now: datetime) -> bool:
        pledge, cleared = self.issue.pledge(self.pledges.get(member_id), member_id, amount, now)
        self.pledges[member_id] = pledge
        return cleared

    def unpledge(self, member_id: int, now: datetime) -> int:
        released = self.issue.unpledge(self.pledges.get(member_id), now)
        del self.pledges[member_id]
        return released

    def pledge_of(self, member_id: int) -> Pledge | None:
        return self.pledges.get(member_id)


def make_book(price: int = 100000, **overrides) -> Book:
    return Book(make_issue(price, **overrides))


def order(book: Book) -> list[tuple[int, int]]:
    """The queue the holdings are made in: by seq, whatever order the pledges are kept in."""
    return [(p.member_id, p.amount) for p in sorted(book.pledges.values(), key=lambda p: p.seq)]


# ---------------------------------------------------------------- pledging


def test_worked_example_clears_on_the_last_pledge():
    """Ana 500, Cai 300, Dee 200: Dee's pledge reaches 1000 exactly and clears."""
    book = make_book()
    issue = book.issue
    assert book.pledge(ANA, 50000, NOW) is False
    assert book.pledge(CAI, 30000, NOW) is False
    assert issue.status is IssueStatus.OPEN and issue.closed_at is None
    later = NOW + timedelta(hours=1)
    assert book.pledge(DEE, 20000, later) is True
    assert issue.status is IssueStatus.CLEARED
    assert issue.closed_at == later
    assert (issue.pledged, issue.remaining) == (100000, 0)
    assert order(book) == [(ANA, 50000), (CAI, 30000), (DEE, 20000)]


def test_pledges_of_one_member_add_up_and_keep_the_first_place():
    """A second pledge tops up the member's one pledge, which stays where it began."""
    book = make_book()
    issue = book.issue
    book.pledge(ANA, 10000, NOW)
    book.pledge(CAI, 20000, NOW)
    book.pledge(ANA, 5000, NOW)
    assert order(book) == [(ANA, 15000), (CAI, 20000)]
    assert book.pledge_of(ANA).amount == 15000
    assert issue.pledgers == 2
    assert issue.pledged == 35000


def test_unpledge_then_pledge_again_goes_to_the_end():
    """Withdrawing gives up the place: pledging again starts a new one at the end."""
    book = make_book()
    issue = book.issue
    book.pledge(ANA, 10000, NOW)
    book.pledge(CAI, 20000, NOW)
    book.pledge(DEE, 30000, NOW)
    assert book.unpledge(ANA, NOW) == 10000
    assert book.pledge_of(ANA) is None
    assert issue.remaining == 50000
    book.pledge(ANA, 4000, NOW)
    assert order(book) == [(CAI, 20000), (DEE, 30000), (ANA, 4000)]


def test_unpledge_of_the_last_pledger_then_again_still_goes_last():
    """Re-pledging after the newest pledge was withdrawn must not jump the queue."""
    book = make_book()
    book.pledge(ANA, 10000, NOW)
    book.pledge(CAI, 20000, NOW)
    book.unpledge(CAI, NOW)
    book.pledge(DEE, 1000, NOW)
    book.pledge(CAI, 2000, NOW)
    assert order(book) == [(ANA, 10000), (DEE, 1000), (CAI, 2000)]


def test_pledge_over_remaining_is_refused_with_the_remaining_amount():
    """The refusal names what remains, so the member can pledge that instead."""
    book = make_book()
    book.pledge(ANA, 90000, NOW)
    before = copy.deepcopy(book)
    with pytest.raises(Refusal) as refused:
        book.pledge(CAI, 10001, NOW)
    assert refused.value.code == "pledge_exceeds_remaining"
    assert refused.value.params["remaining"] == 10000
    assert refused.value.params["number"] == 3
    assert book == before


def test_topping_up_over_remaining_is_refused_too():
    book = make_book()
    book.pledge(ANA, 60000, NOW)
    with pytest.raises(Refusal) as refused:
        book.pledge(ANA, 40001, NOW)
    assert refused.value.code == "pledge_exceeds_remaining"
    assert book.pledge_of(ANA).amount == 60000


@pytest.mark.parametrize("amount", [0, -1, -50000])
def test_zero_or_negative_pledge_is_refused(amount):
    """A pledge is a positive amount; nothing else is recorded."""
    book = make_book()
    issue = book.issue
    with pytest.raises(Refusal) as refused:
        book.pledge(ANA, amount, NOW)
    assert refused.value.code == "amount_not_positive"
    assert book.pledges == {} and issue.pledged == 0


def test_pledge_after_clearing_is_refused():
    book = make_book(price=1000)
    assert book.pledge(ANA, 1000, NOW) is True
    with pytest.raises(Refusal) as refused:
        book.pledge(CAI, 1, NOW)
    assert refused.value.code == "issue_cleared"
    assert refused.value.params == {"number": 3, "asset": "Tractor"}


def test_unpledge_after_clearing_is_refused():
    """Once cleared the pledges are holdings: nobody can take theirs back."""
    book = make_book(price=1000)
    issue = book.issue
    book.pledge(ANA, 1000, NOW)
    with pytest.raises(Refusal) as refused:
        book.unpledge(ANA, NOW)
    assert refused.value.code == "issue_cleared"
    assert issue.pledged == 1000


def test_pledge_after_expiry_is_refused():
    book = make_book()
    issue = book.issue
    book.pledge(ANA, 500, NOW)
    issue.expire(DEADLINE)
    assert issue.status is IssueStatus.EXPIRED and issue.closed_at == DEADLINE
    with pytest.raises(Refusal) as refused:
        book.pledge(CAI, 100, DEADLINE + timedelta(minutes=1))
    assert refused.value.code == "issue_expired"


def test_pledge_past_deadline_is_refused_even_before_the_scheduler_expires_it():
    """The deadline is checked on the clock, not only on the status."""
    book = make_book()
    issue = book.issue
    for moment in (DEADLINE, DEADLINE + timedelta(days=3)):
        with pytest.raises(Refusal) as refused:
            book.pledge(ANA, 100, moment)
        assert refused.value.code == "issue_past_deadline"
    assert issue.status is IssueStatus.OPEN and book.pledges == {} and issue.pledged == 0


def test_pledge_just_before_the_deadline_is_accepted():
    book = make_book()
    issue = book.issue
    assert book.pledge(ANA, 100, DEADLINE - timedelta(microseconds=1)) is False
    assert issue.pledged == 100


def test_expire_before_the_deadline_or_after_clearing_does_nothing():
    book = make_book()
    issue = book.issue
    issue.expire(DEADLINE - timedelta(seconds=1))
    assert issue.status is IssueStatus.OPEN
    book.pledge(ANA, 100000, NOW)
    issue.expire(DEADLINE + timedelta(days=1))
    assert issue.status is IssueStatus.CLEARED
    assert issue.closed_at == NOW


def test_unpledge_without_a_pledge_is_refused():
    book = make_book()
    with pytest.raises(Refusal) as refused:
        book.unpledge(ANA, NOW)
    assert refused.value.code == "no_pledge"


# ---------------------------------------------------------------- withdrawing


def test_only_the_proposer_may_withdraw():
    book = make_book()
    issue = book.issue
    book.pledge(ANA, 100, NOW)
    with pytest.raises(Refusal) as refused:
        issue.withdraw(ANA, NOW)
    assert refused.value.code == "not_proposer"
    assert issue.status is IssueStatus.OPEN


def test_proposer_withdraws_an_open_issue():
    book = make_book()
    issue = book.issue
    issue.withdraw(BEN, NOW)
    assert issue.status is IssueStatus.WITHDRAWN and issue.closed_at == NOW
    with pytest.raises(Refusal) as refused:
        book.pledge(ANA, 100, NOW)
    assert refused.value.code == "issue_withdrawn"


def test_proposer_cannot_withdraw_a_cleared_issue():
    book = make_book(price=100)
    issue = book.issue
    book.pledge(ANA, 100, NOW)
    with pytest.raises(Refusal) as refused:
        issue.withdraw(BEN, NOW)
    assert refused.value.code == "issue_cleared"


# ---------------------------------------------------------------- proposals


@pytest.mark.parametrize(
    ("asset", "price", "rent", "deadline", "code"),
    [
        ("  ", 100, 10, DEADLINE, "asset_missing"),
        ("x" * 81, 100, 10, DEADLINE, "asset_too_long"),
        ("Oven", 0, 10, DEADLINE, "amount_not_positive"),
        ("Oven", 100, -1, DEADLINE, "amount_not_positive"),
        ("Oven", 100, 10, NOW, "deadline_past"),
    ],
)
def test_bad_proposals_are_refused(asset, price, rent, deadline, code):
    with pytest.raises(Refusal) as refused:
        validate_new_issue(asset, price, rent, deadline, NOW)
    assert refused.value.code == code


def test_a_good_proposal_passes():
    validate_new_issue("x" * 80, 100000, 33333, DEADLINE, NOW)


# ---------------------------------------------------------------- property

operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("pledge"),
            st.integers(1, 4),
            st.integers(-10, 1200),
            st.booleans(),  # late: after the deadline
        ),
        st.tuples(st.just("unpledge"), st.integers(1, 4), st.just(0), st.booleans()),
    ),
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 1000), operations)
def test_random_pledging_never_oversubscribes_and_refusals_change_nothing(price, ops):
    """Any sequence of pledge/unpledge attempts keeps the money rules.

    A model (an ordered list of member -> amount) predicts the order of holdings;
    `pledged` never exceeds `price`; True is returned exactly when the price is
    reached, which clears the issue; a refusal leaves the issue equal to a deep
    copy taken before the attempt.
    """
    book = make_book(price=price)
    issue = book.issue
    model: dict[int, int] = {}  # insertion order is pledge order
    for op, member, amount, late in ops:
        now = DEADLINE + timedelta(hours=1) if late else NOW
        before = copy.deepcopy(book)
        try:
            if op == "pledge":
                cleared = book.pledge(member, amount, now)
            else:
                released = book.unpledge(member, now)
        except Refusal as refusal:
            assert book == before, refusal
            if issue.status is not IssueStatus.OPEN:
                assert refusal.code == f"issue_{issue.status.value}"
            elif late:
                assert refusal.code == "issue_past_deadline"
            else:
                assert refusal.code in {
                    "amount_not_positive",
                    "pledge_exceeds_remaining",
                    "no_pledge",
                }
            continue

        assert not late and before.issue.status is IssueStatus.OPEN
        if op == "pledge":
            assert 0 < amount <= before.issue.remaining
            model[member] = model.get(member, 0) + amount
            assert cleared is (issue.pledged == price)
            assert (issue.status is IssueStatus.CLEARED) is cleared
        else:
            assert released == model.pop(member)
        assert issue.pledged <= price
        assert issue.pledged == sum(model.values())
        assert order(book) == list(model.items())
        assert issue.pledgers == len(book.pledges)
        assert len({p.seq for p in book.pledges.values()}) == len(book.pledges)


# --- the time to pay and a reopening: each ends with a local day -------------------

MADRID = "Europe/Madrid"


def test_a_sold_issue_s_time_to_pay_ends_with_the_local_day_payment_days_later():
    issue = make_issue(price=1000)
    _, full = issue.pledge(None, ANA, 1000, NOW, payment_days=14, tz=MADRID)
    # filled at 13:00 in Madrid on 10 January: paid until 24 January, all day
    assert full and issue.status is IssueStatus.SOLD
    assert issue.pay_by == datetime(2027, 1, 24, 23, 0, tzinfo=UTC)  # 00:00 on the 25th


def test_a_reopened_issue_takes_pledges_to_the_end_of_a_local_day():
    issue = make_issue(price=1000, deadline=datetime(2027, 1, 12, 23, 0, tzinfo=UTC))
    issue.pledge(None, ANA, 1000, NOW, payment_days=14, tz=MADRID)
    issue.reopen([], datetime(2027, 1, 25, 10, 17, 33, tzinfo=UTC), 14, MADRID)
    # 14 days from 25 January outlast its deadline: 8 February, to its last minute
    assert issue.status is IssueStatus.OPEN and issue.pay_by is None
    assert issue.deadline == datetime(2027, 2, 8, 23, 0, tzinfo=UTC)


def test_a_reopened_issue_keeps_a_later_deadline():
    issue = make_issue(price=1000, deadline=datetime(2027, 3, 31, 22, 0, tzinfo=UTC))
    issue.pledge(None, ANA, 1000, NOW, payment_days=14, tz=MADRID)
    issue.reopen([Pledge(ANA, 400, 1)], datetime(2027, 1, 25, 10, 0, tzinfo=UTC), 14, MADRID)
    assert issue.deadline == datetime(2027, 3, 31, 22, 0, tzinfo=UTC)
    assert (issue.pledged, issue.pledgers) == (400, 1)
