"""What members and treasurers see in situations the worked example does not reach."""

from __future__ import annotations

import json

import pytest
from conftest import ONLY_STORED
from harness import ConsoleChat
from sqlalchemy import text


@pytest.fixture
def terra(rules_terra: ConsoleChat) -> ConsoleChat:
    """In memory (tests/memory_chat.py) unless marked ``@ONLY_STORED``: those reach a
    period's clearing, or read the database itself."""
    return rules_terra


CLEARED = """
ana@group: /pledge 1 500
cai@group: /pledge 1 300
dee@group: /pledge 1 200
"""


def lines_for(out: list[str], prefix: str) -> list[str]:
    return [line for line in out if line.startswith(prefix)]


@ONLY_STORED
def test_a_statement_asked_in_the_group_goes_by_dm(terra: ConsoleChat) -> None:
    terra.script(CLEARED + ":now 2027-01-15T10:00:00Z\nana@group: /rent 1 333.33")
    terra.say(":now 2027-02-01T09:00:00Z")
    out = terra.say("cai@group: /statement")
    group = lines_for(out, "[group]")
    assert group == ["[group] 📬 cai, I sent your statement by private message."]
    assert not any("€" in line for line in group)
    assert lines_for(out, "[dm cai]")[0] == "[dm cai] Your statement — January 2027 (Terra)"
    assert "[dm cai] Bond #1 (Tractor): €100.00 repaid to you, €200.00 still owed" in out


@ONLY_STORED
def test_an_older_statement_reads_as_it_did_then(terra: ConsoleChat) -> None:
    terra.script(CLEARED + ":now 2027-01-15T10:00:00Z\nana@group: /rent 1 333.33")
    terra.script(":now 2027-02-15T10:00:00Z\nana@group: /rent 1 333.33\n:now 2027-03-02T00:00Z")
    out = terra.say("dee@dm: /statement 2027-01")
    assert "[dm dee] Bond #1 (Tractor): €66.67 repaid to you, €133.33 still owed" in out
    assert "[dm dee] Year to date: dividends €0.00 · repaid €66.67" in out


@ONLY_STORED
def test_expiry_tells_the_group_and_each_pledger(terra: ConsoleChat) -> None:
    terra.say("ana@group: /pledge 1 500", "cai@group: /pledge 1 100")
    out = terra.say(":now 2027-01-01T00:00:00Z")
    assert out[0] == (
        "[group] ⌛ Bond #1 (Tractor) expired at €600.00 of €1,000.00. Pledges are released."
    )
    assert (
        "[dm ana] ⌛ Bond #1 (Tractor) expired before it was fully pledged. Your pledge of "
        "€500.00 is released." in out
    )
    assert any(line.startswith("[dm cai] ⌛") for line in out)
    assert terra.say("ben@group: /bonds")[0].startswith("[group] No bond issues are open.")


@ONLY_STORED
def test_the_deadline_day_lasts_all_day_in_the_communes_time_zone(terra: ConsoleChat) -> None:
    """31 Dec in Madrid ends at 23:00 UTC: a pledge at 22:59 UTC is still in time."""
    assert terra.say(":now 2026-12-31T22:59:00Z") == []
    assert terra.say("ana@group: /pledge 1 500")[0].startswith("[group] ✋ ana pledged")
    assert terra.say(":now 2026-12-31T23:00:00Z")[0].startswith("[group] ⌛ Bond #1")


def test_withdrawing_releases_every_pledger(terra: ConsoleChat) -> None:
    terra.say("ana@group: /pledge 1 500")
    out = terra.say("ben@group: /withdraw 1")
    assert out[0] == ("[group] 🚫 Bond #1 (Tractor) was withdrawn. Pledges are released.")
    assert (
        out[1] == "[dm ana] 🚫 Bond #1 (Tractor) was withdrawn. Your pledge of €500.00 is released."
    )


def test_pledges_add_up_and_keep_their_place(terra: ConsoleChat) -> None:
    terra.say("cai@group: /pledge 1 100", "ana@group: /pledge 1 500", "cai@group: /pledge 1 200")
    out = terra.say("dee@group: /pledge 1 200")
    assert "[dm cai] 🎉 Bond #1 (Tractor) cleared. You hold €300.00 of it." in out[-3]
    holders = [line.split()[1] for line in out if "You hold" in line]
    assert holders == ["cai]", "ana]", "dee]"]  # cai pledged first


def test_unpledging_then_pledging_again_goes_to_the_end(terra: ConsoleChat) -> None:
    terra.say("cai@group: /pledge 1 100", "ana@group: /pledge 1 500")
    assert "took back a pledge of €100.00" in terra.say("cai@group: /unpledge 1")[0]
    terra.say("cai@group: /pledge 1 300")
    out = terra.say("dee@group: /pledge 1 200")
    holders = [line.split()[1] for line in out if "You hold" in line]
    assert holders == ["ana]", "cai]", "dee]"]


def test_a_member_who_joins_mid_month_shares_from_the_next_month(chat: ConsoleChat) -> None:
    chat.script("""
        :now 2026-11-15T09:00:00Z
        :admin ana group
        ana@group: /setup Luna EUR
        ana@group: /coop new Horno
        ana@group: /join Horno
        ben@group: /join
        ana@group: /propose Oven 100 100 2026-11-30
        ana@group: /pledge 1 100
        :now 2026-12-10T09:00:00Z
        cai@group: /join
        ana@group: /rent 1 250
        :now 2027-01-01T00:00:01Z
    """)
    report = json.loads(_report(chat, "Luna", "2026-12"))
    # 250.00 rent: 100.00 repays the bond, 150.00 is split between ana and ben only.
    assert report["eligible_members"] == 2
    assert report["dividend_per_member"] == "75.00"
    assert {m["name"]: m["dividend"] for m in report["members"]} == {
        "ana": "75.00",
        "ben": "75.00",
        "cai": "0.00",
    }


def test_the_remainder_carries_to_the_next_month(chat: ConsoleChat) -> None:
    chat.script("""
        :now 2026-11-15T09:00:00Z
        :admin ana group
        ana@group: /setup Sol EUR
        ana@group: /coop new Taller
        ana@group: /join Taller
        ben@group: /join
        cai@group: /join
        ana@group: /propose Lathe 0.01 100.01 2026-11-30
        ana@group: /pledge 1 0.01
        :now 2026-12-10T09:00:00Z
        ana@group: /rent 1 100.01
        :now 2027-01-10T09:00:00Z
        ana@group: /rent 1 0.02
        :now 2027-02-01T00:00:01Z
    """)
    december = json.loads(_report(chat, "Sol", "2026-12"))
    assert (december["dividend_pool"], december["dividend_per_member"], december["carry_out"]) == (
        "100.00",
        "33.33",
        "0.01",
    )
    january = json.loads(_report(chat, "Sol", "2027-01"))
    assert (
        january["carry_in"],
        january["dividend_pool"],
        january["dividend_per_member"],
        january["carry_out"],
    ) == ("0.01", "0.03", "0.01", "0.00")


def test_one_commune_never_sees_anothers_data(terra: ConsoleChat) -> None:
    terra.script("""
        :admin zoe other
        zoe@other: /setup Luna EUR
        zoe@other: /coop new Horno
        zoe@other: /join Horno
        zoe@other: /propose Oven 4000 90 2027-03-31
    """)
    luna = terra.say("zoe@other: /bonds")
    assert "Oven" in "\n".join(luna) and "Tractor" not in "\n".join(luna)
    terra_ = terra.say("ana@group: /bond 1")
    assert terra_[0] == "[group] 🏗 Bond #1 — Tractor for Tierra"
    assert terra.say("ana@other: /pledge 1 10")[0] == (
        "[other] You are not a member of Luna yet. Join with /join"
    )
    assert terra.say("zoe@group: /pledge 1 10")[0] == (
        "[group] You are not a member of Terra yet. Join with /join"
    )
    ledger = "\n".join(terra.say("zoe@other: /ledger"))
    assert "Tractor" not in ledger and "Terra" not in ledger


def test_leaving_releases_open_pledges_but_keeps_holdings(terra: ConsoleChat) -> None:
    terra.say("cai@group: /pledge 1 300")
    out = terra.say("cai@group: /leave")
    assert out == [
        "[group] cai has left Terra. Bonds they hold are still repaid to them.",
        "[group] Their pledges on #1 were released.",
    ]
    assert "0 pledgers" in terra.say("ana@group: /bond 1")[2]


@ONLY_STORED
def test_the_ledger_shows_the_open_books(terra: ConsoleChat) -> None:
    terra.script(CLEARED + ":now 2027-01-15T10:00:00Z\nana@group: /rent 1 333.33")
    terra.say(":now 2027-02-01T09:00:00Z")
    out = terra.say("ben@group: /ledger")
    assert out == [
        "[group] 📖 Open books of Terra",
        "[group] #1 Tractor (Tierra): price €1,000.00 · owed €666.67 · rent received €333.33",
        "[group] Rent received €333.33 · repaid to bondholders €333.33 · dividends paid €0.00",
        "[group] Still owed €666.67 · carried €0.00 · common pool €0.00",
        "[group] Paid out to members €0.00 in February 2027 · €0.00 in all · €333.33 still "
        "owed to them",
        "[group] Journal: 4 entries, all balanced ✔",
    ]


def _report(chat: ConsoleChat, commune: str, period: str) -> str:
    from handlers.reports import clearing_report

    with chat.database.unit_of_work() as uow:
        return json.dumps(clearing_report(uow, commune, period))


def test_help_lists_what_only_admins_may_do_to_admins_only(terra) -> None:
    """A member reads /coop and /assembly; an admin also reads how to create them."""
    member = "\n".join(terra.say("ben@group: /help"))
    admin = "\n".join(terra.say("ana@group: /help"))
    assert "[group] /coop\n" in member and "/coop new" not in member
    assert "[group] /assembly <number>\n" in member and "/assembly new" not in member
    assert "/coop new <name> · /coop" in admin and "/assembly new" in admin


@ONLY_STORED
def test_a_statement_asked_later_keeps_the_cooperatives_size_of_its_clearing(terra) -> None:
    """The rent per Tierra member is January's, however many join Tierra afterwards;
    a clearing from before sizes were kept (none kept) still counts its members now."""
    terra.say(
        "ana@group: /pledge 1 500",
        "cai@group: /pledge 1 300",
        "dee@group: /pledge 1 200",
        ":now 2027-01-15T10:00:00Z",
        "ana@group: /rent 1 333.33",
        ":now 2027-02-01T09:00:00Z",
    )
    share = "[dm ben] Tierra paid rent €333.33 (€166.67 per Tierra member)"
    assert share in terra.say("ben@dm: /statement 2027-01")
    terra.say("eve@group: /join Tierra", "fay@group: /join Tierra")
    assert share in terra.say("ben@dm: /statement 2027-01")
    with terra.database.engine.begin() as connection:
        connection.execute(text("DELETE FROM clearing_cooperative"))
    now = "[dm ben] Tierra paid rent €333.33 (€83.33 per Tierra member)"  # ana, ben, eve, fay
    assert now in terra.say("ben@dm: /statement 2027-01")
