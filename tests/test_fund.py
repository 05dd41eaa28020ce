"""The common fund and participatory budgeting (issue 13), month by month.

Terra keeps half of each dividend pool in its common fund (``/policy fund 50%``). An
oven of €100 for Tierra pays €300 a month: January repays it and leaves a pool of
€200 (€100 kept, €25 each to four members), February a pool of €300 (€150 kept). In
March a budget round weighs four grants against the €250 in the fund: by most yes
votes, the seeds (€100) and then the oven's repair (€120, tied with the bikes but put
first) are funded; the bikes (€80) pass but no longer fit, "passed, not funded"; the
books (€30) still fit and are funded. Then the refusals, a grant outside a budget
round that the fund does not cover, the /assembly form's budget question, the
languages, and random periods through the handlers conserving money.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import ONLY_STORED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_action_motions import unit_of_work
from test_arrears import dms, report
from test_conservation_end_to_end import founded

from handlers.check import find_discrepancies

FUNDED = """
:now 2026-12-01T09:00:00Z
:admin ana group
ana@group: /setup Terra EUR Europe/Madrid
ana@group: /coop new Tierra
ana@group: /coop new Pan
ana@group: /join Tierra
ben@group: /join Tierra
cai@group: /join Pan
dee@group: /join Pan
ana@group: /policy fund 50%
ben@group: /propose Oven 100 300 2026-12-31
ana@group: /pledge 1 60
cai@group: /pledge 1 40
"""
JANUARY_AND_FEBRUARY = """
:now 2027-01-15T10:00:00Z
ana@group: /rent 1 300
:now 2027-02-15T10:00:00Z
ana@group: /rent 1 300
:now 2027-03-01T09:00:00Z
"""
BUDGET = """
ana@group: /assembly new "Budget 2027" 2027-03-10T18:00 2027-03-10T20:00 budget
ana@group: /motion 1 fund 120 "Oven repair" to Pan
ana@group: /motion 1 fund 100 "Seeds" to Tierra
ana@group: /motion 1 fund 80 "Bikes" to dee
ana@group: /motion 1 fund 30 "Books" to cai
"""
VOTES = """
:now 2027-03-10T17:30:00Z
ana@group: /vote 1 yes
ana@group: /vote 2 yes
ana@group: /vote 3 yes
ana@group: /vote 4 yes
ben@group: /vote 1 yes
ben@group: /vote 2 yes
ben@group: /vote 3 yes
ben@group: /vote 4 no
cai@group: /vote 1 yes
cai@group: /vote 2 yes
cai@group: /vote 3 yes
cai@group: /vote 4 yes
dee@group: /vote 2 yes
dee@group: /vote 1 no
dee@group: /vote 3 no
"""
CLOSE = ":now 2027-03-10T19:30:00Z"


def grant(amount: str, to: str, purpose: str) -> str:
    return f'Grant €{amount} from the common fund to {to} for "{purpose}"'


def group(lines: list[str]) -> list[str]:
    return [line.removeprefix("[group] ") for line in lines if line.startswith("[group]")]


def clean(chat) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(chat) as uow:
        assert find_discrepancies(uow) == []


@ONLY_STORED
def test_a_budget_round_month_by_month_with_one_passing_grant_not_funded(rules_chat) -> None:  # type: ignore[no-untyped-def]
    chat = rules_chat
    chat.script(FUNDED)
    months = group(chat.script(JANUARY_AND_FEBRUARY))
    # January: €100 repays the oven; of the €200 pool the fund keeps €100.
    assert (
        "Rent received €300.00 (1 lease) · repaid to bondholders €100.00 · dividend pool €200.00"
        in months
    )
    assert "Dividend: €25.00 each to 4 members · carried to February 2027: €0.00" in months
    assert "Kept in the common fund, before the dividend: €100.00." in months
    # February: a pool of €300, €150 kept, €37.50 each.
    assert "Dividend: €37.50 each to 4 members · carried to March 2027: €0.00" in months
    assert "Kept in the common fund, before the dividend: €150.00." in months
    assert group(chat.say("cai@group: /ledger"))[-3:] == [
        "Common fund €250.00 · kept from dividend pools €250.00 · granted by assemblies €0.00",
        "Paid out to members €0.00 in March 2027 · €0.00 in all · €350.00 still owed to them",
        "Journal: 6 entries, all balanced ✔",
    ]
    flows = ("fund_in", "fund_out", "fund_balance")
    assert [report(chat, p)[k] for p in ("2027-01", "2027-02") for k in flows] == [
        "100.00", "0.00", "100.00", "150.00", "0.00", "250.00",
    ]  # fmt: skip
    clean(chat)
    # March: the budget round.
    agenda = group(chat.script(BUDGET))
    assert agenda[1] == (
        "Votes open Wed 10 Mar 2027 18:00, close Wed 10 Mar 2027 20:00 · budget round: "
        "grants funded by most yes votes"
    )
    oven, seeds = grant("120.00", "Pan", "Oven repair"), grant("100.00", "Tierra", "Seeds")
    bikes, books = grant("80.00", "dee", "Bikes"), grant("30.00", "cai", "Books")
    assert agenda[-4:] == [
        f"Motion {n} added to Budget 2027: {text} — majority"
        for n, text in enumerate((oven, seeds, bikes, books), start=1)
    ]
    chat.script(VOTES)
    closed = chat.say(CLOSE)
    # Seeds (4 yes), then oven repair (3 yes, before the bikes' 3), then the books.
    assert dms(closed, "ana") == [
        f"💸 Motion 2 carried: {seeds[6:]}. Please pay it out.",
        f"💸 Motion 1 carried: {oven[6:]}. Please pay it out.",
        f"💸 Motion 4 carried: {books[6:]}. Please pay it out.",
    ]
    assert dms(closed, "ben") == []  # only the treasurer pays
    holds = "the treasurer pays it out; the common fund holds"
    assert group(closed)[1:9] == [
        f"1. {oven} — CARRIED: yes 3 · no 1 · abstain 0",
        f"→ carried out: €120.00 granted to Pan; {holds} €30.00",
        f"2. {seeds} — CARRIED: yes 4 · no 0 · abstain 0",
        f"→ carried out: €100.00 granted to Tierra; {holds} €150.00",
        f"3. {bikes} — CARRIED: yes 3 · no 1 · abstain 0",
        "→ passed, not funded: the common fund had €30.00 left, less than €80.00",
        f"4. {books} — CARRIED: yes 2 · no 1 · abstain 0",
        f"→ carried out: €30.00 granted to cai; {holds} €0.00",
    ]
    assert group(chat.say("dee@group: /ledger"))[-3:] == [
        "Common fund €0.00 · kept from dividend pools €250.00 · granted by assemblies €250.00",
        "Paid out to members €0.00 in March 2027 · €0.00 in all · €350.00 still owed to them",
        "Journal: 9 entries, all balanced ✔",
    ]
    clean(chat)
    # April: March's pool of €300 keeps €150 again; March granted €250.
    chat.say(":now 2027-03-15T10:00:00Z", "ana@group: /rent 1 300", ":now 2027-04-01T09:00:00Z")
    march = report(chat, "2027-03")
    assert (march["fund_in"], march["fund_out"], march["fund_balance"]) == (
        "150.00",
        "250.00",
        "150.00",
    )
    with unit_of_work(chat) as uow:
        commune = uow.communes.by_name("Terra")
        assert commune is not None
        assert uow.fund.balance(commune.id) == 15000
    clean(chat)


def test_each_refused_grant_says_why_and_changes_nothing(rules_chat) -> None:  # type: ignore[no-untyped-def]
    chat = rules_chat
    chat.script(FUNDED)
    chat.say('ana@group: /assembly new "Budget" 2026-12-10T18:00 2026-12-10T20:00 budget')
    before = chat.snapshot()
    refusals = {
        '/motion 1 fund 50 "Seeds" to Nobody': "There is no cooperative or member called "
        "Nobody: a grant from the common fund goes to one of them (/coop lists the "
        "cooperatives).",
        '/motion 1 fund 0 "Seeds" to Pan': "The amount must be more than zero, e.g. 500 or 12.50",
        '/motion 1 fund -5 "Seeds" to Pan': None,
        '/motion 1 fund abc "Seeds" to Pan': None,
        '/motion 1 fund 50 "Seeds" for Pan': None,
    }
    for line, said in refusals.items():
        got = chat.say(f"ana@group: {line}")
        assert len(got) == 1 and got[0].startswith("[group] "), (line, got)
        if said is not None:
            assert got == [f"[group] {said}"], line
        assert chat.snapshot() == before, line
    usage = chat.say('ana@group: /motion 1 fund 50 "Seeds" for Pan')[0]
    assert usage.endswith('for example /motion 1 fund 500 "Seeds for the garden" to Pan')
    # Members may put a grant as a proposal; only admins put it on the agenda at once.
    assert chat.say('ben@group: /motion 1 fund 50 "Seeds" to Pan')[0].startswith("[group] ")


def test_a_grant_the_fund_does_not_cover_is_not_carried_out(rules_chat) -> None:  # type: ignore[no-untyped-def]
    """Outside a budget round too: the fund is empty (no clearing kept anything)."""
    chat = rules_chat
    chat.script(FUNDED)
    chat.say('ana@group: /assembly new "Spring" 2026-12-10T18:00 2026-12-10T20:00')
    chat.say('ana@group: /motion 1 fund 50 "Seeds" to ben')
    chat.say(":now 2026-12-10T17:30:00Z", "ana@group: /vote 1 yes", "ben@group: /vote 1 yes")
    closed = chat.say(":now 2026-12-10T19:30:00Z")
    assert "→ not carried out: the common fund holds €0.00, less than €50.00" in group(closed)
    assert dms(closed, "ana") == []
    with unit_of_work(chat) as uow:
        commune = uow.communes.by_name("Terra")
        assert commune is not None
        assert uow.fund.balance(commune.id) == 0
        assert uow.fund.flows(commune.id).fund_out == 0


def test_a_grant_to_a_member_who_left_is_not_carried_out(rules_chat) -> None:  # type: ignore[no-untyped-def]
    chat = rules_chat
    chat.script(FUNDED)
    chat.say('ana@group: /assembly new "Spring" 2026-12-10T18:00 2026-12-10T20:00')
    chat.say('ana@group: /motion 1 fund 50 "Bikes" to dee')
    chat.say(":now 2026-12-10T17:30:00Z", "ana@group: /vote 1 yes", "ben@group: /vote 1 yes")
    chat.say("dee@group: /leave")
    closed = chat.say(":now 2026-12-10T19:30:00Z")
    assert "→ not carried out: dee is no longer in the commune" in group(closed)


def test_the_assembly_form_asks_for_a_budget_round_only_with_a_grant(rules_chat) -> None:  # type: ignore[no-untyped-def]
    chat = rules_chat
    chat.script(FUNDED)
    answers = ["/assembly", "Budget", "2026-12-10T18:00", "2h", "none", "no", "no", "yes"]
    for answer in answers:
        chat.say(f"ana@group: {answer}")
    chat.say('ana@group: fund 50 "Seeds" to Pan')
    asked = chat.say("ana@group: done")
    assert asked[-1].startswith("[group] A budget round? yes: the grants that carry")
    summary = chat.say("ana@group: yes")
    assert any("budget round: grants funded by most yes votes" in line for line in summary)
    created = chat.say("ana@group: yes")
    assert any("budget round: grants funded by most yes votes" in line for line in created)
    with unit_of_work(chat) as uow:
        commune = uow.communes.by_name("Terra")
        assert commune is not None
        held = uow.assemblies.get(commune.id, 1)
        assert held is not None and held.budget
    # Without a grant among the motions, the question is not asked.
    for answer in [*answers[:1], "Spring", *answers[2:]]:
        chat.say(f"ana@group: {answer}")
    chat.say("ana@group: Buy a tractor")
    summary = chat.say("ana@group: done")
    assert any("Is this right?" in line for line in summary)
    assert not any("budget round" in line for line in summary)


def test_grants_speak_the_member_s_language(rules_chat) -> None:  # type: ignore[no-untyped-def]
    chat = rules_chat
    chat.script(FUNDED)
    chat.say("ana@group: /lang es", "cai@group: /lang ca")
    chat.say('ana@group: /assembly new "Spring" 2026-12-10T18:00 2026-12-10T20:00 budget')
    chat.say('ana@group: /motion 1 fund 50 "Seeds" to Pan')
    shown = chat.say("cai@group: /assembly 1")
    assert "ronda de pressupost: subvencions per més vots a favor" in shown[1]
    assert "Concedir 50,00\xa0€ del fons comú a Pan per a «Seeds»" in shown[2]
    assert chat.say('ana@group: /motion 1 fund 5 "X" to Nadie') == [
        "[group] No hay ninguna cooperativa ni miembro llamado Nadie: una subvención del "
        "fondo común va a una cooperativa o a un miembro (/coop lista las cooperativas)."
    ]
    chat.say(":now 2026-12-10T17:30:00Z", "ana@group: /vote 1 yes")
    closed = chat.say(":now 2026-12-10T19:30:00Z")
    # The group hears it in the commune's language.
    not_funded = "→ passed, not funded: the common fund had €0.00 left, less than €50.00"
    assert f"[group] {not_funded}" in closed


fund_plan = st.fixed_dictionaries(
    {
        "members": st.integers(1, 5),
        "percent": st.integers(0, 100),
        "rents": st.lists(st.integers(0, 200_000), min_size=2, max_size=2),
        "grants": st.lists(st.integers(1, 150_000), min_size=0, max_size=3),
        "budget": st.booleans(),
    }
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fund_plan)
def test_the_fund_conserves_money_through_the_handlers_and_the_books(plan: dict) -> None:
    """Two clearings keep a random share; an assembly grants random amounts from what
    they kept, budget round or not; a third clearing follows. Every clearing conserves
    rent + carry in = redeemed + dividends + carry out + fund share, the fund holds the
    shares less the grants (never less than zero), and ``minga check`` finds nothing."""
    with founded(plan["members"]) as (commune, members):
        commune.say("m0", f"/policy fund {plan['percent']}%")
        commune.say("m0", "/propose Asset 1 1 2026-12-31")
        commune.say("m0", "/pledge 1 1")
        for month, rent in zip((1, 2), plan["rents"], strict=True):
            commune.at(datetime(2027, month, 15, tzinfo=UTC))
            if rent:
                commune.say("m0", f"/rent 1 {rent / 100:.2f}")
        commune.at(datetime(2027, 3, 2, 9, tzinfo=UTC))
        budget = " budget" if plan["budget"] else ""
        commune.say("m0", f'/assembly new "A" 2027-03-10T18:00 2027-03-10T20:00{budget}')
        for amount in plan["grants"]:
            commune.say("m0", f'/motion 1 fund {amount / 100:.2f} "Thing" to Coop')
        commune.at(datetime(2027, 3, 10, 17, 30, tzinfo=UTC))
        for n, name in enumerate(members):
            for number in range(1, len(plan["grants"]) + 1):
                commune.say(name, f"/vote {number} {'yes' if (n + number) % 3 else 'no'}")
        commune.at(datetime(2027, 3, 10, 19, 30, tzinfo=UTC))
        commune.at(datetime(2027, 4, 2, 9, tzinfo=UTC))

        shares = 0
        clearings = commune.rows(
            "SELECT rent_received, carry_in, redeemed, eligible, dividend_each, carry_out, pool, "
            "fund_share, fund_percent FROM clearing ORDER BY period"
        )
        for rent, carry_in, redeemed, eligible, each, carry_out, pool, share, percent in clearings:
            assert rent + carry_in == redeemed + each * eligible + carry_out + share
            assert share == pool * plan["percent"] // 100 and percent == plan["percent"]
            shares += share
        granted = sum(amount for (amount,) in commune.rows("SELECT amount FROM fund_grant"))
        assert granted <= shares
        fund = commune.rows(
            "SELECT coalesce(sum(amount), 0) FROM journal_posting WHERE account_kind = 'fund'"
        )
        assert fund == [(shares - granted,)]
        with commune.database.unit_of_work() as uow:
            assert find_discrepancies(uow) == []
        commune.database.dispose()


@pytest.mark.parametrize("value", ["0%", "100%"])
def test_the_fund_policy_is_set_like_the_others(rules_chat, value: str) -> None:  # type: ignore[no-untyped-def]
    chat = rules_chat
    chat.script(FUNDED)
    assert chat.say(f"ana@group: /policy fund {value}")[0].startswith("[group] ana changed")
    before = chat.snapshot()
    assert (
        chat.say("ana@group: /policy fund 150%") == ["[group] fund takes 0%–100%, not 150%."]
        or chat.snapshot() == before
    )
    assert chat.snapshot() == before
