"""One form engine: /setup, /propose and /assembly are data run by handlers/forms/engine.py.

What each form says is pinned by tests/test_conversations.py, tests/test_assemblies.py
and the docs' examples; these tests pin what the engine adds: forms saved before it
(by the two engines it replaced) carry on, the buttons and their positions come from
the forms' own data, and no form imports a command module.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grimp
from harness import ASSEMBLY_COMMUNE, ConsoleChat

from handlers.forms import engine
from handlers.forms.registry import FORMS, quick_answers

NOW = datetime(2027, 1, 25, 9, 0, tzinfo=UTC)


def _save_old_row(chat: ConsoleChat, name: str, step: str, data: dict[str, Any]) -> None:
    """A form in progress as the engine before this one left it in the database."""
    with chat.database.unit_of_work() as uow:
        uow.conversations.save("console", "group", "ana", name, step, data, NOW)
        uow.commit()


def _waiting(chat: ConsoleChat) -> engine.State | None:
    with chat.database.unit_of_work() as uow:
        return engine.waiting(uow, "console", "group", "ana")


def test_a_propose_form_saved_as_arguments_carries_on(terra: ConsoleChat) -> None:
    _save_old_row(terra, "propose", "2", {"args": ["Bread oven", "4000"]})
    state = _waiting(terra)
    assert state is not None and state.position == 3
    assert terra.say("ana@group: 90") == [
        "[group] Until which day may members pledge? YYYY-MM-DD, e.g. 2027-03-31"
    ]
    out = terra.say("ana@group: 2027-03-31")
    assert out[0].startswith("[group] 🏗 Bond #2 — Bread oven"), out


def test_an_assembly_form_saved_beside_its_step_carries_on(chat: ConsoleChat) -> None:
    chat.script(ASSEMBLY_COMMUNE)
    _save_old_row(
        chat,
        "assembly",
        "0",
        {
            "step": "motions",
            "title": "Spring assembly",
            "opens": "2027-02-01T18:00:00+01:00",
            "closes": "2027-02-01T20:00:00+01:00",
            "quorum": 50,
            "repeat": None,
            "secret": False,
            "binding": False,
            "motions": [["Buy a tractor", "majority"]],
        },
    )
    state = _waiting(chat)
    assert state is not None and (state.form.name, state.position) == ("assembly", 9)
    assert chat.say("ana@group: Adopt the charter — consensus") == [
        "[group] Motion 2 noted. Next motion, or done."
    ]
    summary = chat.say("ana@group: done")
    assert summary[0] == "[group] 🗳 Spring assembly"
    assert "[group] 2. Adopt the charter — consensus" in summary
    assert chat.say("ana@group: yes")[0] == "[group] 🗳 Assembly #1: Spring assembly"
    assert _waiting(chat) is None


def test_the_position_a_button_carries_is_where_the_form_waits(chat: ConsoleChat) -> None:
    chat.script(ASSEMBLY_COMMUNE)
    chat.say("ana@group: /assembly")
    state = _waiting(chat)
    assert state is not None and (state.form.name, state.position, state.key) == (
        "assembly",
        1,
        "title",
    )
    chat.say(
        "ana@group: Spring assembly",
        "ana@group: 2027-02-01T18:00",
        "ana@group: 2h",
        "ana@group: none",
        "ana@group: no",
        "ana@group: no",
        "ana@group: no",
        "ana@group: 100%",
        "ana@group: Buy a tractor",
    )
    state = _waiting(chat)
    assert state is not None and (state.position, state.items()) == (
        9,
        [["Buy a tractor", "majority"]],
    )
    chat.say("ana@group: done")
    state = _waiting(chat)
    # The budget question (11 of 12 here) is skipped: no motion is a grant.
    assert state is not None and (state.position, state.key) == (11, "confirm")
    assert state.form.questions == 11


def test_the_forms_declare_the_quick_answers_the_buttons_offer() -> None:
    assert quick_answers() == {
        "ask_currency": ("EUR", "USD", "GBP"),
        "ask_timezone": ("UTC",),
        "ask_assembly_quorum": ("none",),
        "ask_assembly_repeat": ("no",),
        "ask_assembly_secret": ("yes", "no"),
        "ask_assembly_binding": ("yes", "no"),
        "ask_assembly_remote": ("100%", "50%", "0%"),
        "ask_assembly_budget": ("yes", "no"),
        "ask_motion": ("done",),
        "motion_noted": ("done",),
        "assembly_summary": ("yes", "no"),
    }


def test_one_registry_starts_a_form_only_when_arguments_are_missing() -> None:
    assert sorted(FORMS) == ["assembly", "propose", "setup"]
    assert engine.starting("setup", ["Terra"]) is FORMS["setup"]
    assert engine.starting("setup", ["Terra", "EUR"]) is None
    assert engine.starting("propose", ["Oven", "4000", "90"]) is FORMS["propose"]
    assert engine.starting("assembly", []) is FORMS["assembly"]
    assert engine.starting("assembly", ["1"]) is None
    assert engine.starting("bonds", []) is None


def test_forms_import_no_command_module_and_nothing_imports_in_a_circle() -> None:
    graph = grimp.build_graph("handlers", "domain")
    assert not graph.chain_exists("handlers.forms", "handlers.commands", as_packages=True)
    for module in graph.find_descendants("handlers.forms") | {"handlers.new_assembly"}:
        for imported in graph.find_modules_directly_imported_by(module):
            assert not graph.chain_exists(imported, module), (module, imported)
