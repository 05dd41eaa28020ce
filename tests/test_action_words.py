"""/motion's action words in each language (issue 14).

``/motion 1 alquiler 1 350`` is ``/motion 1 rent 1 350``: each action's words in es
and ca (domain/keywords.py ``ACTIONS`` and ``ACTION_PARTS``) make the same motion,
carried out the same, as the English ones, in a chat speaking English or the words'
language; English keeps working everywhere. A refusal's example is in the reader's
words, and minga reads it back.
"""

from __future__ import annotations

from functools import cache

import pytest
from conftest import ONLY_STORED
from harness import ConsoleChat
from memory_chat import MemoryChat
from test_action_motions import ALL_YES, CLOSES, LEASED, OPENS
from test_decide_seams import FORM
from test_fund import FUNDED, JANUARY_AND_FEBRUARY

from domain import keywords
from domain.actions import EndLease
from domain.arrears import RENT_UNPAID
from domain.assemblies import Threshold

# Bond #1 (Tractor, Tierra) leased from January; Pan a second cooperative; the December
# assembly (#1) votes on the 10th.
BASE = LEASED + "ana@group: /coop new Pan\n"
# Bond #3 awaits approval: its own motion goes on the December assembly; an earlier
# assembly (#2, on the 5th) is where the typed one is voted.
AWAITING = """
ana@group: /policy approval assembly
ben@group: /propose Shed 300 30 2026-12-31
ana@group: /assembly new "Early assembly" 2026-12-05T18:00 2026-12-05T20:00
"""
EARLY = (  # motions are numbered across a commune's assemblies: the typed one is 2
    ":now 2026-12-05T17:30:00Z",
    *(line.format(n=2) for line in ALL_YES),
    ":now 2026-12-05T19:30:00Z",
)
# The December assembly ended the lease of bond #1; a second one (#2) lets it again.
ENDED = (
    "ana@group: /motion 1 end lease 1",
    OPENS,
    *(line.format(n=1) for line in ALL_YES),
    CLOSES,
    'ana@group: /assembly new "Second assembly" 2026-12-20T18:00 2026-12-20T20:00',
)
SECOND = (
    ":now 2026-12-20T17:30:00Z",
    *(line.format(n=2) for line in ALL_YES),
    ":now 2026-12-20T19:30:00Z",
)
DECEMBER = (OPENS, *(line.format(n=1) for line in ALL_YES), CLOSES)

#: action -> (what comes before, the motion with its words in braces, the vote and close)
ACTIONS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "approve": ((AWAITING,), "/motion 2 {approve} {bond} 3", EARLY),
    "rent": ((), "/motion 1 {rent} 1 350", DECEMBER),
    "end": ((), "/motion 1 {end} {lease} 1", DECEMBER),
    "relet": (ENDED, "/motion 2 {relet} 1 Pan 250", SECOND),
    "role": ((), "/motion 1 {role} ben {treasurer}", DECEMBER),
    "policy": ((), "/motion 1 {policy} support 5", DECEMBER),
    "fund": ((), '/motion 1 {fund} 100 "Seeds" {to} Pan', DECEMBER),
}
#: the part each action has besides its first word
PARTS = {"bond": "approve", "lease": "end", "to": "fund"}
#: the note the English motion's close gives (no fund in memory: nothing to grant)
NOTES = {
    "approve": "→ carried out: bond #3 (Shed) is open for pledges",
    "rent": "→ carried out: from January 2027 the Tractor's lease pays €350.00 a month",
    "end": "→ carried out: the Tractor's lease ends with December 2026",
    "relet": "→ carried out: from January 2027 Pan leases the Tractor for €250.00 a month",
    "role": "→ carried out: ben's role is now treasurer",
    "policy": "→ carried out: the policy support is now 5 (it was 3)",
    "fund": "→ not carried out: the common fund holds €0.00, less than €100.00",
}


def motion(action: str, locale: str, **typed: str) -> str:
    """The action's motion in ``locale``'s first words, with ``typed`` words instead."""
    words = {
        canonical: keywords.words_in(canonical, group, locale)[0]
        for group in (keywords.ACTIONS, keywords.ACTION_PARTS)
        for canonical in group
    }
    words["treasurer"] = keywords.words_in("treasurer", keywords.ROLES, locale)[0]
    return "ana@group: " + ACTIONS[action][1].format(**(words | typed))


@cache
def _run(group_locale: str, action: str, line: str) -> tuple[tuple[str, ...], str]:
    """What the chat says from ``line`` on, and the state it leaves (as text, to cache)."""
    before, _, after = ACTIONS[action]
    chat = MemoryChat()
    chat.script(BASE)
    for step in before:
        chat.script(step) if "\n" in step else chat.say(step)
    if group_locale != "en":
        chat.say(f"ana@group: /lang group {group_locale}")
    said = chat.say(line, *after)
    return tuple(said), repr(chat.snapshot())


def every(group: keywords.Words) -> list[tuple[str, str, str]]:
    """(canonical, locale, word) for each es and ca word of ``group``."""
    return [
        (canonical, locale, word)
        for canonical, by_locale in group.items()
        for locale, words in by_locale.items()
        if locale != "en"
        for word in words
    ]


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_english_action_is_carried_out(action: str) -> None:
    said, _ = _run("en", action, motion(action, "en"))
    assert said[0].startswith("[group] Motion "), said
    assert any(NOTES[action] in line for line in said), said


@pytest.mark.parametrize("group_locale", ["en", "word's"])
@pytest.mark.parametrize(("action", "locale", "word"), every(keywords.ACTIONS))
def test_each_action_word_makes_and_carries_out_the_english_motion(
    action: str, locale: str, word: str, group_locale: str
) -> None:
    """In an English chat and in one speaking the word's language alike."""
    speaks = locale if group_locale == "word's" else "en"
    typed = motion(action, locale, **{action: word})
    assert _run(speaks, action, typed) == _run(speaks, action, motion(action, "en"))


@pytest.mark.parametrize(("part", "locale", "word"), every(keywords.ACTION_PARTS))
def test_each_word_inside_an_action_is_read(part: str, locale: str, word: str) -> None:
    action = PARTS[part]
    typed = motion(action, locale, **{part: word})
    assert _run(locale, action, typed) == _run(locale, action, motion(action, "en"))


def test_words_are_read_without_accents_or_case() -> None:
    english = _run("en", "policy", motion("policy", "en"))
    assert _run("en", "policy", "ana@group: /motion 1 POLITICA support 5") == english
    role = _run("en", "role", "ana@group: /motion 1 Rol ben TESORERIA")
    assert role == _run("en", "role", motion("role", "en"))


def test_english_words_work_in_a_chat_speaking_another_language() -> None:
    for locale in ("es", "ca"):
        said, _ = _run(locale, "rent", motion("rent", "en"))
        assert said[0].startswith("[group] Moci"), said


# --- refusals: the example in the reader's words ------------------------------------------

WRONG = {  # action -> a motion missing or misplacing a word, in each language
    "approve": {"es": "aprobar bono", "ca": "aprovar bo"},
    "rent": {"es": "alquiler 1", "ca": "lloguer 1"},
    "end": {"es": "terminar el arrendamiento 1", "ca": "acabar arrendament"},
    "relet": {"es": "rearrendar 1 Pan", "ca": "rellogar 1 Pan"},
    "role": {"es": "rol ben", "ca": "rol ben"},
    "policy": {"es": "política approval", "ca": "política approval"},
    "fund": {"es": 'fondo 100 "Semillas" para Pan', "ca": 'fons 100 "Llavors" per Pan'},
}
EXAMPLES = {
    "es": {
        "approve": "/motion 1 aprobar bono 3",
        "rent": "/motion 1 alquiler 1 350",
        "end": "/motion 1 terminar arrendamiento 1",
        "relet": "/motion 1 rearrendar 1 Pan 250",
        "role": "/motion 1 rol ben tesorería",
        "policy": "/motion 1 política approval assembly",
        "fund": '/motion 1 fondo 500 "Semillas para el huerto" a Pan',
    },
    "ca": {
        "approve": "/motion 1 aprovar bo 3",
        "rent": "/motion 1 lloguer 1 350",
        "end": "/motion 1 acabar arrendament 1",
        "relet": "/motion 1 rearrendar 1 Pan 250",
        "role": "/motion 1 rol ben tresoreria",
        "policy": "/motion 1 política approval assembly",
        "fund": '/motion 1 fons 500 "Llavors per a l\'hort" a Pan',
    },
}
FOR_EXAMPLE = {"es": " — por ejemplo ", "ca": " — per exemple "}


@pytest.mark.parametrize("locale", sorted(FOR_EXAMPLE))
@pytest.mark.parametrize("action", sorted(WRONG))
def test_a_refusal_gives_the_example_in_the_reader_s_words_and_it_is_read(
    action: str, locale: str
) -> None:
    chat = MemoryChat()
    chat.script(BASE)
    chat.say(f"ana@group: /lang {locale}")
    before = chat.snapshot()
    refused = chat.say(f"ana@group: /motion 1 {WRONG[action][locale]}")
    assert len(refused) == 1 and refused[0].endswith(
        FOR_EXAMPLE[locale] + EXAMPLES[locale][action]
    ), refused
    assert " · /motion <" in refused[0]  # the usage line, in the reader's words too
    assert chat.snapshot() == before
    # Read: a motion, or a refusal of what it names (no bond #3), not of its words.
    out = chat.say(f"ana@group: {EXAMPLES[locale][action]}")
    assert out and FOR_EXAMPLE[locale] not in out[0], out


def test_minga_s_own_end_lease_reason_is_shown_in_the_reader_s_language() -> None:
    """handlers/arrears.py stores "rent unpaid" (as it stores the action, in one form)."""
    chat = MemoryChat()
    chat.script(BASE)
    with chat.store.unit_of_work() as uow:  # as handlers/waiting_motions.py puts it
        commune = uow.communes.by_name("Terra")
        assert commune is not None
        (assembly,) = uow.assemblies.all(commune.id)
        uow.assemblies.add_motion(assembly, RENT_UNPAID, Threshold.MAJORITY, EndLease(1))
        uow.commit()
    chat.say("cai@group: /lang es", "ben@group: /lang ca")
    assert "rent unpaid" in " ".join(chat.say("ana@group: /assembly 1"))
    assert ": alquiler impagado" in " ".join(chat.say("cai@dm: /assembly 1"))
    assert ": lloguer impagat" in " ".join(chat.say("ben@dm: /assembly 1"))


# --- the /assembly form's lines and a grant from a fund that has the money ------------------


FORM_LINES = {
    "en": (
        'rent 1 350 "A cab" — two-thirds',
        "role ben treasurer",
        "policy support 5",
        'fund 100 "Seeds" to Pan',
        "end lease 1",
    ),
    "es": (
        'alquiler 1 350 "A cab" — dos tercios',
        "rol ben tesorería",
        "política support 5",
        'fondo 100 "Seeds" a Pan',
        "terminar arrendamiento 1",
    ),
    "ca": (
        'lloguer 1 350 "A cab" — dos terços',
        "rol ben tresoreria",
        "política support 5",
        'fons 100 "Seeds" a Pan',
        "acabar arrendament 1",
    ),
}


@cache
def _form(locale: str) -> tuple[tuple[str, ...], str]:
    chat = MemoryChat()
    chat.script(LEASED.split(":now 2026-12-03")[0] + ":now 2026-12-03T09:00:00Z\n")
    chat.say("ana@group: /coop new Pan", *FORM)
    said = chat.say(*(f"ana@group: {line}" for line in FORM_LINES[locale]), "ana@group: done")
    said += chat.say("ana@group: no", "ana@group: yes", *DECEMBER[:1])  # no budget round
    for n in range(1, 6):
        said += chat.say(*(line.format(n=n) for line in ALL_YES))
    return tuple(said + chat.say(CLOSES)), repr(chat.snapshot())


@pytest.mark.parametrize("locale", ["es", "ca"])
def test_the_assembly_form_reads_each_language_s_actions(locale: str) -> None:
    """A line of the form is an action when it looks like one, in any language."""
    said, _ = _form("en")
    assert sum("→ carried out" in line for line in said) == 4, said  # the fund holds nothing
    assert _form(locale) == _form("en")


@ONLY_STORED
def test_a_grant_typed_in_spanish_is_paid_from_the_fund(rules_chat: ConsoleChat) -> None:
    chat = rules_chat
    chat.script(FUNDED)
    chat.script(JANUARY_AND_FEBRUARY)
    chat.say(
        'ana@group: /assembly new "March" 2027-03-10T18:00 2027-03-10T20:00',
        'ana@group: /motion 1 fondo 100 "Semillas" a Tierra',
        'ana@group: /motion 1 fons 30 "Llibres" a cai',
        ":now 2027-03-10T17:30:00Z",
    )
    for n in (1, 2):
        chat.say(*(f"{who}@group: /vote {n} yes" for who in ("ana", "ben", "cai")))
    closed = chat.say(":now 2027-03-10T19:30:00Z")
    assert [line for line in closed if "→" in line] == [
        "[group] → carried out: €100.00 granted to Tierra; the treasurer pays it out; the "
        "common fund holds €150.00",
        "[group] → carried out: €30.00 granted to cai; the treasurer pays it out; the common "
        "fund holds €120.00",
    ]
