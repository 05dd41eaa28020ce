"""Issue 10, cases 7 and 8 and the Spanish amounts: names, zones, currencies, "1.50".

Each refusal is one clear line in the chat it came from, and changes nothing
(``refused`` compares every table of the commune before and after). Each test runs
on SQLite and on PostgreSQL (the ``chat`` and ``terra`` fixtures).
"""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from test_refusals import accepted, refused

from domain import names
from domain.errors import Refusal
from storage.migrate import alembic_config
from storage.uow import Database

ZWSP = "\u200b"  # zero-width space
RLO = "\u202e"  # right-to-left override
INVISIBLE = "That name has an invisible character in it (U+200B ZERO WIDTH SPACE)"
TAKEN = "There is already a commune called Terra. Choose another name."


def commune_names(chat) -> list[str]:  # type: ignore[no-untyped-def]
    return [row[1] for row in chat.snapshot()["commune"]]


def member_names(chat) -> list[str]:  # type: ignore[no-untyped-def]
    return [row[3] for row in chat.snapshot()["member"]]


# --- case 7: look-alike names -------------------------------------------------------


def test_a_commune_cannot_be_set_up_beside_terra_under_a_look_alike_name(terra) -> None:
    terra.say(":admin ana other")
    refused(terra, f"ana@other: /setup Terra{ZWSP} EUR", INVISIBLE, to="[other]")
    refused(terra, "ana@other: /setup TERRA EUR", TAKEN, to="[other]")
    refused(terra, "ana@other: /setup Ｔｅｒｒａ EUR", TAKEN, to="[other]")  # fullwidth
    refused(terra, f"ana@other: /setup {ZWSP}{ZWSP} EUR", INVISIBLE, to="[other]")
    refused(terra, 'ana@other: /setup "   " EUR', "A commune needs a name", to="[other]")
    out = accepted(terra, "ana@other: /setup Ｔｉｅｒｒａ  EUR")  # NFKC: stored as typed
    assert out[0].startswith("[other] "), out
    assert commune_names(terra) == ["Terra", "Tierra"]


def test_the_setup_form_refuses_a_look_alike_name_too(terra) -> None:
    terra.say(":admin ana other")
    accepted(terra, "ana@other: /setup")
    for answer, reason in [(f"Terra{ZWSP}", INVISIBLE), ("terra", TAKEN)]:
        before = terra.snapshot()
        out = terra.say(f"ana@other: {answer}")
        assert out[0].startswith(f"[other] {reason}"), out
        assert out[1:] == ["[other] What is the commune's name?"], out
        assert terra.snapshot() == before


def test_cooperatives_compare_by_key(terra) -> None:
    refused(terra, f"ana@group: /coop new Tierra{ZWSP}", INVISIBLE)
    refused(terra, "ana@group: /coop new TIERRA", "There is already a cooperative called Tierra")
    # /join finds it whatever the case or width: eve is in Tierra.
    out = accepted(terra, "eve@group: /join ｔｉｅｒｒａ")
    assert "Tierra" in out[0], out


def test_an_asset_with_a_right_to_left_override_is_refused(terra) -> None:
    refused(
        terra,
        f"ben@group: /propose Tractor{RLO}fdp.exe 1000 100 2026-12-31",
        "That name has a text-direction control in it (U+202E RIGHT-TO-LEFT OVERRIDE)",
    )
    refused(terra, f"ben@group: /propose {ZWSP} 1000 100 2026-12-31", INVISIBLE)


def test_assembly_titles_and_motions_refuse_hidden_characters(terra) -> None:
    refused(
        terra,
        f'ana@group: /assembly new "Spring{RLO} assembly" 2026-12-10T18:00 2h',
        "That text has a text-direction control in it (U+202E",
    )
    accepted(terra, 'ana@group: /assembly new "Spring assembly" 2026-12-10T18:00 2h')
    refused(
        terra,
        f'ana@group: /motion 1 "Buy a{ZWSP} tractor"',
        "That text has an invisible character in it (U+200B",
    )


def test_a_look_alike_member_joins_under_a_visibly_distinct_name(chat) -> None:
    chat.script(":now 2027-01-25T09:00:00Z\n:admin ana group\nana@group: /setup Terra EUR")
    accepted(chat, "eve@group: /join")
    out = accepted(chat, f"e{ZWSP}ve@group: /join")
    assert "eve (2)" in out[0], out
    out = accepted(chat, "EVE@group: /join")
    assert "EVE (3)" in out[0], out
    assert member_names(chat) == ["ana", "eve", "eve (2)", "EVE (3)"]
    # Names are found by key: /role eve names the first eve, whatever the case.
    out = accepted(chat, "ana@group: /role Eve treasurer")
    assert out[0].startswith("[group] eve "), out
    out = accepted(chat, 'ana@group: /role "eve (2)" admin')
    assert out[0].startswith("[group] eve (2) "), out


def test_a_member_named_only_with_invisible_characters_gets_a_name(chat) -> None:
    chat.script(":now 2027-01-25T09:00:00Z\n:admin ana group\nana@group: /setup Terra EUR")
    accepted(chat, f"{ZWSP}{RLO}@group: /join")  # console: the user id is the name too
    accepted(chat, f"b{RLO}en@group: /join")
    assert member_names(chat) == ["ana", "member", "ben"]


def test_a_former_member_keeps_their_name_and_a_newcomer_is_told_apart(chat) -> None:
    chat.script(":now 2027-01-25T09:00:00Z\n:admin ana group\nana@group: /setup Terra EUR")
    accepted(chat, "eve@group: /join", "eve@group: /leave")
    accepted(chat, "Eve@group: /join")  # another person
    accepted(chat, "eve@group: /join")  # the first eve, back: her own name again
    assert member_names(chat) == ["ana", "eve", "Eve (2)"]


def test_names_are_normalised_and_keyed() -> None:
    assert names.clean("  Pan \u00a0y\tRosas ", names.COOPERATIVE) == "Pan y Rosas"
    assert names.clean("Ｔｅｒｒａ", names.COMMUNE) == "Terra"
    assert names.name_key("TERRA") == names.name_key("Ｔｅｒｒａ") == names.name_key("terra")
    assert names.name_key("Straße") == names.name_key("STRASSE")
    assert names.clean("Bread ❤\ufe0f", names.ASSET) == "Bread ❤\ufe0f"  # emoji presentation
    for hidden, problem in [
        ("Terra\ufe00", "invisible"),  # a variation selector after a letter
        ("Ter\u00adra", "invisible"),  # soft hyphen
        ("Terra\u2066", "bidi"),
        ("Terra\u061c", "bidi"),
        ("Terra\x07", "control"),
        ("\u3164", "invisible"),  # Hangul filler
        ("\u2800", "invisible"),  # braille blank
    ]:
        with pytest.raises(Refusal) as caught:
            names.clean(hidden, names.COMMUNE)
        assert caught.value.code == "name_hidden_character", hidden
        assert caught.value.params["problem"] == problem, hidden
    with pytest.raises(Refusal) as caught:
        names.clean("x" * 81, names.COMMUNE)
    assert caught.value.code == "bad_commune_name"
    assert names.clean("x" * 80, names.COMMUNE) == "x" * 80
    assert names.member_name("x" * 100, "id") == "x" * names.MEMBER_LIMIT
    assert names.numbered("x" * 100, 2) == "x" * (names.MEMBER_LIMIT - 4) + " (2)"


def test_the_migration_gives_existing_look_alikes_distinct_names(database_url: str) -> None:
    engine = create_engine(database_url)
    config = alembic_config(database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0009")
        connection.execute(
            text(
                "INSERT INTO commune (id, name, currency, timezone, locale, created_at) VALUES"
                " (1, 'Terra', 'EUR', 'UTC', 'en', '2027-01-01'),"
                " (2, 'TERRA', 'EUR', 'UTC', 'en', '2027-01-01')"
            )
        )
        connection.execute(text("INSERT INTO person (id, created_at) VALUES (1, '2027-01-01')"))
        connection.execute(text("INSERT INTO person (id, created_at) VALUES (2, '2027-01-01')"))
        connection.execute(
            text(
                "INSERT INTO member (id, commune_id, person_id, name, is_admin, is_treasurer,"
                " joined_at) VALUES (1, 1, 1, 'eve', false, false, '2027-01-01'),"
                f" (2, 1, 2, 'e{ZWSP}ve', false, false, '2027-01-01'),"
                " (3, 2, 1, 'eve', false, false, '2027-01-01')"
            )
        )
    engine.dispose()
    database = Database(database_url)  # migrates to the newest revision
    try:
        with database.engine.connect() as connection:
            communes = connection.execute(text("SELECT name, name_key FROM commune ORDER BY id"))
            assert communes.all() == [("Terra", "terra"), ("TERRA (2)", "terra (2)")]
            members = connection.execute(text("SELECT name, name_key FROM member ORDER BY id"))
            assert members.all() == [("eve", "eve"), (f"e{ZWSP}ve (2)", "eve (2)"), ("eve", "eve")]
    finally:
        database.dispose()


# --- case 8: time zones and currencies --------------------------------------------------


@pytest.mark.parametrize(
    "zone",
    ["localtime", "Factory", "posix/Europe/Madrid", "right/UTC", "posixrules", "Mars/Olympus"],
)
def test_only_iana_time_zones(chat, zone: str) -> None:
    chat.script(":now 2027-01-25T09:00:00Z\n:admin ana group")
    refused(chat, f"ana@group: /setup Terra EUR {zone}", f'"{zone}" is not a time zone I know.')


def test_utc_and_iana_zones_are_accepted(chat) -> None:
    chat.script(":now 2027-01-25T09:00:00Z\n:admin ana group\n:admin ana other")
    accepted(chat, "ana@group: /setup Terra EUR utc", "ana@other: /setup Tierra EUR Etc/UTC")


@pytest.mark.parametrize("code", ["XXX", "XAU", "XTS", "XDR", "XAG"])
def test_codes_that_are_not_money_are_refused(chat, code: str) -> None:
    chat.script(":now 2027-01-25T09:00:00Z\n:admin ana group")
    refused(chat, f"ana@group: /setup Terra {code}", f'"{code}" is not a currency code I know.')


def test_shared_currencies_are_accepted(chat) -> None:
    chat.script(":now 2027-01-25T09:00:00Z\n:admin ana group")
    accepted(chat, "ana@group: /setup Terra XOF Africa/Dakar")
    assert [row[2] for row in chat.snapshot()["commune"]] == ["XOF"]


# --- case 10: amounts that could be read two ways ------------------------------------------


def test_a_spanish_dot_with_two_digits_is_refused_with_both_readings(terra) -> None:
    accepted(terra, "ana@group: /lang es")
    reply = refused(terra, "ana@group: /pledge 1 1.50")
    assert reply == (
        '[group] "1.50" se puede leer de dos maneras: ¿querías decir 1,50 (1,50\u00a0€) o '
        "1.500 (1.500,00\u00a0€)? Escribe la que quieras decir."
    )
    refused(terra, "ana@group: /pledge 1 1.5", "1,5 (1,50\u00a0€)", "1.500 (1.500,00\u00a0€)")
    refused(terra, "ana@group: /pledge 1 €12.5", "12,5 (12,50\u00a0€)", "12.500")
    out = accepted(terra, "ana@group: /pledge 1 1,50", "ana@group: /pledge 1 0.50")
    assert "€2.00" in out[-1], out  # the group reads its own language: 1.50 + 0.50


def test_catalan_reads_the_same_way(terra) -> None:
    accepted(terra, "cai@group: /lang ca")
    refused(terra, "cai@group: /pledge 1 1.50", "1,50 (1,50\u00a0€) o 1.500 (1.500,00\u00a0€)")
    out = accepted(terra, "cai@group: /pledge 1 1.000")  # a thousand: the whole bond
    assert any("Bond #1 cleared" in line for line in out), out


def test_an_english_comma_with_two_digits_is_refused_the_same_way(terra) -> None:
    reply = refused(terra, "ana@group: /pledge 1 1,50")
    assert reply == (
        '[group] "1,50" could be read two ways: did you mean 1.50 (€1.50) or '
        "1,500 (€1,500.00)? Write the one you mean."
    )
    accepted(terra, "ana@group: /pledge 1 1.50")


def test_the_amounts_the_docs_promise_still_read_in_spanish(terra) -> None:
    accepted(terra, "ben@group: /lang es")
    for typed in ("1200", "1200.50", "€1200", "1.000,50", "1.200"):
        out = accepted(terra, f"ben@group: /propose Oven {typed} 100 2026-12-31")
        assert "Bond #" in out[0], (typed, out)
