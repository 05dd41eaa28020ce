"""Speaking Spanish or Catalan to minga (issue 14, "Language"): dates and times in the
speaker's conventions, amounts with their sign apart, every keyword in each language,
and a group's language changed by an admin with ``/lang group <code>``.

Each misreading the issue lists is pinned here in es, ca and en: "jueves a las 18h"
read as the 18th at midnight, "04/02/2027 18:00" read as 2 April in es and ca, bond
deadlines only as YYYY-MM-DD (and echoed without their weekday), "/pledge 1 300,00 €"
split at the space, and the translated keywords ("tesorería", "quórum", "secreta",
"a favor") refused.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from harness import TERRA_SETUP
from memory_chat import MemoryChat

from domain import keywords
from domain.errors import Refusal
from handlers.parsing import parse_command
from handlers.when import parse_deadline_day, parse_moment

TZ = "Europe/Madrid"
MONDAY = datetime(2027, 1, 25, 9, 0, tzinfo=UTC)  # Monday 25 January 2027, 10:00 in Madrid
THURSDAY_18 = datetime(2027, 1, 28, 18, 0)
FEBRUARY_4_18 = datetime(2027, 2, 4, 18, 0)


def local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(TZ)).replace(tzinfo=None)


# --- moments -----------------------------------------------------------------------

MOMENTS = [
    # the misreadings: the 18th at 00:00
    ("es", "jueves a las 18h", THURSDAY_18),
    ("ca", "dijous a les 18h", THURSDAY_18),
    ("en", "thursday at 18h", THURSDAY_18),
    # day first in es and ca: 4 February, not 2 April
    ("es", "04/02/2027 18:00", FEBRUARY_4_18),
    ("ca", "04/02/2027 18:00", FEBRUARY_4_18),
    ("es", "04/02/2027 a las 18h", FEBRUARY_4_18),
    # the hour forms and the little words of each language
    ("es", "jueves 18h", THURSDAY_18),
    ("ca", "dijous 18h", THURSDAY_18),
    ("en", "thursday 18h", THURSDAY_18),
    ("es", "jueves a las 6 de la tarde", THURSDAY_18),
    ("ca", "dijous a les 6 de la tarda", THURSDAY_18),
    ("en", "thursday at 6pm", THURSDAY_18),
    ("es", "próximo jueves a las 18h", THURSDAY_18),
    ("es", "el jueves que viene a las 18:00", THURSDAY_18),
    ("ca", "dijous vinent a les 18h", THURSDAY_18),
    ("ca", "el proper dijous a les 18:00", THURSDAY_18),
    ("en", "next thursday at 18h", THURSDAY_18),
    ("es", "4 de febrero a las 18h", FEBRUARY_4_18),
    ("ca", "el 4 de febrer a les 18h", FEBRUARY_4_18),
    ("es", "jueves 18h30", datetime(2027, 1, 28, 18, 30)),
    ("ca", "demà a les 10 del matí", datetime(2027, 1, 26, 10, 0)),
    ("es", "mañana a las 10 de la mañana", datetime(2027, 1, 26, 10, 0)),
    # "in 2h" is a length of time, not two o'clock
    ("en", "in 2h", datetime(2027, 1, 25, 12, 0)),
    ("es", "dentro de 2h", datetime(2027, 1, 25, 12, 0)),
    ("ca", "d'aquí a 2h", datetime(2027, 1, 25, 12, 0)),
]


@pytest.mark.parametrize(("locale", "text", "expected"), MOMENTS)
def test_a_moment_is_read_in_the_speaker_s_conventions(
    locale: str, text: str, expected: datetime
) -> None:
    assert local(parse_moment(text, TZ, locale, MONDAY)) == expected


def test_english_keeps_month_first_and_the_exact_form_is_the_same_everywhere() -> None:
    assert local(parse_moment("04/02/2027 18:00", TZ, "en", MONDAY)) == datetime(2027, 4, 2, 18)
    for locale in ("en", "es", "ca"):
        assert local(parse_moment("2027-02-04T18:00", TZ, locale, MONDAY)) == FEBRUARY_4_18


@pytest.mark.parametrize("locale", ["en", "es", "ca"])
def test_what_is_no_moment_is_refused(locale: str) -> None:
    with pytest.raises(Refusal) as refused:
        parse_moment("cuando quieras", TZ, locale, MONDAY)
    assert refused.value.code == "bad_moment"


# --- bond deadlines ----------------------------------------------------------------

DEADLINES = [
    ("es", "jueves", date(2027, 1, 28)),
    ("ca", "dijous", date(2027, 1, 28)),
    ("en", "thursday", date(2027, 1, 28)),
    ("es", "04/02/2027", date(2027, 2, 4)),
    ("ca", "04/02/2027", date(2027, 2, 4)),
    ("en", "2/4/2027", date(2027, 2, 4)),
    ("es", "4 de febrero", date(2027, 2, 4)),
    ("ca", "4 de febrer", date(2027, 2, 4)),
    ("en", "4 February 2027", date(2027, 2, 4)),
    ("es", "próximo jueves", date(2027, 1, 28)),
    ("ca", "dijous vinent", date(2027, 1, 28)),
    ("en", "2027-02-04", date(2027, 2, 4)),
]


@pytest.mark.parametrize(("locale", "text", "expected"), DEADLINES)
def test_a_deadline_takes_the_forms_a_moment_does(locale: str, text: str, expected: date) -> None:
    assert parse_deadline_day(text, TZ, locale, MONDAY) == expected


def test_a_deadline_that_is_no_day_is_refused() -> None:
    with pytest.raises(Refusal) as refused:
        parse_deadline_day("pronto", TZ, "es", MONDAY)
    assert refused.value.code == "bad_date"


# --- in a chat ---------------------------------------------------------------------


@pytest.fixture
def terra() -> MemoryChat:
    chat = MemoryChat()
    chat.script(TERRA_SETUP)
    return chat


def speaking(chat: MemoryChat, locale: str) -> MemoryChat:
    if locale != "en":
        chat.say(f"ana@group: /lang group {locale}")
    return chat


# The deadline as first typed is echoed with its weekday, day, month name and the
# minute it ends (it lasts all that day), so "04/02/2027" read as 2 April is seen.
# The chat's today is Tuesday 1 December 2026: "jueves" is the 3rd.
THURSDAY_3 = {
    "en": "Thursday 3 December 2026, 23:59",
    "es": "jueves, 3 de diciembre de 2026, 23:59",
    "ca": "dijous, 3 de desembre del 2026, 23:59",
}
FEBRUARY_4 = {
    "en": "Thursday 4 February 2027, 23:59",
    "es": "jueves, 4 de febrero de 2027, 23:59",
    "ca": "dijous, 4 de febrer del 2027, 23:59",
}
UNTIL = {"en": "pledges until ", "es": "aportaciones hasta el ", "ca": "termini per aportar: "}
DEADLINE_ECHOES = [
    ("en", "thursday", THURSDAY_3["en"]),
    ("es", "jueves", THURSDAY_3["es"]),
    ("ca", "dijous", THURSDAY_3["ca"]),
    ("en", "next thursday", THURSDAY_3["en"]),
    ("es", "próximo jueves", THURSDAY_3["es"]),
    ("ca", "dijous vinent", THURSDAY_3["ca"]),
    ("en", "2/4/2027", FEBRUARY_4["en"]),  # month first in English
    ("es", "04/02/2027", FEBRUARY_4["es"]),
    ("ca", "04/02/2027", FEBRUARY_4["ca"]),
    ("en", "2027-02-04", FEBRUARY_4["en"]),
    ("es", "2027-02-04", FEBRUARY_4["es"]),
    ("ca", "2027-02-04", FEBRUARY_4["ca"]),
    ("es", "05/02/2027", "viernes, 5 de febrero de 2027, 23:59"),
    ("ca", "divendres 5 de febrer", "divendres, 5 de febrer del 2027, 23:59"),
    ("en", "5 February 2027", "Friday 5 February 2027, 23:59"),
]
ECHOES = [
    # the assembly's moments: weekday, day, month name and time
    ("es", '/assembly new "Spring" "jueves a las 18h" 2h', "del jue, 3 dic 2026, 18:00 al jue"),
    ("ca", '/assembly new "Spring" "dijous a les 18h" 2h', "del dj., 3 de des. 2026, 18:00"),
    ("en", '/assembly new "Spring" "thursday at 18h" 2h', "open Thu 3 Dec 2026 18:00, close"),
    # a bond's deadline: a day in words, which lasts all that day
    ("es", "/propose Oven 800 20 4 de febrero", "hasta el jueves, 4 de febrero de 2027, 23:59"),
    ("ca", '/propose Oven 800 20 "04/02/2027"', "aportar: dijous, 4 de febrer del 2027, 23:59"),
    ("en", "/propose Oven 800 20 4 February 2027", "until Thursday 4 February 2027, 23:59"),
    # an amount and its sign apart: "300,00 €" was split at the space
    ("es", "/pledge 1 300,00 €", "✋ ben ha aportado 300,00\xa0€"),
    ("ca", "/pledge 1 300,00 €", "300,00\xa0€"),
    ("en", "/pledge 1 € 300", "✋ ben pledged €300.00"),
    ("en", "/pledge 1 300 EUR", "€300.00"),
    ("es", "/pledge 1 300 eur", "300,00\xa0€"),
] + [
    (locale, f"/propose Oven 800 20 {typed}", UNTIL[locale] + echoed)
    for locale, typed, echoed in DEADLINE_ECHOES
]


@pytest.mark.parametrize(("locale", "typed", "echoed"), ECHOES)
def test_a_command_reads_the_speaker_s_dates_and_amounts(
    terra: MemoryChat, locale: str, typed: str, echoed: str
) -> None:
    out = speaking(terra, locale).say(f"{'ana' if 'assembly' in typed else 'ben'}@group: {typed}")
    assert any(echoed in line for line in out), out


FORM_DEADLINES = {"en": "next thursday", "es": "el próximo jueves", "ca": "dijous vinent"}


@pytest.mark.parametrize("locale", sorted(FORM_DEADLINES))
def test_the_propose_form_takes_a_deadline_in_words(terra: MemoryChat, locale: str) -> None:
    speaking(terra, locale).say("ben@group: /propose", "ben@group: Horno", "ben@group: 800")
    out = terra.say("ben@group: 20", f"ben@group: {FORM_DEADLINES[locale]}")
    assert any(UNTIL[locale] + THURSDAY_3[locale] in line for line in out), out


# --- a time to pay and a bond awaiting approval, as each language shows them ----------

# A sold bond's pledgers pay until the end of the day payment-days after the pledge that
# filled it, shown as a deadline is: weekday, day, month name, its last minute. A window
# that ends with pledges unpaid reopens the bond until the end of a day too, not at the
# minute the window's job ran. Bond #2, due 10 December, is filled on Tuesday 1 December
# with 14 days to pay.
TUESDAY_15 = {
    "en": "Tuesday 15 December 2026, 23:59",
    "es": "martes, 15 de diciembre de 2026, 23:59",
    "ca": "dimarts, 15 de desembre del 2026, 23:59",
}
WEDNESDAY_30 = {
    "en": "Wednesday 30 December 2026, 23:59",
    "es": "miércoles, 30 de diciembre de 2026, 23:59",
    "ca": "dimecres, 30 de desembre del 2026, 23:59",
}
# What comes before the day: (to the group, to the pledger, /bond, the reopening)
BEFORE_THE_DAY = {
    "en": (
        "pay the treasurer by ",
        "Please pay €800.00 to the treasurer by ",
        "the pledgers pay until ",
        "missing €800.00 until ",
    ),
    "es": (
        "pagan a tesorería hasta el ",
        "Paga 800,00\xa0€ a tesorería hasta el ",
        "quienes aportaron pagan hasta el ",
        "faltan hasta el ",
    ),
    "ca": (
        "paguen a tresoreria fins al ",
        "Paga 800,00\xa0€ a tresoreria fins al ",
        "els qui hi van aportar paguen fins al ",
        "falten fins al ",
    ),
}


def sold_oven(chat: MemoryChat, locale: str) -> list[str]:
    chat.say("ana@group: /policy payment-days 14")
    speaking(chat, locale).say("ben@group: /propose Oven 800 20 2026-12-10")
    return chat.say("ben@group: /pledge 2 800")


@pytest.mark.parametrize("locale", ["en", "es", "ca"])
def test_the_time_to_pay_shows_its_weekday_month_name_and_last_minute(
    terra: MemoryChat, locale: str
) -> None:
    out = sold_oven(terra, locale)
    to_group, to_pledger, shown_by_bond, _ = BEFORE_THE_DAY[locale]
    assert any(to_group + TUESDAY_15[locale] + ";" in line for line in out), out
    assert any(
        line.startswith("[dm ben]") and to_pledger + TUESDAY_15[locale] + ";" in line
        for line in out
    ), out
    shown = terra.say("ben@group: /bond 2")
    assert any(shown_by_bond + TUESDAY_15[locale] + "." in line for line in shown), shown


@pytest.mark.parametrize("locale", ["en", "es", "ca"])
def test_a_reopened_bond_takes_pledges_to_the_end_of_a_day(terra: MemoryChat, locale: str) -> None:
    sold_oven(terra, locale)
    assert not any("🔁" in line for line in terra.say(":now 2026-12-15T22:30:00Z")), "23:30"
    out = terra.say(":now 2026-12-16T10:00:00Z")  # the window ended at midnight, Madrid
    reopened = [line for line in out if "🔁" in line]
    # 14 days from the 16th outlast its deadline, the 10th: the 30th, all day
    until = BEFORE_THE_DAY[locale][3]
    assert len(reopened) == 1 and until + WEDNESDAY_30[locale] in reopened[0], out
    shown = terra.say("ben@group: /bond 2")
    assert any(WEDNESDAY_30[locale] in line for line in shown), shown


# A bond awaiting approval keeps no typed deadline: approval opens it for as many days
# as it had left when proposed, counted from the day of approval. The confirmation says
# so, and names no date: Oven typed 10 January on 1 December, 40 days.
AWAITING = {
    "en": (
        "once approved, pledges for the rest of that day and 40 more days",
        "Once approved, pledges for the rest of that day and 40 more days",
        "once approved, pledges for the rest of that day",
    ),
    "es": (
        "una vez aprobado, aportaciones durante el resto de ese día y 40 días más",
        "Una vez aprobado, aportaciones durante el resto de ese día y 40 días más",
        "una vez aprobado, aportaciones durante el resto de ese día",
    ),
    "ca": (
        "un cop aprovat, aportacions durant la resta d'aquell dia i 40 dies més",
        "Un cop aprovat, aportacions durant la resta d'aquell dia i 40 dies més",
        "un cop aprovat, aportacions durant la resta d'aquell dia",
    ),
}


@pytest.mark.parametrize("locale", ["en", "es", "ca"])
def test_a_bond_awaiting_approval_says_how_long_pledges_will_last(
    terra: MemoryChat, locale: str
) -> None:
    terra.say("ana@group: /policy approval assembly")
    proposed, shown, same_day = AWAITING[locale]
    out = speaking(terra, locale).say("ben@group: /propose Oven 800 20 2027-01-10")
    assert out[1].endswith(proposed), out
    assert not any(month in "".join(out) for month in ("January", "enero", "gener")), out
    assert any(line == f"[group] {shown}" for line in terra.say("ben@group: /bond 2"))
    out = terra.say("ben@group: /propose Plough 800 20 2026-12-01")  # due the day it is proposed
    assert out[1].endswith(same_day), out


# --- amounts with their sign apart (pledged above) ----------------------------------


def test_the_sign_joins_the_amount_not_the_bond_number() -> None:
    def args(text: str, locale: str = "es") -> list[str]:
        line = parse_command(text, locale)
        assert line is not None
        return line.args

    assert args("/pledge 1 € 300") == ["1", "€ 300"]
    horno = args('/propose "Horno" 4.000 € 90 € 2027-03-31')
    assert horno == ["Horno", "4.000 €", "90 €", "2027-03-31"]
    oven = args('/propose "Oven" € 4000 € 90 2027-03-31', "en")
    assert oven == ["Oven", "€ 4000", "€ 90", "2027-03-31"]
    assert args("/paid 1 all") == ["1", "all"]  # a member called "all" (the lek's code)
    assert args("/vote 1 300 €") == ["1", "300", "€"]  # not an amount command


# --- every translated keyword --------------------------------------------------------


def every_word(group: keywords.Words) -> list[tuple[str, str]]:
    return [
        (canonical, word)
        for canonical, by_locale in group.items()
        for words in by_locale.values()
        for word in words
    ]


@pytest.mark.parametrize(("canonical", "word"), every_word(keywords.ROLES))
def test_role_takes_each_language_s_words(terra: MemoryChat, canonical: str, word: str) -> None:
    if canonical == "member":
        terra.say("ana@group: /role ben admin")
    out = terra.say(f'ana@group: /role ben "{word}"')
    assert len(out) == 1 and "ben" in out[0] and canonical in out[0], out


@pytest.mark.parametrize(("canonical", "word"), every_word(keywords.THRESHOLDS))
def test_motion_takes_each_language_s_thresholds(
    terra: MemoryChat, canonical: str, word: str
) -> None:
    terra.say('ana@group: /assembly new "Spring" 2026-12-03T18:00 2026-12-03T20:00')
    out = terra.say(f'ana@group: /motion 1 "Buy an oven" "{word}"')
    assert out == [f"[group] Motion 1 added to Spring: Buy an oven — {canonical}"], out


def voting(chat: MemoryChat) -> MemoryChat:
    chat.say(
        'ana@group: /assembly new "Spring" 2026-12-03T18:00 2026-12-03T20:00',
        'ana@group: /motion 1 "Buy an oven"',
        ":now 2026-12-03T17:30:00Z",
    )
    return chat


VOTED = {"yes": "in favour", "no": "against", "abstain": "abstains"}


@pytest.mark.parametrize(("canonical", "word"), every_word(keywords.CHOICES))
def test_vote_takes_each_language_s_words_and_minga_s_own(
    terra: MemoryChat, canonical: str, word: str
) -> None:
    out = voting(terra).say(f'ben@group: /vote 1 "{word}"')
    assert out == [f"[group] 🗳 ben voted on motion 1: {VOTED[canonical]}."], out


@pytest.mark.parametrize(("canonical", "word"), every_word(keywords.WITHDRAW))
def test_vote_withdraw_takes_each_language_s_words(
    terra: MemoryChat, canonical: str, word: str
) -> None:
    voting(terra).say("ben@group: /vote 1 yes")
    out = terra.say(f"ben@group: /vote 1 {word}")
    assert "withdr" in out[0] and "ben" in out[0], out


OPTION_LINES = {
    "en": "quorum 50% every 2 weeks secret binding",
    "es": "quórum 50% cada 2 semanas secreta vinculante",
    "ca": "quòrum 50% cada 2 setmanes secreta vinculant",
}


@pytest.mark.parametrize("locale", sorted(OPTION_LINES))
def test_assembly_new_takes_each_language_s_options(terra: MemoryChat, locale: str) -> None:
    out = terra.say(f'ana@group: /assembly new "Spring" 2026-12-03T18:00 2h {OPTION_LINES[locale]}')
    assert out[1] == (
        "[group] Votes open Thu 3 Dec 2026 18:00, close Thu 3 Dec 2026 20:00 · quorum 50% · "
        "every 2 weeks · secret ballot · decided by those present"
    )


@pytest.mark.parametrize(("canonical", "word"), every_word(keywords.OPTIONS))
def test_each_option_word_is_understood(terra: MemoryChat, canonical: str, word: str) -> None:
    value = {"quorum": "50%", "every": "2w", "remote": "50%"}.get(canonical)
    typed = f'"{word}" {value}' if value else f'"{word}"'
    out = terra.say(f'ana@group: /assembly new "Spring" 2026-12-03T18:00 2h {typed}')
    assert out[0].startswith("[group] 🗳 Assembly #1"), out


@pytest.mark.parametrize(("canonical", "word"), every_word(keywords.ANSWERS))
def test_a_form_s_yes_no_takes_each_language_s_words(canonical: str, word: str) -> None:
    from handlers.when import parse_yes_no

    assert parse_yes_no(word) is (canonical == "yes")


@pytest.mark.parametrize(("canonical", "word"), every_word(keywords.NONE))
def test_no_quorum_and_no_repeat_in_each_language(canonical: str, word: str) -> None:
    from handlers.when import parse_quorum, parse_repeat

    assert parse_quorum(word) is None
    assert parse_repeat(word) is None


@pytest.mark.parametrize(("canonical", "word"), every_word(keywords.WEEKS))
def test_every_n_weeks_in_each_language(canonical: str, word: str) -> None:
    from handlers.when import parse_repeat

    assert parse_repeat(f"cada 3 {word}") == 3
    assert parse_repeat(f"every 3 {word}") == 3


def test_a_motion_s_role_action_takes_each_language_s_role(terra: MemoryChat) -> None:
    terra.say('ana@group: /assembly new "Spring" 2026-12-03T18:00 2026-12-03T20:00')
    out = speaking(terra, "es").say("ana@group: /motion 1 role ben tesorería")
    assert out == ["[group] Moción 1 añadida a Spring: Hacer tesorero/a a ben — dos tercios"]


# --- /lang group ---------------------------------------------------------------------


def commune_locale(chat: MemoryChat) -> str:
    with chat.store.unit_of_work() as uow:
        found = uow.communes.by_name("Terra")
        assert found is not None
        return found.locale


def test_an_admin_changes_the_group_s_language(terra: MemoryChat) -> None:
    out = terra.say("ana@group: /lang group ca")
    assert out == [
        "[group] Aquest grup ara parla català. El /lang de cada membre continua decidint "
        "en quin idioma li escric en privat."
    ]
    assert commune_locale(terra) == "ca"
    assert terra.say("cai@group: /bonds")[0].startswith("[group] ")
    assert terra.say("ana@group: /lang grupo es")[0].startswith("[group] Este grupo")
    assert commune_locale(terra) == "es"


def test_a_member_s_own_lang_stays_personal(terra: MemoryChat) -> None:
    out = terra.say("ben@group: /lang es")
    assert out == ["[group] Idioma cambiado: ahora te hablo en español."]
    assert commune_locale(terra) == "en"


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("ben@group: /lang group es", "Only an admin"),
        ("ana@dm: /lang group es", "A group's language is changed in the group"),
        ("ana@group: /lang group xx", "I speak en, es and ca. For example: /lang group es"),
        ("ana@group: /lang group", "I speak en, es and ca. For example: /lang group es"),
    ],
)
def test_lang_group_refusals_change_nothing(terra: MemoryChat, line: str, answer: str) -> None:
    before = terra.snapshot()
    out = terra.say(line)
    assert answer in out[0], out
    assert commune_locale(terra) == "en"
    assert terra.snapshot() == before


# --- usage lines and their examples ------------------------------------------------------

FOR_EXAMPLE = {"es": " — por ejemplo ", "ca": " — per exemple ", "en": " — for example "}


@pytest.mark.parametrize("locale", sorted(FOR_EXAMPLE))
@pytest.mark.parametrize("wrong", ["/role ben", '/assembly new "Spring"', "/rent 1", "/vote 1"])
def test_a_usage_refusal_s_example_works_when_typed(
    terra: MemoryChat, locale: str, wrong: str
) -> None:
    """The example is in the reader's words ("/role ana tesorería", "quórum 50%",
    "/rent 1 333,33") and minga reads it back."""
    speaking(terra, locale)
    if wrong == "/vote 1":
        voting(terra)
    refused = terra.say(f"ana@group: {wrong}")
    assert len(refused) == 1 and FOR_EXAMPLE[locale] in refused[0], refused
    example = refused[0].split(FOR_EXAMPLE[locale], 1)[1]
    if example.startswith("/role"):
        example = example.replace(" ana ", " ben ")  # ana is the last admin
    out = terra.say(f"ana@group: {example}")
    # Read (rent for bond 1 is then refused as not leased: a rule, not the words).
    assert out and not any(FOR_EXAMPLE[locale] in line for line in out), out


def test_each_translated_example_is_one_a_command_gives() -> None:
    """templates/_examples.j2 matches the English example a command passes: one it no
    longer gives would be left untranslated without anyone noticing."""
    root = Path(__file__).resolve().parent.parent
    macro = (root / "templates" / "_examples.j2").read_text(encoding="utf-8")
    given = re.findall(r"text == (?:'([^']*)'|\"([^\"]*)\")", macro)
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (root / "handlers").rglob("*.py"))
    assert len(given) >= 8
    for single, double in given:
        example = single or double
        assert example in sources, f"no command gives the example {example!r}"
