"""Ending a lease, selling the asset, letting it again (issue 13), month by month.

The lease of tests/test_arrears.py pays €100 in January and nothing after; its end
goes to the April assembly by itself and carries. In May the treasurer sells the
Tractor: below what the bondholders are still owed (the rest is written off), or
above it (the rest goes to May's dividend pool); or the assembly lets it again. Last,
random sales through the handlers conserve money and leave the books clean.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import ONLY_STORED
from harness import ConsoleChat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_action_motions import unit_of_work
from test_arrears import LEASED, arrears_dm, dms, report
from test_conservation_end_to_end import founded, split

from handlers.check import find_discrepancies

# After January ana (600.00) is owed 540.00 and cai (400.00) 360.00: €900.00 in all.
# The April assembly ends the lease with April; Pan is a second cooperative.
ENDED = """
ana@group: /coop new Pan
:now 2027-01-15T09:00:00Z
dee@group: /rent 1 100
:now 2027-02-02T09:00:00Z
:now 2027-03-02T09:00:00Z
:now 2027-03-20T09:00:00Z
ana@group: /assembly new "April assembly" 2027-04-10T18:00 2027-04-10T20:00
:now 2027-04-02T09:00:00Z
"""
CARRIED = """
:now 2027-04-10T16:30:00Z
ana@group: /vote 1 yes
ben@group: /vote 1 yes
cai@group: /vote 1 yes
dee@group: /vote 1 yes
:now 2027-04-10T18:30:00Z
:now 2027-05-02T09:00:00Z
"""


def ended(chat: ConsoleChat) -> list[str]:
    """The lease three months in arrears, its end carried; April cleared."""
    chat.script(LEASED)
    months = chat.script(ENDED)  # January to March cleared: its end goes to the assembly
    assert any(line.startswith("In arrears 3 periods in a row.") for line in dms(months, "dee"))
    return chat.script(CARRIED)


def clean(chat: ConsoleChat) -> None:
    with unit_of_work(chat) as uow:
        assert find_discrepancies(uow) == []


def statement(lines: list[str], who: str) -> list[str]:
    got = dms(lines, who)
    start = next(n for n, line in enumerate(got) if line.startswith("Your statement"))
    end = next(n for n in range(start, len(got)) if got[n].startswith("Year to date"))
    while end + 1 < len(got) and got[end + 1].startswith(("Paid to you", "Still owed to you")):
        end += 1  # what was paid out, and is still owed (tests/test_payouts.py)
    return got[start : end + 1]


@ONLY_STORED
def test_a_lease_in_arrears_ended_and_sold_below_what_is_owed(rules_chat: ConsoleChat) -> None:
    chat = rules_chat
    chat.script(LEASED)
    chat.script(ENDED)
    # Before the assembly ends it, the lease runs: its asset cannot be sold.
    before = chat.snapshot()
    assert chat.say("dee@group: /sold 1 600") == [
        "[group] The lease of bond #1 (Tractor) has not ended: an assembly ends it first, "
        "with /motion <assembly> end lease 1."
    ]
    assert chat.snapshot() == before
    chat.script(CARRIED)
    # May: the treasurer sells the Tractor for €600, €300 less than is owed.
    sold = chat.say(":now 2027-05-10T09:00:00Z", "dee@group: /sold 1 600")
    assert [line for line in sold if line.startswith("[group]")] == [
        "[group] 🏷 The Tractor of bond #1 was sold for €600.00, booked into May 2027.",
        "[group] Repaid to its bondholders: €600.00 of the €900.00 still owed; €300.00 is "
        "written off.",
    ]
    # Pro rata to what each was owed (540 and 360): 360 and 240 back, 180 and 120 lost.
    assert dms(sold, "ana") == [
        "🏷 The Tractor of bond #1 was sold for €600.00. Of what you were still owed, "
        "€360.00 is repaid to you and €180.00 is written off. Your statement for May 2027 "
        "shows it."
    ]
    assert dms(sold, "cai") == [
        "🏷 The Tractor of bond #1 was sold for €600.00. Of what you were still owed, "
        "€240.00 is repaid to you and €120.00 is written off. Your statement for May 2027 "
        "shows it."
    ]
    assert dms(sold, "ben") == []
    clean(chat)
    assert chat.say("ben@group: /bond 1")[-1] == (
        "[group] 🏷 Its asset was sold for €600.00 in May 2027: nothing more is owed on it."
    )
    # Sold once: a second sale is refused and changes nothing.
    before = chat.snapshot()
    assert chat.say("dee@group: /sold 1 700") == [
        "[group] The Tractor of bond #1 has already been sold: /bond 1 shows the sale."
    ]
    assert chat.snapshot() == before
    may = chat.say(":now 2027-06-02T09:00:00Z")
    assert (
        "[group] Assets sold for €600.00 · left for the dividend pool €0.00 · written off "
        "€300.00." in may
    )
    assert "[group] No bonds are owed." in may
    assert statement(may, "ana") == [
        "Your statement — May 2027 (Terra)",
        "Dividend: €0.00",
        "Bond #1 (Tractor) sold: €360.00 repaid to you, €180.00 written off",
        "Year to date: dividends €0.00 · repaid €420.00",
        "Still owed to you: €420.00",
    ]
    assert "Bond #1 (Tractor) sold: €240.00 repaid to you, €120.00 written off" in dms(may, "cai")
    # The statement asked later reads as the one sent.
    assert chat.say("ana@dm: /statement 2027-05") == [
        f"[dm ana] {line}" for line in statement(may, "ana")
    ]
    numbers = report(chat, "2027-05")
    assert (numbers["sale_proceeds"], numbers["written_off"]) == ("600.00", "300.00")
    assert [(m["name"], m["outstanding"]) for m in numbers["members"]] == [
        ("ana", {"1": "0.00"}),
        ("ben", {}),
        ("cai", {"1": "0.00"}),
        ("dee", {}),
    ]
    assert [
        {k: lease[k] for k in ("issue", "cooperative", "rent_due", "outstanding", "status")}
        for lease in numbers["leases"]
    ] == [
        {
            "issue": 1,
            "cooperative": "Tierra",
            "rent_due": "0.00",
            "outstanding": "0.00",
            "status": "sold",
        }
    ]
    april = report(chat, "2027-04")
    assert (april["sale_proceeds"], april["written_off"]) == ("0.00", "0.00")
    # April's report, asked after the sale, still shows what was owed after April.
    assert [m["outstanding"] for m in april["members"] if m["name"] == "ana"] == [{"1": "540.00"}]
    june = chat.say(":now 2027-07-02T09:00:00Z")
    assert report(chat, "2027-06")["leases"] == []
    assert arrears_dm(june, "dee") == []
    clean(chat)


@ONLY_STORED
def test_a_sale_above_what_is_owed_leaves_the_rest_to_the_dividend(
    rules_chat: ConsoleChat,
) -> None:
    chat = rules_chat
    ended(chat)
    sold = chat.say(":now 2027-05-10T09:00:00Z", "dee@group: /sold 1 1000")
    assert [line for line in sold if line.startswith("[group]")] == [
        "[group] 🏷 The Tractor of bond #1 was sold for €1,000.00, booked into May 2027.",
        "[group] Its bondholders get back the €900.00 still owed; €100.00 goes to the "
        "dividend pool of May 2027.",
    ]
    assert dms(sold, "cai") == [
        "🏷 The Tractor of bond #1 was sold for €1,000.00. The €360.00 you were still owed is "
        "repaid to you in full. Your statement for May 2027 shows it."
    ]
    # An asset sold is never let again.
    chat.say('ana@group: /assembly new "May assembly" 2027-05-20T18:00 2027-05-20T20:00')
    before = chat.snapshot()
    assert chat.say("ana@group: /motion 2 relet 1 Pan 250") == [
        "[group] The Tractor of bond #1 has already been sold: /bond 1 shows the sale."
    ]
    assert chat.snapshot() == before
    may = chat.say(":now 2027-06-02T09:00:00Z")
    numbers = report(chat, "2027-05")
    # The €100 left joins May's pool: €25 each to the four members.
    assert {key: numbers[key] for key in ("rent_received", "carry_in", "redeemed")} == {
        "rent_received": "0.00",
        "carry_in": "0.00",
        "redeemed": "0.00",
    }
    assert (numbers["dividend_pool"], numbers["dividend_per_member"]) == ("100.00", "25.00")
    assert (numbers["sale_proceeds"], numbers["written_off"], numbers["carry_out"]) == (
        "1000.00",
        "0.00",
        "0.00",
    )
    assert statement(may, "cai")[1:3] == [
        "Dividend: €25.00",
        "Bond #1 (Tractor) sold: €360.00 repaid to you, nothing more owed",
    ]
    clean(chat)


@ONLY_STORED
@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("ben@group: /sold 1 600", "Only a treasurer can record"),
        ("dee@group: /sold 9 600", "There is no bond #9."),
        ("dee@group: /sold 1 0", "The amount must be more than zero"),
        ("dee@group: /sold 1 lots", None),
        ("dee@group: /sold 1", None),
    ],
)
def test_each_refused_sale_says_why_and_changes_nothing(
    rules_chat: ConsoleChat, line: str, answer: str | None
) -> None:
    chat = rules_chat
    ended(chat)
    chat.say(":now 2027-05-10T09:00:00Z")
    before = chat.snapshot()
    (said,) = chat.say(line)
    assert said.startswith("[group] ")
    if answer is not None:
        assert answer in said
    assert chat.snapshot() == before


@ONLY_STORED
def test_an_ended_lease_let_again_repays_its_holders_from_the_new_rent(
    rules_chat: ConsoleChat,
) -> None:
    chat = rules_chat
    ended(chat)
    chat.say('ana@group: /assembly new "May assembly" 2027-05-20T18:00 2027-05-20T20:00')
    before = chat.snapshot()
    refused = [
        chat.say("ana@group: /motion 2 relet 1 Nowhere 250"),
        chat.say("ana@group: /motion 2 relet 1 Pan 0"),
        chat.say("ana@group: /motion 2 relet 2 Pan 250"),
    ]
    assert refused == [
        ["[group] There is no cooperative called Nowhere. There are: Tierra, Pan."],
        ["[group] The amount must be more than zero, e.g. 500 or 12.50"],
        ["[group] There is no bond #2. /bonds lists the open ones."],
    ]
    assert chat.snapshot() == before
    assert chat.say("ana@group: /motion 2 relet 1 Pan 250") == [
        "[group] Motion 2 added to May assembly: Let the Tractor of bond #1 again to Pan for "
        "€250.00 a month from June 2027 — majority"
    ]
    chat.say(":now 2027-05-20T16:30:00Z")
    chat.say(*(f"{who}@group: /vote 2 yes" for who in ("ana", "ben", "cai", "dee")))
    closed = chat.say(":now 2027-05-20T18:30:00Z")
    assert "[group] → carried out: from June 2027 Pan leases the Tractor for €250.00 a month" in (
        closed
    )
    # Let again, the lease has not ended: it cannot be sold, nor let again twice.
    assert chat.say("dee@group: /sold 1 600") == [
        "[group] The lease of bond #1 (Tractor) has not ended: an assembly ends it first, "
        "with /motion <assembly> end lease 1."
    ]
    chat.say(":now 2027-06-02T09:00:00Z")
    assert chat.say("dee@group: /rent 1 250") == [
        "[group] 💶 Rent of €250.00 received from Pan for the Tractor (bond #1), June 2027."
    ]
    june = chat.say(":now 2027-07-02T09:00:00Z")
    assert "Bond #1 (Tractor): €150.00 repaid to you, €390.00 still owed" in dms(june, "ana")
    assert "Bond #1 (Tractor): €100.00 repaid to you, €260.00 still owed" in dms(june, "cai")
    assert [
        {k: lease[k] for k in ("cooperative", "rent_due", "arrears", "status")}
        for lease in report(chat, "2027-06")["leases"]
    ] == [{"cooperative": "Pan", "rent_due": "250.00", "arrears": "0.00", "status": "active"}]
    bond = chat.say("ben@group: /bond 1")
    assert "[group] Leased from June 2027 · still owed to bondholders €650.00" in bond
    clean(chat)


sale_plan = st.fixed_dictionaries(
    {
        "members": st.integers(1, 5),
        "price": st.integers(1, 200_000),
        "shares": st.lists(st.integers(1, 100), min_size=1, max_size=4),
        "rent": st.integers(0, 150_000),
        "proceeds": st.integers(1, 400_000),
        "other_rent": st.integers(0, 50_000),
    }
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sale_plan)
def test_a_sale_conserves_money_through_the_handlers_and_the_books(plan: dict) -> None:
    """A bond cleared, its December rent recorded, its lease ended by an assembly and its
    asset sold for a random amount; a second lease keeps paying. December's clearing
    conserves rent + carry in + sale proceeds left = redeemed + dividends + carry out,
    the sold bond's holdings are all settled, and ``minga check`` finds nothing."""
    with founded(plan["members"]) as (commune, members):
        for number, price in ((1, plan["price"]), (2, 10_000)):
            commune.say("m0", f"/propose Asset{number} {price / 100:.2f} 1 2027-06-30")
            for n, amount in enumerate(split(price, plan["shares"])):
                commune.say(members[n % len(members)], f"/pledge {number} {amount / 100:.2f}")
        commune.at(datetime(2026, 12, 15, tzinfo=UTC))
        for number, rent in ((1, plan["rent"]), (2, plan["other_rent"])):
            if rent:
                commune.say("m0", f"/rent {number} {rent / 100:.2f}")
        commune.say("m0", '/assembly new "A" 2026-12-20T18:00 2026-12-20T20:00')
        commune.say("m0", "/motion 1 end lease 1")
        commune.at(datetime(2026, 12, 20, 17, 30, tzinfo=UTC))
        for name in members:
            commune.say(name, "/vote 1 yes")
        commune.at(datetime(2026, 12, 20, 19, 30, tzinfo=UTC))
        commune.say("m0", f"/sold 1 {plan['proceeds'] / 100:.2f}")
        commune.at(datetime(2027, 1, 1, 10, tzinfo=UTC))

        ((proceeds, repaid, to_pool, written_off),) = commune.rows(
            "SELECT proceeds, repaid, to_pool, written_off FROM asset_sale"
        )
        assert proceeds == plan["proceeds"]
        assert repaid == min(proceeds, plan["price"]) and repaid + to_pool == proceeds
        assert written_off == plan["price"] - repaid
        (rent, carry_in, redeemed, eligible, each, carry_out, pool) = commune.rows(
            "SELECT rent_received, carry_in, redeemed, eligible, dividend_each, carry_out, pool "
            "FROM clearing WHERE period = '2026-12'"
        )[0]
        assert rent + carry_in + to_pool == redeemed + each * eligible + carry_out
        assert pool == each * eligible + carry_out
        assert commune.rows(
            "SELECT count(*) FROM holding WHERE issue_id = 1 AND redeemed <> principal"
        ) == [(0,)]
        cash = commune.rows(
            "SELECT coalesce(sum(amount), 0) FROM journal_posting WHERE account_kind = 'cash'"
        )
        assert cash == [(carry_out,)]
        with commune.database.unit_of_work() as uow:
            assert find_discrepancies(uow) == []
        commune.database.dispose()
