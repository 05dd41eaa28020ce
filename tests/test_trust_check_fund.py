"""``minga check`` on the common fund: each of its invariants, broken by hand, is named.

The budget round of tests/test_fund.py (two clearings keeping half the pool, €250 in
the fund, three of four grants funded) is built once per database kind; each test
edits rows inside a unit of work, asks the check, and rolls back.
"""

from __future__ import annotations

import pytest
from test_fund import BUDGET, CLOSE, FUNDED, JANUARY_AND_FEBRUARY, VOTES
from test_trust_check import KINDS, _built, broken, one, reported

from handlers.check import find_discrepancies
from storage.uow import Database

CLEARING = "SELECT id FROM clearing WHERE period = '2027-01'"
SEEDS = "SELECT motion_id FROM fund_grant WHERE purpose = 'Seeds'"
GRANT_ENTRY = "SELECT id FROM journal_entry WHERE kind = 'grant' AND ref = 'grant:{motion}'"


@pytest.fixture(**KINDS)
def funded(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    url = _built(request, "fund", FUNDED, JANUARY_AND_FEBRUARY, BUDGET, VOTES, CLOSE)
    database = Database(url)
    yield database
    database.dispose()


def test_the_budget_round_s_books_are_clean(funded: Database) -> None:
    assert one(funded, "SELECT count(*) FROM fund_grant") == 3
    assert one(funded, "SELECT sum(fund_share) FROM clearing") == 25000
    with funded.unit_of_work() as uow:
        assert find_discrepancies(uow) == []


def test_a_fund_share_that_is_not_the_policy_s(funded: Database) -> None:
    clearing = one(funded, CLEARING)
    found = broken(funded, f"UPDATE clearing SET fund_percent = 40 WHERE id = {clearing}")
    reported(found, "clearing_fund", clearing=clearing, expected=8000, found=10000)


def test_a_fund_share_not_posted_to_the_fund(funded: Database) -> None:
    clearing = one(funded, CLEARING)
    entry = one(funded, "SELECT id FROM journal_entry WHERE ref = 'period:2027-01'")
    found = broken(
        funded,
        f"UPDATE journal_posting SET account_kind = 'cash' WHERE entry_id = {entry} "
        "AND account_kind = 'fund'",
    )
    reported(found, "clearing_fund", clearing=clearing, expected=10000, found=0)
    reported(found, "fund_balance", expected=0, found=-10000)


def test_a_fund_that_would_go_below_zero(funded: Database) -> None:
    """A grant of more than the fund held, its row and entry alike."""
    motion = one(funded, SEEDS)
    entry = one(funded, GRANT_ENTRY.format(motion=motion))
    found = broken(
        funded,
        f"UPDATE fund_grant SET amount = 30000 WHERE motion_id = {motion}",
        f"UPDATE journal_posting SET amount = 30000 WHERE entry_id = {entry} "
        "AND account_kind = 'granted'",
        f"UPDATE journal_posting SET amount = -30000 WHERE entry_id = {entry} "
        "AND account_kind = 'fund'",
    )
    reported(found, "fund_balance", entry=entry, expected=0, found=-5000)


def test_a_grant_posted_to_another_motion_s_account(funded: Database) -> None:
    motion = one(funded, SEEDS)
    entry = one(funded, GRANT_ENTRY.format(motion=motion))
    found = broken(
        funded,
        f"UPDATE journal_posting SET account_ref = 999 WHERE entry_id = {entry} "
        "AND account_kind = 'granted'",
    )
    reported(found, "grant_posted", expected=10000, found=0)  # nothing in its account
    reported(found, "grant_posted", entry=entry, expected=0, found=10000)


def test_a_grant_of_a_motion_that_is_not_a_fund_motion(funded: Database) -> None:
    motion = one(funded, SEEDS)
    found = broken(
        funded,
        f'UPDATE motion SET action = \'{{"kind": "end_lease", "bond": 1}}\' WHERE id = {motion}',
    )
    reported(found, "grant_posted", expected=motion)


def test_a_grant_without_its_entry(funded: Database) -> None:
    motion = one(funded, SEEDS)
    found = broken(
        funded, f"UPDATE journal_entry SET ref = 'grant:999' WHERE ref = 'grant:{motion}'"
    )
    reported(found, "entry_count", expected=1, found=0)
    reported(found, "grant_posted", expected=-10000, found=0)
