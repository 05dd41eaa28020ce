"""Collecting pledges (issue 13): with ``payment-days`` above 0 a fully pledged bond is
sold, the treasurer records what each pledger pays (/paid), and it clears once all is
paid; a window that ends with pledges unpaid releases them and reopens the bond; one
that then expires leaves the treasurer refunds to make (/refunded). Every step keeps
the books balanced: ``minga check`` finds nothing after any line."""

from __future__ import annotations

import shutil
import tempfile
from typing import Any

import pytest
from conftest import ALSO_STORED, ONLY_STORED
from harness import TERRA_SETUP
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from memory_chat import MemoryChat
from test_refusals import refused

from domain.bonds import IssueStatus
from handlers.check import find_discrepancies

SETUP = TERRA_SETUP.replace("ben@group: /propose Tractor 1000 333.33 2026-12-31\n", "")
SOLD = """
ana@group: /policy payment-days 14
ben@group: /propose Tractor 1000 333.33 2026-12-31
ana@group: /pledge 1 500
cai@group: /pledge 1 300
dee@group: /pledge 1 200
"""


def said(out: list[str], fragment: str) -> bool:
    return any(fragment in line for line in out)


def _factory(chat: Any) -> Any:
    return chat.store.unit_of_work if isinstance(chat, MemoryChat) else chat.database.unit_of_work


def bond(chat: Any, number: int = 1) -> Any:
    with _factory(chat)() as uow:
        commune = uow.communes.by_name("Terra")
        assert commune is not None
        issue = uow.bonds.get(commune.id, number)
        assert issue is not None
        names = {m: uow.communes.member(m).name for m in uow.bonds.payments(issue.id)}
        paid = {names[m]: v for m, v in uow.bonds.payments(issue.id).items()}
        holdings = (
            {
                uow.communes.member(h.member_id).name: h.principal
                for h in uow.bonds.holdings(issue.id)
            }
            if hasattr(uow.bonds, "holdings")
            else {}
        )
        return issue, paid, holdings


def clean(chat: Any) -> None:
    if isinstance(chat, MemoryChat):
        return  # the audit is storage's
    with chat.database.unit_of_work() as uow:
        assert find_discrepancies(uow) == []


def step(chat: Any, line: str) -> list[str]:
    out = chat.say(line)
    clean(chat)
    return out


@pytest.fixture
def sold(rules_chat: Any) -> Any:
    rules_chat.script(SETUP)
    rules_chat.script(SOLD)
    return rules_chat


# the month-by-month example: one late payer, one missing ------------------------------
@ONLY_STORED
def test_a_late_and_a_missing_payer_reopen_the_bond_then_it_clears(sold: Any) -> None:
    issue, paid, _ = bond(sold)
    assert issue.status is IssueStatus.SOLD and paid == {}
    clean(sold)
    # 3 December: Ana pays all of hers; Cai a third of his; Dee nothing.
    step(sold, ":now 2026-12-03T10:00:00Z")
    out = step(sold, "ana@group: /paid 1 ana")
    assert said(out, "[group] ✅ Recorded: ana paid €500.00 for bond #1. Their pledge is fully")
    assert said(out, "[dm ana] ✅ The treasurer received €500.00 from you for bond #1")
    out = step(sold, "ana@group: /paid 1 cai 100")
    assert said(out, "Still to pay: €200.00.")
    # 15 December is the last day to pay: at 10:00 nothing has happened yet.
    assert not said(step(sold, ":now 2026-12-15T10:00:00Z"), "🔁")
    # The window ends with 15 December; the unpaid parts are released and the bond reopens.
    out = step(sold, ":now 2026-12-16T10:00:00Z")
    assert said(
        out,
        "[group] 🔁 The time to pay bond #1 (Tractor) ended with pledges unpaid. "
        "It is open again for the missing €400.00 until Thursday 31 December 2026, 23:59",
    )
    assert said(
        out,
        "[dm cai] ⌛ The time to pay bond #1 (Tractor) ended. The €200.00 of your "
        "pledge you had not paid is released; the €100.00 you paid stays pledged.",
    )
    assert said(
        out,
        "[dm dee] ⌛ The time to pay bond #1 (Tractor) ended before you paid. "
        "Your pledge of €200.00 is released.",
    )
    issue, paid, _ = bond(sold)
    assert (issue.status, issue.pledged, issue.pledgers) == (IssueStatus.OPEN, 60000, 2)
    # Cai, late, pledges his rest again; Ben takes Dee's part: sold again, a new window.
    step(sold, "cai@group: /pledge 1 200")
    out = step(sold, "ben@group: /pledge 1 200")
    assert said(
        out,
        "[group] 💰 Bond #1 (Tractor) is fully pledged: €1,000.00. The pledgers "
        "pay the treasurer by Wednesday 30 December 2026, 23:59;",
    )
    assert said(out, "[dm cai] 💶 Bond #1 (Tractor) is fully pledged. Please pay €200.00")
    assert said(out, "[dm ben] 💶 Bond #1 (Tractor) is fully pledged. Please pay €200.00")
    assert not said(out, "[dm ana]")
    step(sold, ":now 2026-12-22T10:00:00Z")
    step(sold, "ana@group: /paid 1 cai")
    out = step(sold, "ana@group: /paid 1 ben")
    assert said(
        out,
        "[group] ✅ Bond #1 cleared: €1,000.00 from 3 members. Tierra leases the "
        "Tractor from January 2027",
    )
    issue, paid, holdings = bond(sold)
    assert issue.status is IssueStatus.CLEARED
    assert paid == {"ana": (50000, 0), "cai": (30000, 0), "ben": (20000, 0)}
    assert holdings == {"ana": 50000, "cai": 30000, "ben": 20000}
    # January's rent repays the holders pro rata at February's clearing, as always.
    step(sold, ":now 2027-01-15T10:00:00Z")
    step(sold, "ana@group: /rent 1 333.33")
    step(sold, ":now 2027-02-01T09:00:00Z")
    out = step(sold, "cai@group: /statement")
    assert said(out, "€99.99") or said(out, "€100.00")
    with sold.database.unit_of_work() as uow:
        commune = uow.communes.by_name("Terra")
        assert commune is not None
        balances = uow.journal.summary(commune.id).balances
    assert balances.get("paid_in", 0) == 0 and balances.get("pledger", 0) == 0


@ONLY_STORED
def test_a_bond_that_expires_with_payments_tells_the_treasurer_whom_to_refund(sold: Any) -> None:
    step(sold, "ana@group: /paid 1 cai 100")
    step(sold, ":now 2026-12-16T10:00:00Z")  # reopens for €900 until 31 December
    out = step(sold, ":now 2027-01-01T10:00:00Z")
    assert said(out, "[dm ana] ↩️ Bond #1 (Tractor) expired with money paid in.")
    assert said(out, "[dm ana]  · cai: €100.00") or said(out, "cai: €100.00")
    refused(sold, "ana@group: /refunded 1 dee", "dee has nothing paid for bond #1 to give back.")
    out = step(sold, "ana@group: /refunded 1 cai")
    assert said(out, "[group] ↩️ Recorded: €100.00 given back to cai for bond #1.")
    assert said(out, "[dm cai] ↩️ The treasurer gave you back the €100.00 you paid for bond #1")
    refused(sold, "ana@group: /refunded 1 cai", "cai has nothing paid for bond #1 to give back.")
    assert bond(sold)[1] == {"cai": (10000, 10000)}


# with payment-days 0 nothing changes ------------------------------------------------
@ALSO_STORED
def test_without_payment_days_a_full_pledge_clears_at_once(rules_chat: Any) -> None:
    rules_chat.script(SETUP)
    rules_chat.script(SOLD.replace("ana@group: /policy payment-days 14\n", ""))
    issue, paid, _ = bond(rules_chat)
    assert issue.status is IssueStatus.CLEARED and issue.pay_by is None and paid == {}
    refused(rules_chat, "ana@group: /paid 1 ana", "is not waiting for payments")


# refusals: each changes nothing ------------------------------------------------------
@ALSO_STORED
@pytest.mark.parametrize(
    ("line", "phrase"),
    [
        ("cai@group: /paid 1 cai", "Only a treasurer can record rent, payments and refunds."),
        ("cai@group: /refunded 1 cai", "Only a treasurer can record rent, payments and refunds."),
        ("ana@group: /paid 9 cai", "There is no bond #9."),
        ("ana@group: /refunded 9 cai", "There is no bond #9."),
        ("ana@group: /paid 1 zed", "There is no member called zed."),
        ("ana@group: /refunded 1 zed", "There is no member called zed."),
        ("ben@group: /paid 1 ben", "Only a treasurer"),
        ("ana@group: /paid 1 ben", "ben has no pledge on bond #1."),
        ("ana@group: /paid 1 cai 300.01", "more than is left to pay on this pledge to bond #1: "),
        ("ana@group: /paid 1 cai 0", "amount"),
        ("ana@group: /paid 1 cai -5", "amount"),
        ("ana@group: /paid 1 cai lots", "lots"),
        ("ana@group: /paid 1", "/paid <bond> <member> [amount]"),
        ("ana@group: /refunded 1", "/refunded <bond> <member>"),
        ("ana@group: /refunded 1 cai", "has not expired: refunds are only for"),
        ("cai@group: /pledge 1 5", "is fully pledged and waiting for its pledgers to pay."),
        ("cai@group: /unpledge 1", "is fully pledged and waiting for its pledgers to pay."),
    ],
)
def test_a_refused_payment_changes_nothing(sold: Any, line: str, phrase: str) -> None:
    refused(sold, line, phrase)


@ALSO_STORED
def test_a_pledge_already_paid_is_refused(sold: Any) -> None:
    sold.say("ana@group: /paid 1 cai")
    refused(sold, "ana@group: /paid 1 cai", "cai's pledge of €300.00 on bond #1 is already fully")
    refused(sold, "ana@group: /paid 1 cai 1", "already fully paid")


@ALSO_STORED
def test_partial_payments_add_up_and_the_last_one_clears(sold: Any) -> None:
    for line in ("/paid 1 ana 200", "/paid 1 ana 300", "/paid 1 cai", "/paid 1 dee 199.99"):
        assert bond(sold)[0].status is IssueStatus.SOLD
        sold.say(f"ana@group: {line}")
    out = sold.say("ana@group: /paid 1 dee 0.01")
    assert said(out, "Bond #1 cleared")
    issue, paid, _ = bond(sold)
    assert issue.status is IssueStatus.CLEARED
    assert paid == {"ana": (50000, 0), "cai": (30000, 0), "dee": (20000, 0)}


# conservation, over random sequences ------------------------------------------------
ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["pay", "refund", "wait", "pledge"]),
        st.sampled_from(["ana", "ben", "cai", "dee"]),
        st.integers(0, 400),
    ),
    max_size=12,
)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(actions=ACTIONS)
def test_money_is_conserved_over_any_payments_and_refunds(
    actions: list[tuple[str, str, int]],
) -> None:
    """Whatever the treasurer records, whenever windows end: the books pass the check,
    and what is held for the bond is what was paid less what was refunded."""
    from harness import ConsoleChat

    folder = tempfile.mkdtemp()
    chat = ConsoleChat(f"sqlite:///{folder}/minga.sqlite")
    try:
        chat.script(SETUP)
        chat.script(SOLD)
        day = 1
        for action, who, euros in actions:
            if action == "pay":
                chat.say(f"ana@group: /paid 1 {who} {euros or ''}".rstrip())
            elif action == "refund":
                chat.say(f"ana@group: /refunded 1 {who}")
            elif action == "pledge":
                chat.say(f"{who}@group: /pledge 1 {max(euros, 1)}")
            else:
                day = min(day + 1 + euros // 20, 40)
                month, date = (12, day) if day <= 31 else (1, day - 31)
                year = 2026 if month == 12 else 2027
                chat.say(f":now {year}-{month:02d}-{date:02d}T10:00:00Z")
            with chat.database.unit_of_work() as uow:
                assert find_discrepancies(uow) == [], (action, who, euros)
                commune = uow.communes.by_name("Terra")
                assert commune is not None
                issue = uow.bonds.get(commune.id, 1)
                assert issue is not None
                held = sum(p - r for p, r in uow.bonds.payments(issue.id).values())
                balances = uow.journal.summary(commune.id).balances
                expected = 0 if issue.status is IssueStatus.CLEARED else held
                assert balances.get("paid_in", 0) == expected
                assert balances.get("paid_in", 0) + balances.get("pledger", 0) == 0
    finally:
        chat.close()
        shutil.rmtree(folder, ignore_errors=True)
