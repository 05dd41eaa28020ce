"""Rent due and arrears, month by month: a lease that pays nothing is told each
month, its end goes to the next assembly after ``default-months`` periods in a row
(three by default), the assembly carries it and the lease ends."""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import ONLY_STORED
from harness import ConsoleChat
from test_action_motions import unit_of_work
from test_assemblies import MINGA

from domain.actions import EndLease
from handlers.check import find_discrepancies
from handlers.rendering import render

# Bond #1 (the Tractor, for Tierra: ana and ben) clears on 1 December 2026 and is
# leased from January at €300 a month. cai is in no cooperative; dee is treasurer.
LEASED = """
:now 2026-12-01T09:00:00Z
:admin ana group
ana@group: /setup Terra EUR Europe/Madrid
ana@group: /coop new Tierra
ana@group: /join Tierra
ben@group: /join Tierra
cai@group: /join
dee@group: /join
ana@group: /role dee treasurer
ben@group: /propose Tractor 1000 300 2026-12-31
ana@group: /pledge 1 600
cai@group: /pledge 1 400
"""


def report(chat: ConsoleChat, period: str) -> dict:
    result = subprocess.run(
        [str(MINGA), "report", "--db", chat.url, "--commune", "Terra", "--period", period],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)


def dms(lines: list[str], who: str) -> list[str]:
    return [line.removeprefix(f"[dm {who}] ") for line in lines if line.startswith(f"[dm {who}]")]


def arrears_dm(lines: list[str], who: str) -> list[str]:
    """The arrears message ``who`` got among ``lines`` (empty: none)."""
    got = dms(lines, who)
    starts = [n for n, line in enumerate(got) if line.startswith("Rent in arrears")]
    if not starts:
        return []
    (start,) = starts
    end = next(n for n in range(start, len(got)) if got[n].startswith("The treasurer records"))
    return got[start : end + 1]


def leases(chat: ConsoleChat, period: str) -> list[dict]:
    return [
        {key: lease[key] for key in ("issue", "rent_received", "rent_due", "arrears", "status")}
        for lease in report(chat, period)["leases"]
    ]


APRIL = 'ana@group: /assembly new "April assembly" 2027-04-10T18:00 2027-04-10T20:00'


@ONLY_STORED
def test_a_lease_three_months_in_arrears_is_put_to_the_assembly_and_ends(
    rules_chat: ConsoleChat,
) -> None:
    chat = rules_chat
    chat.script(LEASED)
    # January: Tierra pays €100 of its €300.
    chat.say(":now 2027-01-15T09:00:00Z", "dee@group: /rent 1 100")
    january = chat.say(":now 2027-02-02T09:00:00Z")
    told = [
        "Rent in arrears — January 2027",
        "Bond #1 (Tractor, Tierra): €300.00 due, €100.00 paid · arrears €200.00",
        "In arrears 1 period in a row.",
        "The treasurer records rent as it arrives with /rent; /bond shows each lease's arrears.",
    ]
    # One DM each to Tierra's members and the treasurer; cai (no cooperative) gets none.
    assert [arrears_dm(january, who) for who in ("ana", "ben", "dee", "cai")] == [
        told,
        told,
        told,
        [],
    ]
    # The basic-income line: Tierra paid €100 for its two members, €50 each; the rent
    # all repays the bondholders, so there is no dividend yet.
    assert "Basic income: €0.00 dividend − €50.00 rent per member = -€50.00" in dms(january, "ben")
    assert not [line for line in dms(january, "cai") if line.startswith("Basic income")]
    # February: nothing paid.
    february = chat.say(":now 2027-03-02T09:00:00Z")
    assert arrears_dm(february, "ben")[1:3] == [
        "Bond #1 (Tractor, Tierra): €300.00 due, €0.00 paid · arrears €500.00",
        "In arrears 2 periods in a row.",
    ]
    # An assembly is scheduled for April; March is the third month in arrears.
    chat.say(":now 2027-03-20T09:00:00Z", APRIL)
    march = chat.say(":now 2027-04-02T09:00:00Z")
    assert arrears_dm(march, "ana")[1:3] == [
        "Bond #1 (Tractor, Tierra): €300.00 due, €0.00 paid · arrears €800.00",
        "In arrears 3 periods in a row. Ending the lease goes to the next assembly: "
        "/assemblies shows it.",
    ]
    agenda = chat.say(":now 2027-04-10T16:30:00Z")  # the vote opens: the motions posted
    assert (
        "[group] Motion 1: End the lease of bond #1 (Tractor for Tierra) with April 2027: "
        "rent unpaid — majority"
    ) in agenda
    chat.say(*(f"{who}@group: /vote 1 yes" for who in ("ana", "ben", "cai", "dee")))
    closed = chat.say(":now 2027-04-10T18:30:00Z")
    assert (
        "[group] → carried out: the Tractor's lease ends with April 2027; no rent is due after it"
    ) in closed
    # April, its last month, is due and unpaid: still told, no second motion.
    april = chat.say(":now 2027-05-02T09:00:00Z")
    assert arrears_dm(april, "dee")[1:3] == [
        "Bond #1 (Tractor, Tierra): €300.00 due, €0.00 paid · arrears €1,100.00",
        "In arrears 4 periods in a row.",
    ]
    may = chat.say(":now 2027-06-02T09:00:00Z")
    assert arrears_dm(may, "dee") == []  # the lease has ended: nothing is due
    assert [leases(chat, period) for period in ("2027-01", "2027-03", "2027-04", "2027-05")] == [
        [
            {
                "issue": 1,
                "rent_received": "100.00",
                "rent_due": "300.00",
                "arrears": "200.00",
                "status": "active",
            }
        ],
        [
            {
                "issue": 1,
                "rent_received": "0.00",
                "rent_due": "300.00",
                "arrears": "800.00",
                "status": "active",
            }
        ],
        [
            {
                "issue": 1,
                "rent_received": "0.00",
                "rent_due": "300.00",
                "arrears": "1100.00",
                "status": "ended",
            }
        ],
        [],
    ]
    with unit_of_work(chat) as uow:
        assert find_discrepancies(uow) == []


@ONLY_STORED
def test_with_no_assembly_scheduled_the_admins_are_told_and_the_next_one_takes_it(
    rules_chat: ConsoleChat,
) -> None:
    chat = rules_chat
    chat.script(LEASED)
    chat.say("ana@group: /policy default-months 1")
    january = chat.say(":now 2027-02-02T09:00:00Z")
    got = dms(january, "ana")
    start = got.index("Bond #1 (Tractor)") - 1
    assert got[start : start + 3] == [
        "These leases have been in arrears 1 period in a row, and no assembly is scheduled "
        "to vote on ending them:",
        "Bond #1 (Tractor)",
        "Set one up with /assembly new: the motions to end them join it.",
    ]
    assert not [line for line in dms(january, "ben") if line.startswith("These leases")]
    chat.say(APRIL.replace("April", "March").replace("-04-", "-03-"))
    # Still in arrears in February: the motion is already waiting, none is added again.
    chat.say(":now 2027-03-02T09:00:00Z")
    with unit_of_work(chat) as uow:
        commune = uow.communes.by_name("Terra")
        assert commune is not None
        (assembly,) = uow.assemblies.all(commune.id)
        motions = uow.assemblies.motions(assembly.id)
    assert [(m.text, m.action) for m in motions] == [("rent unpaid", EndLease(1))]


@ONLY_STORED
def test_a_lease_that_paid_ahead_is_not_in_arrears(rules_chat: ConsoleChat) -> None:
    chat = rules_chat
    chat.script(LEASED)
    chat.say(":now 2027-01-15T09:00:00Z", "dee@group: /rent 1 600")  # January and February
    chat.say(":now 2027-02-02T09:00:00Z")
    february = chat.say(":now 2027-03-02T09:00:00Z")  # February: nothing paid, not behind
    assert arrears_dm(february, "dee") == []
    assert leases(chat, "2027-02") == [
        {
            "issue": 1,
            "rent_received": "0.00",
            "rent_due": "300.00",
            "arrears": "0.00",
            "status": "active",
        }
    ]


ARREARS = {
    "commune": "Terra",
    "currency": "EUR",
    "tz": "Europe/Madrid",
    "period": "2027-03",
    "leases": [
        {
            "number": 1,
            "asset": "Tractor",
            "cooperative": "Tierra",
            "due": 30000,
            "paid": 0,
            "arrears": 80000,
            "months": 3,
            "ending": True,
        }
    ],
}
STATEMENT = {
    "commune": "Terra",
    "currency": "EUR",
    "tz": "Europe/Madrid",
    "period": "2027-05",
    "name": "ben",
    "dividend": 8333,
    "holdings": [],
    "coop": {"name": "Tierra", "rent": 33333, "per_member": 16667},
    "ytd_dividends": 8333,
    "ytd_repaid": 0,
}


@pytest.mark.parametrize(
    ("locale", "lines"),
    [
        (
            "es",
            [
                "Bono #1 (Tractor, Tierra): 300,00 € debido, 0,00 € pagado · atrasos 800,00 €",
                "Con atrasos 3 periodos seguidos. Poner fin al arrendamiento va a la próxima "
                "asamblea: /assemblies lo muestra.",
                "Renta básica: 83,33 € de dividendo − 166,67 € de alquiler por miembro = -83,34 €",
            ],
        ),
        (
            "ca",
            [
                "Bo #1 (Tractor, Tierra): 300,00 € degut, 0,00 € pagat · endarreriments 800,00 €",
                "Amb endarreriments 3 períodes seguits. Posar fi a l'arrendament va a la propera "
                "assemblea: /assemblies ho mostra.",
                "Renda bàsica: 83,33 € de dividend − 166,67 € de lloguer per membre = -83,34 €",
            ],
        ),
    ],
)
def test_the_arrears_and_the_basic_income_line_read_in_each_language(
    locale: str, lines: list[str]
) -> None:
    text = render("rent_arrears", locale, ARREARS) + "\n" + render("statement", locale, STATEMENT)
    text = text.replace("\xa0", " ")  # the space before € does not break
    for line in lines:
        assert line in text.splitlines()
