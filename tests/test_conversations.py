"""Step-by-step /setup and /propose: asked one thing at a time, kept across restarts."""

from __future__ import annotations

from harness import ConsoleChat


def test_setup_step_by_step(chat: ConsoleChat) -> None:
    chat.say(":now 2026-12-01T09:00:00Z", ":admin ana group")
    assert chat.say("ana@group: /setup") == [
        "[group] Let's set up a commune: a few questions, /cancel stops.",
        "[group] What is the commune's name?",
    ]
    assert chat.say("ana@group: Terra") == [
        "[group] Which currency does it keep its books in? A three-letter code, e.g. EUR."
    ]
    assert chat.say("ana@group: euros") == [
        '[group] "euros" is not a currency code I know. Use three letters, e.g. EUR, USD, CHF.',
        "[group] Which currency does it keep its books in? A three-letter code, e.g. EUR.",
    ]
    chat.say("ana@group: eur")
    out = chat.say("ana@group: Europe/Madrid")
    assert out[0] == "[group] 🌱 Terra is set up: money in EUR, time zone Europe/Madrid."


def test_only_the_person_in_the_form_answers_it(chat: ConsoleChat) -> None:
    chat.say(":now 2026-12-01T09:00:00Z", ":admin ana group", "ana@group: /setup")
    assert chat.say("ben@group: Terra") == []  # ben's chatter is not ana's answer
    assert chat.say("ana@group: Terra")[0].startswith("[group] Which currency")


def test_propose_step_by_step_with_a_wrong_date_a_restart_and_a_look_at_bonds(
    terra: ConsoleChat,
) -> None:
    assert terra.say("ana@group: /propose")[0].startswith("[group] Let's float a bond")
    terra.say("ana@group: Bread oven")
    assert terra.say("ana@group: 4000")[0] == (
        "[group] How much rent will your cooperative pay per month? e.g. 90"
    )
    restarted = terra.restart()  # the bot process dies and comes back
    assert restarted.say("ana@group: 90")[0].startswith("[group] Until which day")
    assert restarted.say("ana@group: 31/31/2027")[0] == (
        '[group] "31/31/2027" is not a date. Write it as YYYY-MM-DD, e.g. 2027-03-31'
    )
    assert restarted.say("ana@group: /bonds")[0].startswith("[group] 🏗 Bond #1 — Tractor")
    out = restarted.say("ana@group: 2027-03-31")
    assert out[0] == "[group] 🏗 Bond #2 — Bread oven for Tierra"
    assert out[1] == (
        "[group] Price €4,000.00 · rent €90.00/month · pledges until Wednesday 31 March 2027, 23:59"
    )
    restarted.close()


def test_a_one_line_command_with_arguments_missing_asks_for_the_rest(terra: ConsoleChat) -> None:
    out = terra.say('ana@group: /propose "Bread oven" 4000')
    assert out == [
        "[group] Let's float a bond for your cooperative: a few questions, /cancel stops.",
        "[group] How much rent will your cooperative pay per month? e.g. 90",
    ]


def test_cancel_leaves_the_form_and_changes_nothing(terra: ConsoleChat) -> None:
    terra.say("ana@group: /propose", "ana@group: Oven")
    before = terra.snapshot()
    assert terra.say("ana@group: /cancel") == ["[group] Cancelled. Nothing was changed."]
    after = terra.snapshot()
    assert after["bond_issue"] == before["bond_issue"]
    assert after["conversation"] == []
    assert terra.say("ana@group: 4000") == []
    assert terra.say("ana@group: /cancel") == ["[group] There is nothing to cancel."]


def test_the_same_commands_work_with_an_exclamation_mark(terra: ConsoleChat) -> None:
    assert terra.say("ana@group: !pledge 1 500")[0] == "[group] ✋ ana pledged €500.00 to bond #1."
    assert terra.say("ana@group: /pledge@minga_bot 1 100")[0] == (
        "[group] ✋ ana pledged €100.00 to bond #1."
    )
