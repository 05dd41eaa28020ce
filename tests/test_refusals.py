"""Every refusal: a clear, friendly reason, in the right chat, and nothing changed.

Each test drives the console as people would and checks three things about a
refused command:

(a) the bot answers with one line, the refusal's own text, in the chat the
    command came from (``[group]``, ``[other]`` or ``[dm <user>]``);
(b) where the template names what to do instead, the answer says it;
(c) ``chat.snapshot()`` (every table of the commune's state, conversations
    included) is the same after the refusal as before it.

The commune is the ``terra`` fixture: bond #1 (Tractor, €1,000.00, pledges until
2026-12-31 in Europe/Madrid) just proposed by ben; ana is admin and treasurer.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import ALSO_STORED, ONLY_STORED


@pytest.fixture
def chat(rules_chat):  # type: ignore[no-untyped-def]
    """These are rules: in memory (tests/memory_chat.py); ``@ALSO_STORED`` ones on the
    databases too, proving a refusal's savepoint rolls storage back."""
    return rules_chat


@pytest.fixture
def terra(rules_terra):  # type: ignore[no-untyped-def]
    return rules_terra


GROUP = "[group]"
OTHER = "[other]"  # a second group chat, with no commune
NO_COMMUNE_HERE = (
    "This group has no commune yet. A group admin can start one: "
    "/setup <name> <currency> [time zone]"
)


def refused(chat, line: str, *phrases: str, to: str = GROUP) -> str:  # type: ignore[no-untyped-def]
    """Say ``line``; check it was refused with ``phrases`` in chat ``to``, changing nothing."""
    before = chat.snapshot()
    out = chat.say(line)
    assert len(out) == 1, f"{line!r} should be answered with one refusal line, got {out}"
    reply = out[0]
    assert reply.startswith(f"{to} "), f"{line!r} was answered in the wrong chat: {reply!r}"
    for phrase in phrases:
        assert phrase in reply, f"{phrase!r} is not in the answer to {line!r}: {reply!r}"
    after = chat.snapshot()
    changed = [table for table in before if before[table] != after[table]]
    assert not changed, f"refused {line!r} still changed {changed}"
    return reply


def accepted(chat, *lines: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Say ``lines`` that must all succeed (set-up steps of a test)."""
    out = chat.say(*lines)
    assert out, f"no answer to {lines}"
    assert not any("Sorry, something went wrong" in line for line in out), out
    return out


@pytest.fixture
def cleared(terra):  # type: ignore[no-untyped-def]
    """Terra with bond #1 cleared by ana 500.00, cai 300.00 and dee 200.00."""
    out = accepted(
        terra, "ana@group: /pledge 1 500", "cai@group: /pledge 1 300", "dee@group: /pledge 1 200"
    )
    assert any("Bond #1 cleared" in line for line in out), out
    return terra


# --- pledging -------------------------------------------------------------------


def test_non_member_cannot_pledge(terra) -> None:
    refused(
        terra, "eve@group: /pledge 1 100", "You are not a member of Terra yet.", "Join with /join"
    )


@ALSO_STORED
def test_pledge_over_the_remaining_amount_names_what_remains(terra) -> None:
    accepted(terra, "ana@group: /pledge 1 500", "cai@group: /pledge 1 200")
    reply = refused(terra, "dee@group: /pledge 1 400")
    assert reply == ("[group] Only €300.00 remains on bond #1. Pledge up to that: /pledge 1 300.00")
    # What it says to do instead works, and clears the issue.
    out = accepted(terra, "dee@group: /pledge 1 300.00")
    assert any("Bond #1 cleared" in line for line in out), out


def test_pledge_over_the_remaining_amount_by_dm_answers_by_dm(terra) -> None:
    refused(
        terra,
        "dee@dm: /pledge 1 1000.01",
        "Only €1,000.00 remains on bond #1.",
        "/pledge 1 1,000.00",
        to="[dm dee]",
    )


def test_suggested_pledge_can_be_typed_back_in_the_members_locale(terra) -> None:
    accepted(terra, "dee@group: /lang es")
    reply = refused(terra, "dee@group: /pledge 1 2000")
    assert "1.000,00" in reply and "/pledge 1 1.000,00" in reply, reply
    out = accepted(terra, "dee@group: /pledge 1 1.000,00")
    assert any("#1" in line for line in out), out
    assert terra.snapshot()["holding"], "the suggested pledge should have cleared bond #1"


NOT_POSITIVE = ("The amount must be more than zero", "e.g. 500 or 12.50")


@pytest.mark.parametrize(
    ("amount", "phrases"),
    [
        ("0", NOT_POSITIVE),
        ("0.00", NOT_POSITIVE),
        ("-5", NOT_POSITIVE),
        ("−5", NOT_POSITIVE),  # U+2212, the typographic minus
        ("abc", ('"abc" is not an amount.', "Write it like 1200 or 1200.50")),
        ("1e5", ('"1e5" is not an amount.', "Write it like 1200 or 1200.50")),
        ("12,3,4", ('"12,3,4" is not an amount.', "Write it like 1200 or 1200.50")),
        ("nan", ('"nan" is not an amount.', "Write it like 1200 or 1200.50")),
        ("1_000", ('"1_000" is not an amount.', "Write it like 1200 or 1200.50")),
        ("$100", ('"$100" is not an amount.', "Write it like 1200 or 1200.50")),
        ("€", ('"€" is not an amount.', "Write it like 1200 or 1200.50")),
        ("10.001", ('"10.001" has too many decimals: use at most 2, e.g. 12.50',)),
        (
            "99999999999999999",
            ('"99999999999999999" is more than I can keep books for.', "Check the amount."),
        ),
    ],
)
def test_pledge_of_an_unreadable_or_impossible_amount(terra, amount: str, phrases) -> None:
    refused(terra, f"dee@group: /pledge 1 {amount}", *phrases)


@pytest.mark.parametrize(
    ("line", "phrases"),
    [
        ("/pledge 9 10", ("There is no bond #9.", "/bonds lists the open ones.")),
        (
            "/pledge x 10",
            ('"x" is not a bond number.', "Use the number from /bonds", "e.g. /pledge 1 500"),
        ),
        ("/pledge 0 10", ('"0" is not a bond number.',)),
        ("/pledge 1", ("Use it like this: /pledge <issue> <amount>", "for example /pledge 1 500")),
        ("/pledge 1 10 20", ("Use it like this: /pledge <issue> <amount>",)),
    ],
)
def test_pledge_to_no_such_issue_or_without_an_amount(terra, line: str, phrases) -> None:
    refused(terra, f"dee@group: {line}", *phrases)


def test_pledge_after_clearing(cleared) -> None:
    refused(
        cleared,
        "ben@group: /pledge 1 10",
        "Bond #1 (Tractor) has already cleared.",
        "/bonds lists the ones still open.",
    )


@ONLY_STORED  # the expiry's tick also clears December
def test_pledge_after_expiry(terra) -> None:
    # The deadline is the end of 2026-12-31 in Madrid, 23:00 UTC: a pledge just before counts.
    accepted(terra, ":now 2026-12-31T22:59:00Z", "ana@group: /pledge 1 500")
    out = terra.say(":now 2026-12-31T23:00:01Z")
    assert any("Bond #1 (Tractor) expired" in line for line in out), out
    refused(
        terra,
        "cai@group: /pledge 1 300",
        "Bond #1 (Tractor) has expired.",
        "/bonds lists the ones still open.",
    )
    refused(terra, "ana@group: /unpledge 1", "Bond #1 (Tractor) has expired.")


def test_pledge_after_the_deadline_before_the_scheduler_expired_it(terra) -> None:
    # A pledge arriving between the deadline and the scheduler's next tick.
    terra.console.clock = datetime(2026, 12, 31, 23, 0, 1, tzinfo=UTC)
    refused(
        terra,
        "cai@group: /pledge 1 300",
        "Pledges for bond #1 (Tractor) have closed.",
        "/bonds lists the ones still open.",
    )


def test_pledge_after_withdrawal(terra) -> None:
    accepted(terra, "ben@group: /withdraw 1")
    refused(
        terra,
        "dee@group: /pledge 1 10",
        "Bond #1 (Tractor) was withdrawn.",
        "/bonds lists the ones still open.",
    )


@ALSO_STORED
def test_unpledge_with_no_pledge(terra) -> None:
    refused(terra, "dee@group: /unpledge 1", "You have no pledge on bond #1.")


@pytest.mark.parametrize(
    ("line", "phrases"),
    [
        ("/unpledge", ("Use it like this: /unpledge <issue>", "for example /unpledge 1")),
        ("/unpledge 9", ("There is no bond #9.", "/bonds lists the open ones.")),
        ("/withdraw", ("Use it like this: /withdraw <issue>", "for example /withdraw 2")),
        ("/withdraw #9", ("There is no bond #9.", "/bonds lists the open ones.")),
        ("/bond x", ('"x" is not a bond number.', "Use the number from /bonds")),
    ],
)
def test_unpledge_or_withdraw_without_a_bond(terra, line: str, phrases) -> None:
    refused(terra, f"ben@group: {line}", *phrases)


@ALSO_STORED
def test_withdraw_by_someone_who_did_not_propose(terra) -> None:
    """Cai neither proposed bond #1 nor is an admin (admins may withdraw any issue)."""
    accepted(terra, "cai@group: /pledge 1 300")
    refused(
        terra,
        "cai@group: /withdraw 1",
        "Only whoever proposed bond #1, or an admin, can withdraw it.",
        "To take back your own pledge: /unpledge 1",
    )


def test_withdraw_a_cleared_issue(cleared) -> None:
    refused(
        cleared,
        "ben@group: /withdraw 1",
        "Bond #1 (Tractor) has already cleared.",
        "/bonds lists the ones still open.",
    )


@ALSO_STORED
def test_a_too_large_pledge_that_would_clear_leaks_nothing(terra) -> None:
    """A pledge refused in the middle of a pledging round leaves no trace of a clearing."""
    accepted(terra, "ana@group: /pledge 1 500", "cai@group: /pledge 1 300")
    before = terra.snapshot()
    out = terra.say("dee@group: /pledge 1 300")
    assert out == ["[group] Only €200.00 remains on bond #1. Pledge up to that: /pledge 1 200.00"]
    after = terra.snapshot()
    assert after["holding"] == [] and after["journal_entry"] == []
    assert after["journal_posting"] == []
    assert after["pledge"] == before["pledge"] and len(after["pledge"]) == 2
    assert after["bond_issue"] == before["bond_issue"]
    assert after == before
    # Nobody was told of a clearing, in the group or by DM.
    assert not any("cleared" in line or line.startswith("[dm") for line in out)
    # The same round then clears normally: holdings and journal appear.
    out = accepted(terra, "dee@group: /pledge 1 200")
    assert any("Bond #1 cleared" in line for line in out), out
    cleared_state = terra.snapshot()
    assert len(cleared_state["holding"]) == 3 and cleared_state["journal_entry"]


# --- rent -----------------------------------------------------------------------


@ALSO_STORED
def test_rent_by_a_non_treasurer(cleared) -> None:
    refused(
        cleared,
        "ben@group: /rent 1 333.33",
        "Only a treasurer can record rent, payments and refunds.",
        "An admin can make someone treasurer: /role <member> treasurer",
    )


def test_rent_on_an_issue_not_yet_leased(terra) -> None:
    refused(
        terra,
        "ana@group: /rent 1 333.33",
        "Bond #1 (Tractor) is not leased, so no rent is due on it.",
        "/bond 1 shows where it stands.",
    )


@pytest.mark.parametrize(
    ("line", "phrases"),
    [
        ("/rent 9 333.33", ("There is no bond #9.",)),
        ("/rent 1 0", NOT_POSITIVE),
        ("/rent 1 abc", ('"abc" is not an amount.',)),
        ("/rent 1", ("Use it like this: /rent <issue> <amount>", "for example /rent 1 333.33")),
    ],
)
def test_rent_by_the_treasurer_that_cannot_be_recorded(cleared, line: str, phrases) -> None:
    refused(cleared, f"ana@group: {line}", *phrases)


# --- setting up a commune -------------------------------------------------------


@pytest.mark.parametrize("line", ["/setup Foo EUR", "/setup"])
def test_setup_by_someone_not_a_group_admin(terra, line: str) -> None:
    # ben never got ':admin ben other'; the bare form must not start a conversation.
    refused(
        terra,
        f"ben@other: {line}",
        "Only an admin of this group can set up a commune here.",
        "Ask one of them to run /setup.",
        to=OTHER,
    )


def test_setup_in_a_private_chat(terra) -> None:
    refused(
        terra,
        "ana@dm: /setup Foo EUR",
        "Set up a commune in its group chat, not here:",
        "add me to the group and say /setup there.",
        to="[dm ana]",
    )


@ALSO_STORED
def test_setup_twice_in_the_same_group(terra) -> None:
    refused(
        terra,
        "ana@group: /setup Terra2 EUR",
        "This group already keeps the commune Terra.",
        "See /help",
    )


@pytest.mark.parametrize(
    ("line", "phrases"),
    [
        (
            "/setup Foo XYZ",
            ('"XYZ" is not a currency code I know.', "Use three letters, e.g. EUR, USD, CHF."),
        ),
        ("/setup Foo eu", ('"eu" is not a currency code I know.',)),
        (
            "/setup Foo EUR Mars/Olympus",
            (
                '"Mars/Olympus" is not a time zone I know.',
                "Use a name like Europe/Madrid or America/Bogota",
            ),
        ),
        (
            '/setup "" EUR',
            ("A commune needs a name of 1 to 80 characters", "e.g. /setup Terra EUR"),
        ),
        ("/setup Terra EUR", ("There is already a commune called Terra.", "Choose another name.")),
        (
            "/setup Foo EUR UTC extra",
            (
                "Use it like this: /setup <name> <currency> [time zone]",
                "for example /setup Terra EUR Europe/Madrid",
            ),
        ),
    ],
)
def test_setup_with_a_wrong_answer(terra, line: str, phrases) -> None:
    terra.say(":admin ben other")
    refused(terra, f"ben@other: {line}", *phrases, to=OTHER)


# --- membership, cooperatives, roles --------------------------------------------


def test_role_by_a_non_admin(terra) -> None:
    refused(
        terra,
        "ben@group: /role cai admin",
        "Only an admin of the commune can do that.",
        "Ask one, or see /help",
    )


def test_last_admin_cannot_drop_their_own_admin_role(terra) -> None:
    refused(
        terra,
        "ana@group: /role ana member",
        "The commune needs at least one admin.",
        "Make someone else admin first: /role <member> admin",
    )


@ALSO_STORED
def test_last_admin_cannot_leave(terra) -> None:
    refused(
        terra,
        "ana@group: /leave",
        "You are the last admin.",
        "Make someone else admin first: /role <member> admin",
    )


@pytest.mark.parametrize(
    ("line", "phrases"),
    [
        (
            "/role zed admin",
            ("There is no member called zed.", "Use the name they have in this chat."),
        ),
        ("/role ben boss", ('"boss" is not a role.', "Use admin, treasurer or member.")),
        ("/role ben", ("Use it like this: /role <member> admin|treasurer|member",)),
    ],
)
def test_role_that_cannot_be_given(terra, line: str, phrases) -> None:
    refused(terra, f"ana@group: {line}", *phrases)


@pytest.mark.parametrize("user", ["eve", "ben"])
def test_join_an_unknown_cooperative(terra, user: str) -> None:
    refused(
        terra,
        f"{user}@group: /join Nope",
        "There is no cooperative called Nope.",
        "There are: Tierra, Pan.",
    )


def test_join_an_unknown_cooperative_when_there_is_none(chat) -> None:
    accepted(
        chat,
        ":now 2026-12-01T09:00:00Z",
        ":admin ana group",
        "ana@group: /setup Terra EUR Europe/Madrid",
    )
    refused(
        chat,
        "ben@group: /join Nope",
        "There is no cooperative called Nope, and none yet:",
        "an admin creates one with /coop new <name>.",
    )


@ALSO_STORED
def test_join_twice(terra) -> None:
    refused(
        terra,
        "ben@group: /join",
        "You are already a member of Terra.",
        "To join a cooperative: /join <cooperative>",
    )


def test_join_a_second_cooperative(terra) -> None:
    refused(
        terra,
        "ben@group: /join Pan",
        "You are already in Tierra.",
        "A member belongs to one cooperative.",
    )


def test_coop_new_by_a_non_admin(terra) -> None:
    refused(
        terra,
        "ben@group: /coop new Foo",
        "Only an admin of the commune can do that.",
        "Ask one, or see /help",
    )


@pytest.mark.parametrize("name", ["Pan", "pan"])
def test_coop_new_with_a_name_already_taken(terra, name: str) -> None:
    refused(
        terra,
        f"ana@group: /coop new {name}",
        "There is already a cooperative called Pan.",
        "Members join it with /join Pan",
    )


def test_coop_new_with_an_accented_name_already_taken(terra) -> None:
    """SQLite's own lower() folds ASCII only; storage makes it fold every letter."""
    accepted(terra, "ana@group: /coop new Àgora")
    refused(
        terra,
        "ana@group: /coop new Àgora",
        "There is already a cooperative called Àgora.",
        "Members join it with /join Àgora",
    )


def test_join_a_cooperative_with_an_accented_name_is_not_refused(terra) -> None:
    accepted(terra, "ana@group: /coop new Àgora")
    out = terra.say("eve@group: /join Àgora")
    assert out == [
        "[group] 👋 Welcome to Terra, eve (Àgora). Your social dividend starts "
        "with the next full month."
    ]


@pytest.mark.parametrize(
    ("line", "phrases"),
    [
        (
            '/coop new ""',
            ("A cooperative needs a name of 1 to 80 characters", "e.g. /coop new Tierra"),
        ),
        (f"/coop new {'x' * 81}", ("A cooperative needs a name of 1 to 80 characters",)),
        ("/coop new", ("Use it like this: /coop new <name>", "for example /coop new Pan y Rosas")),
        ("/coop frob", ("Use it like this: /coop new <name>",)),
    ],
)
def test_coop_new_with_a_bad_name(terra, line: str, phrases) -> None:
    refused(terra, f"ana@group: {line}", *phrases)


# --- proposing ------------------------------------------------------------------


@pytest.mark.parametrize("line", ["/propose Oven 100 10 2027-01-31", "/propose", "/propose Oven"])
def test_propose_by_a_member_without_a_cooperative(terra, line: str) -> None:
    accepted(terra, "eve@group: /join")
    # The step-by-step form (fewer arguments) must not start a conversation either.
    refused(
        terra,
        f"eve@group: {line}",
        "Bonds are floated for a cooperative:",
        "join one first with /join <cooperative>.",
    )


def test_propose_with_a_past_deadline(terra) -> None:
    refused(
        terra,
        "ben@group: /propose Oven 100 10 2026-11-30",
        "That day has passed.",
        "Give a pledge deadline of today or later, as YYYY-MM-DD.",
    )


@pytest.mark.parametrize(
    ("line", "phrases"),
    [
        (
            "/propose Oven 100 10 31/31/2026",
            ('"31/31/2026" is not a date.', "Write it as YYYY-MM-DD, e.g. 2027-03-31"),
        ),
        ("/propose Oven 100 10 2027-02-30", ('"2027-02-30" is not a date.',)),
        ("/propose Oven 0 10 2027-01-31", NOT_POSITIVE),
        ("/propose Oven 100 0 2027-01-31", NOT_POSITIVE),
        ("/propose Oven abc 10 2027-01-31", ('"abc" is not an amount.',)),
        (
            '/propose "" 100 10 2027-01-31',
            ("Name the asset,", "e.g. /propose Tractor 1000 333.33 2027-01-31"),
        ),
        (
            f"/propose {'x' * 81} 100 10 2027-01-31",
            ("Keep the asset's name to 80 characters at most.",),
        ),
        (
            "/propose Oven 100 10 2027-01-31 extra",
            (
                "Use it like this: /propose <asset> <price> <rent per month> <deadline YYYY-MM-DD>",
                'for example /propose "Bread oven" 4000 90 2027-03-31',
            ),
        ),
    ],
)
def test_propose_with_a_wrong_argument(terra, line: str, phrases) -> None:
    refused(terra, f"ben@group: {line}", *phrases)


@pytest.mark.parametrize("answer_in_form", [False, True], ids=["one-line", "form"])
def test_propose_with_a_deadline_at_the_end_of_time(terra, answer_in_form: bool) -> None:
    if answer_in_form:
        accepted(terra, "ben@group: /propose Oven 100 10")
        before = terra.snapshot()
        reply, asked_again = terra.say("ben@group: 9999-12-31")
        assert asked_again == (
            "[group] Until which day may members pledge? YYYY-MM-DD, e.g. 2027-03-31"
        )
        assert terra.snapshot() == before
    else:
        reply = refused(terra, "ben@group: /propose Oven 100 10 9999-12-31")
    assert "something went wrong" not in reply, reply


def test_propose_by_a_non_member(terra) -> None:
    refused(
        terra,
        "eve@group: /propose Oven 100 10 2027-01-31",
        "You are not a member of Terra yet.",
        "Join with /join",
    )


# --- the rest -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "to"), [("ana@group: /frobnicate", GROUP), ("ana@dm: /frobnicate", "[dm ana]")]
)
def test_unknown_command(terra, line: str, to: str) -> None:
    refused(terra, line, "I don't know /frobnicate.", "/help lists what I can do.", to=to)


def test_help_on_an_unknown_command(terra) -> None:
    refused(
        terra,
        "ana@group: /help frobnicate",
        "I don't know /frobnicate.",
        "/help lists what I can do.",
    )


@pytest.mark.parametrize("line", ["/lang xx", "/lang", "/lang es ca"])
def test_unknown_language(terra, line: str) -> None:
    refused(terra, f"ana@group: {line}", "I speak en, es and ca.", "For example: /lang es")


@pytest.mark.parametrize(("line", "to"), [("ana@group", GROUP), ("ana@dm", "[dm ana]")])
def test_statement_before_any_clearing(terra, line: str, to: str) -> None:
    refused(
        terra,
        f"{line}: /statement",
        "No month has been cleared yet, so there is no statement.",
        "Statements come after the first month ends.",
        to=to,
    )


def test_statement_for_a_month_that_is_not_one(terra) -> None:
    refused(
        terra,
        "ana@dm: /statement 2026-13",
        '"2026-13" is not a month.',
        "Write it as YYYY-MM, e.g. /statement 2027-01",
        to="[dm ana]",
    )


@pytest.mark.parametrize(
    "line",
    [
        "/pledge 1 10",
        "/unpledge 1",
        "/withdraw 1",
        "/bonds",
        "/bond 1",
        "/join",
        "/join Tierra",
        "/leave",
        "/propose Oven 100 10 2027-01-31",
        "/propose",
        "/rent 1 10",
        "/statement",
        "/ledger",
        "/coop",
        "/coop new Foo",
        "/role ana admin",
    ],
)
def test_commands_in_a_group_with_no_commune_yet(chat, line: str) -> None:
    chat.say(":now 2026-12-01T09:00:00Z")
    refused(chat, f"ana@lonely: {line}", NO_COMMUNE_HERE, to="[lonely]")


@pytest.mark.parametrize("line", ["/pledge 1 10", "/join", "/statement", "/bonds"])
def test_commands_in_a_private_chat_with_no_commune(terra, line: str) -> None:
    refused(
        terra,
        f"zed@dm: {line}",
        "You are not in any commune yet.",
        "Say /join in your commune's group.",
        to="[dm zed]",
    )


@pytest.mark.parametrize(
    "line",
    [
        'ben@group: /propose "Bread oven 4000 90 2027-03-31',
        "ben@group: /propose “Bread oven 4000 90 2027-03-31",  # a phone's curly quote
        'ana@group: /coop new "Pan y',
        'zed@lonely: /pledge "1 10',  # refused before anything else is looked at
    ],
)
def test_unbalanced_quotes(terra, line: str) -> None:
    to = "[lonely]" if "@lonely" in line else GROUP
    refused(
        terra,
        line,
        "A quote is not closed.",
        'Put a name of several words in double quotes, e.g. "Bread oven".',
        to=to,
    )


# --- the step-by-step forms -----------------------------------------------------


@ALSO_STORED
def test_a_wrong_answer_in_a_form_asks_again_and_changes_nothing(terra) -> None:
    accepted(terra, "ben@group: /propose", "ben@group: Oven")
    before = terra.snapshot()
    out = terra.say("ben@group: abc")
    assert out == [
        '[group] "abc" is not an amount. Write it like 1200 or 1200.50',
        "[group] What does it cost? e.g. 4000",
    ]
    assert terra.snapshot() == before
    accepted(terra, "ben@group: 100", "ben@group: 10")
    before = terra.snapshot()
    out = terra.say("ben@group: 2026-11-30")
    assert out == [
        "[group] That day has passed. Give a pledge deadline of today or later, as YYYY-MM-DD.",
        "[group] Until which day may members pledge? YYYY-MM-DD, e.g. 2027-03-31",
    ]
    assert terra.snapshot() == before
    out = accepted(terra, "ben@group: 2027-01-31")
    assert out[0] == "[group] 🏗 Bond #2 — Oven for Tierra", out


@pytest.mark.parametrize(
    "line",
    ["ben@group: /frobnicate", "ben@group: /pledge 1 5000", "ben@group: /withdraw 9"],
)
def test_a_refused_command_in_the_middle_of_a_form_keeps_the_form(terra, line: str) -> None:
    accepted(terra, "ben@group: /propose", "ben@group: Oven", "ben@group: 100")
    refused(terra, line)
    out = terra.say("ben@group: 10")
    assert out == ["[group] Until which day may members pledge? YYYY-MM-DD, e.g. 2027-03-31"]


@ALSO_STORED
def test_a_taken_commune_name_is_refused_when_the_form_asks_for_it(terra) -> None:
    accepted(terra, ":admin cai other", "cai@other: /setup")
    before = terra.snapshot()
    out = terra.say("cai@other: Terra")
    assert out[0] == "[other] There is already a commune called Terra. Choose another name.", out
    assert terra.snapshot() == before
