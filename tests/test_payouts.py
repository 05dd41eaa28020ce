"""Payouts (issue 13): what the commune owes a member stays owed until it is paid.

Month by month on the worked example's Tractor (ana 500, cai 300, dee 200; rent
333.33 a month): January repays ana 166.66, cai 100.00, dee 66.67, all of it owed.
In February the treasurer pays cai 50.00 and ana 100.00; in April everything owed
from clearings up to February (ana 233.33, cai 150.00, dee 133.33); after April's
clearing, everything. Statements, ``minga report`` and ``/ledger`` show each step;
refusals change nothing; whose money moved is said by DM.
"""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from harness import TERRA_SETUP, ConsoleChat
from sqlalchemy import text
from test_action_motions import unit_of_work
from test_arrears import LEASED as LEASED_FOR_SALE
from test_arrears import dms
from test_trust_check import SOLD, _build

from handlers.check import find_discrepancies
from handlers.reports import clearing_report
from storage.migrate import alembic_config
from storage.uow import Database

PLEDGED = """
ana@group: /pledge 1 500
cai@group: /pledge 1 300
dee@group: /pledge 1 200
:now 2027-01-15T10:00:00Z
ana@group: /rent 1 333.33
:now 2027-02-01T09:00:00Z
"""
FEBRUARY = """
:now 2027-02-10T09:00:00Z
ana@group: /payout cai 50
ana@dm: /payout ana 100
:now 2027-02-15T10:00:00Z
ana@group: /rent 1 333.33
:now 2027-03-01T09:00:00Z
"""
MARCH = """
:now 2027-03-15T10:00:00Z
ana@group: /rent 1 333.33
:now 2027-04-01T09:00:00Z
"""
APRIL = """
:now 2027-04-15T10:00:00Z
ana@group: /rent 1 333.33
:now 2027-05-01T09:00:00Z
"""


USAGE = "Use it like this: /payout <member> [amount] · /payout all [YYYY-MM]"


def statement(lines: list[str], who: str) -> list[str]:
    """``who``'s statement among ``lines``, from its year to date on."""
    got = dms(lines, who)
    start = next(n for n, line in enumerate(got) if line.startswith("Year to date"))
    return got[start:]


def members(chat: ConsoleChat, period: str) -> dict[str, dict[str, Any]]:
    with unit_of_work(chat) as uow:
        report = clearing_report(uow, "Terra", period)
    return {member["name"]: member for member in report["members"]}


def clean(chat: ConsoleChat) -> None:
    with unit_of_work(chat) as uow:
        assert find_discrepancies(uow) == []


@pytest.fixture
def january(chat: ConsoleChat) -> ConsoleChat:
    """Terra with January cleared: ana owed 166.66, cai 100.00, dee 66.67."""
    chat.script(TERRA_SETUP + PLEDGED)
    return chat


def test_owed_paid_in_part_then_up_to_february_then_all(january: ConsoleChat) -> None:
    chat = january
    assert members(chat, "2027-01")["ana"] | {"redemptions": None, "outstanding": None} == {
        "name": "ana",
        "dividend": "0.00",
        "redemptions": None,
        "outstanding": None,
        "paid_out": "0.00",
        "owed": "166.66",
    }
    # February: cai is paid 50.00 in the group, ana 100.00 by DM; February clears.
    feb = chat.script(FEBRUARY)
    assert [line for line in feb if line.startswith("[group]")][:1] == [
        "[group] 📬 ana, I sent what was paid out by private message."
    ]
    assert not any("€50.00" in line or "€100.00" in line for line in feb if "[group]" in line)
    assert "💸 Recorded: €50.00 paid out to cai. Still owed to them: €50.00." in dms(feb, "ana")
    assert (
        "💸 The treasurer paid you €50.00 of what the commune owes you. Still owed to you: €50.00."
        in dms(feb, "cai")
    )
    assert "💸 Recorded: €100.00 paid out to ana. Still owed to them: €66.66." in dms(feb, "ana")
    assert statement(feb, "ana") == [
        "Year to date: dividends €0.00 · repaid €333.33",
        "Paid to you in February 2027: €100.00",
        "Still owed to you: €233.33",
    ]
    assert statement(feb, "cai")[1:] == [
        "Paid to you in February 2027: €50.00",
        "Still owed to you: €150.00",
    ]
    # March: nothing paid; ana is owed what January, February and March repaid her.
    march = chat.script(MARCH)
    assert statement(march, "ana")[1:] == ["Still owed to you: €399.99"]
    # April: everything owed from clearings up to February, then April clears.
    paid = chat.say("ana@group: /payout all 2027-02")
    assert paid == [
        "[group] 📬 ana, I sent what was paid out by private message.",
        "[dm ana] 💸 Recorded: €516.66 paid out to 3 members, everything owed from clearings "
        "up to February 2027.",
    ]
    assert chat.say("ben@group: /ledger")[-2] == (
        "[group] Paid out to members €516.66 in April 2027 · €666.66 in all · €333.33 still "
        "owed to them"
    )
    april = chat.script(APRIL)
    assert statement(april, "ana")[1:] == [
        "Paid to you in April 2027: €233.33",
        "Still owed to you: €250.00",  # March's 166.66, April's 0.01 and dividend 83.33
    ]
    assert statement(april, "cai")[1:] == [
        "Paid to you in April 2027: €150.00",
        "Still owed to you: €183.33",
    ]
    assert statement(april, "ben")[1:] == ["Still owed to you: €83.33"]
    # A statement asked later reads as the one sent.
    assert chat.say("ana@dm: /statement 2027-02")[-2:] == [
        "[dm ana] Paid to you in February 2027: €100.00",
        "[dm ana] Still owed to you: €233.33",
    ]
    # The reports: paid out in the period, owed after it.
    owed = {
        period: {name: (m["paid_out"], m["owed"]) for name, m in members(chat, period).items()}
        for period in ("2027-02", "2027-03", "2027-04")
    }
    assert owed == {
        "2027-02": {
            "ana": ("100.00", "233.33"),
            "ben": ("0.00", "0.00"),
            "cai": ("50.00", "150.00"),
            "dee": ("0.00", "133.33"),
        },
        "2027-03": {
            "ana": ("0.00", "399.99"),
            "ben": ("0.00", "0.00"),
            "cai": ("0.00", "250.00"),
            "dee": ("0.00", "200.00"),
        },
        "2027-04": {
            "ana": ("233.33", "250.00"),
            "ben": ("0.00", "83.33"),
            "cai": ("150.00", "183.33"),
            "dee": ("133.33", "150.00"),
        },
    }
    # Everything, then nothing is left.
    assert chat.say("ana@dm: /payout all") == [
        "[dm ana] 💸 Recorded: €666.66 paid out to 4 members, everything owed."
    ]
    assert chat.say("ana@dm: /payout all") == [
        "[dm ana] Nothing is owed to anyone: there is nothing to pay out."
    ]
    assert chat.say("ben@group: /ledger")[-2] == (
        "[group] Paid out to members €666.66 in May 2027 · €1,333.32 in all · €0.00 still owed "
        "to them"
    )
    clean(chat)


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("ana@group: /payout", USAGE),
        ("ana@group: /payout ana 1 2", USAGE),
        (
            "ana@group: /payout nobody",
            "There is no member called nobody. Use the name they have in this chat.",
        ),
        ("ana@group: /payout ben", "The commune owes ben nothing to pay out just now."),
        ("ana@group: /payout cai 0", None),
        ("ana@group: /payout cai -5", None),
        ("ana@group: /payout cai abc", None),
        (
            "ana@group: /payout cai 100.01",
            "That is more than the commune owes cai: €100.00. Pay up to that, or leave the "
            "amount out to pay it all.",
        ),
        ("ana@group: /payout all 2027-13", None),
        (
            "ana@group: /payout all 2026-12",
            "Nothing is owed to anyone from clearings up to December 2026: there is nothing "
            "to pay out.",
        ),
        ("ben@group: /payout cai", None),  # not the treasurer
    ],
)
def test_a_refused_payout_changes_nothing(
    january: ConsoleChat, line: str, answer: str | None
) -> None:
    before = january.snapshot()
    said = january.say(line)
    assert len(said) == 1 and said[0].startswith("[group] ")
    assert "📬" not in said[0] and "💸" not in said[0]
    if answer is not None:
        assert said[0].removeprefix("[group] ").startswith(answer)
    assert january.snapshot() == before


def test_a_former_member_holding_bonds_is_in_every_report(chat: ConsoleChat) -> None:
    """Cai leaves after January; February's rent is not paid, so nothing repays him:
    he is still in February's report, with what is still owed on his bond and to him."""
    chat.script(TERRA_SETUP + PLEDGED + "cai@group: /leave\n:now 2027-03-01T09:00:00Z")
    february = members(chat, "2027-02")
    assert february["cai"] == {
        "name": "cai",
        "dividend": "0.00",
        "redemptions": {},
        "outstanding": {"1": "200.00"},
        "paid_out": "0.00",
        "owed": "100.00",
    }
    assert chat.say("ana@dm: /payout cai")[-1] == (
        "[dm cai] 💸 The treasurer paid you €100.00 of what the commune owes you. Nothing "
        "more is owed to you."
    )
    clean(chat)


def test_payouts_read_in_the_members_language(january: ConsoleChat) -> None:
    chat = january
    chat.say("cai@dm: /lang es", "ana@dm: /payout cai 40")
    feb = chat.script(FEBRUARY.replace("ana@group: /payout cai 50\n", ""))
    assert dms(feb, "cai")[-2:] == [
        "Pagado a ti en febrero de 2027: 40,00\xa0€",
        "Aún se te debe: 160,00\xa0€",
    ]


def test_migration_0023_keeps_what_existing_clearings_and_sales_owe(database_url: str) -> None:
    """Books kept before payouts: migration 0023 works out from the journal and the
    sales' lines what each clearing and sale owed, as the clearing and /sold keep it."""
    _build(database_url, LEASED_FOR_SALE, SOLD)
    database = Database(database_url)
    owed = "SELECT entry_id, member_id, commune_id, period, amount FROM clearing_owed ORDER BY 1, 2"
    try:
        with database.engine.connect() as connection:
            kept = connection.execute(text(owed)).all()
            kinds = (
                connection.execute(
                    text(
                        "SELECT DISTINCT e.kind FROM clearing_owed o JOIN journal_entry e "
                        "ON e.id = o.entry_id ORDER BY 1"
                    )
                )
                .scalars()
                .all()
            )
        assert kinds == ["clearing", "sale"] and len(kept) > 4
        config = alembic_config(database_url)
        for target in ("0022", "head"):
            with database.engine.begin() as connection:
                config.attributes["connection"] = connection
                (command.downgrade if target == "0022" else command.upgrade)(config, target)
        with database.engine.connect() as connection:
            assert connection.execute(text(owed)).all() == kept
        with database.unit_of_work() as uow:
            assert find_discrepancies(uow) == []
    finally:
        database.dispose()
