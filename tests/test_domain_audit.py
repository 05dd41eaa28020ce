"""How ``minga check`` writes a broken invariant: one line a treasurer reads and grep finds.

Pure, so these run in the mutation test of domain/ (docs/mutation.md); what finds the
discrepancies in the stored rows is tested in tests/test_trust_check.py.
"""

from __future__ import annotations

from domain.audit import ID_FIELDS, INVARIANTS, Discrepancy


def test_a_line_has_the_code_the_ids_in_order_the_amounts_and_the_rule() -> None:
    found = Discrepancy("clearing_pool", member=9, commune=1, clearing=4, expected=120, found=119)
    assert found.line() == (
        "clearing_pool commune=1 clearing=4 member=9 expected=120 found=119: "
        "a clearing's pool is its rent less what it redeemed, plus the carry in and what the "
        "period's asset sales left after repaying their bondholders"
    )


def test_amounts_are_shown_when_either_is_known_zero_included() -> None:
    rule = INVARIANTS["issue_pledged"]
    assert Discrepancy("issue_pledged", issue=3, expected=0).line() == (
        f"issue_pledged issue=3 expected=0 found=None: {rule}"
    )
    assert Discrepancy("issue_pledged", issue=3, found=0).line() == (
        f"issue_pledged issue=3 expected=None found=0: {rule}"
    )
    assert Discrepancy("issue_pledged", issue=3).line() == f"issue_pledged issue=3: {rule}"


def test_every_id_is_named_and_an_id_of_zero_is_an_id() -> None:
    every = Discrepancy("outbox_delivery", **{name: n for n, name in enumerate(ID_FIELDS)})
    assert every.ids == {name: n for n, name in enumerate(ID_FIELDS)}
    assert every.line() == (
        "outbox_delivery commune=0 entry=1 clearing=2 holding=3 issue=4 receipt=5 outbox=6 "
        f"member=7 payout=8: {INVARIANTS['outbox_delivery']}"
    )


def test_an_unknown_code_is_its_own_description() -> None:
    assert Discrepancy("made_up").line() == "made_up : made_up"
