"""Translations: complete catalogs, a fresh .pot, every template rendering in every language.

The catalogs live in templates/locale (see scripts/i18n for how to re-extract and
merge after a template changes). Templates render with StrictUndefined, so each one
is rendered here with a sample of the context its handler gives it: a variable the
template needs and the handlers do not pass fails here first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.support import NullTranslations

from handlers import rendering
from handlers.locales import DEFAULT, SUPPORTED
from handlers.rendering import render

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
LOCALE_DIR = TEMPLATES / "locale"
POT = LOCALE_DIR / "messages.pot"
TRANSLATED = [lang for lang in SUPPORTED if lang != DEFAULT]
PLACEHOLDER = re.compile(r"%(?:\((\w+)\)s|%)")

# --- sample contexts ------------------------------------------------------------------

BASE = {"commune": "Terra", "currency": "EUR", "tz": "Europe/Madrid"}

OPEN_ISSUE = {  # as handlers.commands.bonds.issue_view makes it
    "number": 1,
    "asset": "Tractor",
    "cooperative": "Tierra",
    "price": 100000,
    "rent": 33333,
    "pledged": 40000,
    "remaining": 60000,
    "pledgers": 2,
    "deadline": "2026-12-31T22:59:59+00:00",
    "days_left": 12,
    "status": "open",
}
FILLED_ISSUE = {**OPEN_ISSUE, "pledged": 100000, "remaining": 0, "pledgers": 1, "days_left": 1}
CLEARED_ISSUE = {  # /bond adds these once the issue cleared
    **FILLED_ISSUE,
    "status": "cleared",
    "outstanding": 67000,
    "rent_received": 33000,
    "arrears": 333,
    "lease_from": "2027-01",
}
OVEN = {**OPEN_ISSUE, "number": 2, "asset": "Bread oven", "cooperative": "Pan", "pledgers": 1}

CLEARING = {
    "period": "2027-01",
    "next_period": "2027-02",
    "rent": 33333,
    "leases": 1,
    "redeemed": 33000,
    "pool": 333,
    "dividend_each": 83,
    "eligible": 4,
    "carry_out": 1,
    "owed": 67000,
    "owed_assets": 1,
    "repaid": [],
}
LEDGER = {
    "leases": [
        {
            "number": 1,
            "asset": "Tractor",
            "cooperative": "Tierra",
            "price": 100000,
            "outstanding": 67000,
            "rent_received": 33000,
        }
    ],
    "rent_received": 33000,
    "redeemed": 33000,
    "dividends": 0,
    "cash": 0,
    "carry": 0,
    "last_period": "2027-01",
    "outstanding": 67000,
    "entries": 3,
    "balanced": True,
}
STATEMENT = {
    "period": "2027-01",
    "name": "ben",
    "dividend": 83,
    "holdings": [
        {"number": 1, "asset": "Tractor", "repaid": 16500, "outstanding": 23500},
        {"number": 2, "asset": "Bread oven", "repaid": 500, "outstanding": 0},
    ],
    "coop": {"name": "Tierra", "rent": 33333, "per_member": 16667},
    "ytd_dividends": 83,
    "ytd_repaid": 17000,
}
HELP_COMMANDS = [
    {"name": "join", "usage": "/join [cooperative]"},
    {"name": "pledge", "usage": "/pledge <issue> <amount>"},
]
HELP_NAMES = [
    "setup", "coop", "join", "leave", "role", "propose", "pledge", "unpledge", "withdraw",
    "bonds", "bond", "rent", "statement", "ledger", "lang", "help",
]  # fmt: skip
STEP = {"step": 1, "steps": 4}

# What each template is given (on top of BASE), one context per branch worth rendering.
SAMPLES: dict[str, list[dict[str, Any]]] = {
    "ask_asset": [STEP],
    "ask_commune_name": [STEP],
    "ask_currency": [STEP],
    "ask_deadline": [STEP],
    "ask_price": [STEP],
    "ask_rent": [STEP],
    "ask_timezone": [STEP],
    "bond": [
        {"issue": OPEN_ISSUE},
        {"issue": CLEARED_ISSUE},
        {"issue": {**OPEN_ISSUE, "status": "expired"}},
        {"issue": {**OPEN_ISSUE, "status": "withdrawn"}},
    ],
    "bond_cleared": [{"issue": FILLED_ISSUE, "holders": 3, "lease_from": "2027-01"}],
    "bond_expired": [{"issue": {**OPEN_ISSUE, "status": "expired"}}],
    "bond_new": [{"issue": {**OPEN_ISSUE, "pledged": 0, "pledgers": 0}, "proposer": "ben"}],
    "bond_withdrawn": [{"issue": {**OPEN_ISSUE, "status": "withdrawn"}}],
    "bonds": [{"issues": [OPEN_ISSUE, {**OVEN, "days_left": 1}]}, {"issues": []}],
    "cancelled": [{}],
    "clearing_summary": [
        {**CLEARING, "repaid": [{"number": 1, "asset": "Tractor"}]},
        {**CLEARING, "leases": 2, "eligible": 1, "owed": 0, "owed_assets": 0},
    ],
    "coop_created": [{"name": "Pan y Rosas"}],
    "coop_list": [{"cooperatives": ["Tierra", "Pan"]}, {"cooperatives": []}],
    "help": [
        {"commands": HELP_COMMANDS, "is_member": False},
        {"commands": HELP_COMMANDS, "is_member": True},
    ],
    "help_command": [{"name": name, "usage": f"/{name}", "role": "member"} for name in HELP_NAMES],
    "holding_created": [{"issue": FILLED_ISSUE, "principal": 40000, "lease_from": "2027-01"}],
    "internal_error": [{}],
    "joined": [{"name": "ben", "cooperative": "Tierra"}, {"name": "ben", "cooperative": None}],
    "joined_cooperative": [{"name": "ana", "cooperative": "Tierra"}],
    "lang_set": [{"language": "es"}],
    "ledger": [
        LEDGER,
        {**LEDGER, "leases": [], "outstanding": 0, "entries": 1},
        {**LEDGER, "balanced": False},
    ],
    "left": [{"name": "ben", "released": [1, 2]}, {"name": "ben", "released": []}],
    "no_statement": [{"period": "2027-01"}],
    "nothing_to_cancel": [{}],
    "pledge_released": [
        {"issue": OPEN_ISSUE, "amount": 25000, "reason": "expired"},
        {"issue": OPEN_ISSUE, "amount": 25000, "reason": "withdrawn"},
    ],
    "pledged": [
        {"issue": OPEN_ISSUE, "amount": 25050, "total": 25050, "name": "ben"},
        {"issue": FILLED_ISSUE, "amount": 60000, "total": 100000, "name": "ana"},
    ],
    "rent_recorded": [{"issue": CLEARED_ISSUE, "amount": 33333, "period": "2027-01"}],
    "role_set": [
        {"name": "ben", "role": role, "admin": admin, "treasurer": treasurer}
        for role, admin, treasurer in [
            ("treasurer", True, True),
            ("admin", True, False),
            ("treasurer", False, True),
            ("member", False, False),
        ]
    ],
    "sent_by_dm": [{"name": "ben"}],
    "setup_done": [{"founder": "ana"}],
    "statement": [STATEMENT, {**STATEMENT, "holdings": [], "coop": None}],
    "unpledged": [{"issue": OPEN_ISSUE, "amount": 10000, "name": "ben"}],
    # refusals: the parameters of the Refusal(code, **params) that names them
    "refusal/already_in_cooperative": [{"cooperative": "Tierra"}],
    "refusal/already_member": [{"commune": "Terra"}],
    "refusal/already_setup": [{"commune": "Terra"}],
    "refusal/amount_malformed": [{"text": "12x"}],
    "refusal/amount_not_positive": [{"text": "-5"}, {}],
    "refusal/amount_too_large": [{"text": "1e99"}],
    "refusal/amount_too_precise": [{"text": "1.005", "digits": 2}],
    "refusal/asset_missing": [{}],
    "refusal/asset_too_long": [{}],
    "refusal/bad_commune_name": [{}],
    "refusal/bad_cooperative_name": [{}],
    "refusal/bad_date": [{"text": "31/03/2027"}],
    "refusal/bad_issue_number": [{"text": "x"}],
    "refusal/bad_period": [{"text": "enero"}],
    "refusal/commune_name_taken": [{"name": "Terra"}],
    "refusal/cooperative_exists": [{"name": "Tierra"}],
    "refusal/deadline_past": [{}],
    "refusal/issue_cleared": [{"number": 1, "asset": "Tractor"}],
    "refusal/issue_expired": [{"number": 1, "asset": "Tractor"}],
    "refusal/issue_past_deadline": [{"number": 1, "asset": "Tractor"}],
    "refusal/issue_withdrawn": [{"number": 1, "asset": "Tractor"}],
    "refusal/last_admin": [{}],
    "refusal/last_admin_leave": [{}],
    "refusal/no_clearing_yet": [{}],
    "refusal/no_commune_here": [{}],
    "refusal/no_commune_private": [{}],
    "refusal/no_cooperative": [{}],
    "refusal/no_pledge": [{"number": 1}],
    "refusal/not_admin": [{}],
    "refusal/not_leased": [{"number": 1, "asset": "Tractor"}],
    "refusal/not_member": [{"commune": "Terra"}],
    "refusal/not_proposer": [{"number": 1}],
    "refusal/not_treasurer": [{}],
    "refusal/pledge_exceeds_remaining": [{"number": 1, "remaining": 30000}],
    "refusal/setup_in_group": [{}],
    "refusal/setup_not_admin": [{}],
    "refusal/unbalanced_quotes": [{"command": "propose"}],
    "refusal/unknown_command": [{"name": "plegde"}],
    "refusal/unknown_cooperative": [
        {"name": "Tiera", "cooperatives": ["Tierra", "Pan"]},
        {"name": "Tiera", "cooperatives": []},
    ],
    "refusal/unknown_currency": [{"text": "EURO"}],
    "refusal/unknown_issue": [{"number": 9}],
    "refusal/unknown_language": [{"languages": list(SUPPORTED)}],
    "refusal/unknown_member": [{"name": "zoe"}],
    "refusal/unknown_role": [{"text": "boss"}],
    "refusal/unknown_timezone": [{"text": "Mars/Olympus"}],
    "refusal/usage": [{"usage": "/pledge <issue> <amount>", "example": "/pledge 1 500"}],
}


def template_names() -> list[str]:
    """Every message template (not the _partials), as handlers name them."""
    return sorted(
        path.relative_to(TEMPLATES).with_suffix("").as_posix()
        for path in TEMPLATES.rglob("*.j2")
        if not path.name.startswith("_")
    )


def samples() -> Iterator[tuple[str, int, dict[str, Any]]]:
    for template, contexts in SAMPLES.items():
        for index, context in enumerate(contexts):
            yield template, index, {**BASE, **context}


# --- catalogs ---------------------------------------------------------------------------


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def ids(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """msgid -> (msgid,) or (msgid, msgid_plural), header left out."""
    return {key(m.id): (m.id,) if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}


def placeholders(text: str) -> set[str]:
    return {name for name in PLACEHOLDER.findall(text) if name}


def test_pot_is_up_to_date_with_the_templates() -> None:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    extracted: dict[str, tuple[str, ...]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        extracted[key(message)] = (message,) if isinstance(message, str) else tuple(message)
    assert extracted, "babel.cfg extracted nothing from templates/"
    committed = ids(read_catalog(POT))
    assert sorted(set(extracted) - set(committed)) == [], "not in the .pot: scripts/i18n update"
    assert sorted(set(committed) - set(extracted)) == [], "gone from templates: scripts/i18n update"
    assert extracted == committed, "plural forms changed: scripts/i18n update"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalog_is_complete(locale: str) -> None:
    template = ids(read_catalog(POT))
    catalog = read_catalog(LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po", locale)
    assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"
    assert ids(catalog) == template, f"{locale} is behind the .pot: scripts/i18n update"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        english = template[key(message.id)]
        wanted = set().union(*(placeholders(text) for text in english))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {english[0]!r}")
        if len(strings) != len(english) or not all(strings):
            problems.append(f"untranslated: {english[0]!r}")
            continue
        for string in strings:
            if placeholders(string) != wanted:
                problems.append(f"placeholders {placeholders(string)} != {wanted}: {string!r}")
            if "%" in PLACEHOLDER.sub("", string):
                problems.append(f"a lone % (write %%): {string!r}")
    problems += [f"babel: {error}" for _message, errors in catalog.check() for error in errors]
    assert problems == []


# --- rendering --------------------------------------------------------------------------


def test_every_template_has_a_sample_context() -> None:
    assert sorted(SAMPLES) == template_names()


@pytest.mark.parametrize("locale", SUPPORTED)
@pytest.mark.parametrize(
    ("template", "index", "context"),
    [pytest.param(t, i, c, id=f"{t}-{i}") for t, i, c in samples()],
)
def test_template_renders(template: str, index: int, context: dict[str, Any], locale: str) -> None:
    text = render(template, locale, context)
    assert text.strip()
    html = render(template, locale, context, html=True)
    assert html.strip()


class Recording:
    """Passes the real catalog's answers through, noting which msgids were asked for.

    Only gettext and ngettext: Jinja prefers ugettext/ungettext where they exist."""

    def __init__(self, real: NullTranslations, seen: set[str]) -> None:
        self.real, self.seen = real, seen

    def gettext(self, message: str) -> str:
        self.seen.add(message)
        return self.real.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        self.seen.add(singular)
        return self.real.ngettext(singular, plural, n)


def test_the_samples_render_every_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """So the rendering test above puts every translation through Jinja, in every language."""
    seen: set[str] = set()
    real = rendering.translations
    monkeypatch.setattr(rendering, "translations", lambda locale: Recording(real(locale), seen))
    env = rendering.environment.__wrapped__("es", False)  # uncached: sees the recorder
    for template, _index, context in samples():
        env.get_template(f"{template}.j2").render(**context, locale="es")
    missing = set(ids(read_catalog(POT))) - seen
    assert sorted(missing) == [], "add a sample context that shows these messages"


@pytest.mark.parametrize(
    ("locale", "amount", "words"),
    [
        ("en", "€300.00", ["Only", "remains on bond #1", "/pledge 1 300.00"]),
        ("es", "300,00\u00a0€", ["solo le quedan", "bono #1", "/pledge 1 300,00"]),
        ("ca", "300,00\u00a0€", ["només li queden", "bo #1", "/pledge 1 300,00"]),
    ],
)
def test_a_reader_sees_their_language_and_their_amounts(
    locale: str, amount: str, words: list[str]
) -> None:
    text = render(
        "refusal/pledge_exceeds_remaining", locale, {**BASE, "number": 1, "remaining": 30000}
    )
    assert amount in text
    for word in words:
        assert word in text


@pytest.mark.parametrize("locale", TRANSLATED)
def test_plural_forms_follow_the_count(locale: str) -> None:
    one = render("bonds", locale, {**BASE, "issues": [{**OPEN_ISSUE, "days_left": 1}]})
    many = render("bonds", locale, {**BASE, "issues": [OPEN_ISSUE]})
    assert {"es": "queda 1 día", "ca": "queda 1 dia"}[locale] in one
    assert {"es": "quedan 12 días", "ca": "queden 12 dies"}[locale] in many


# --- end to end ---------------------------------------------------------------------------


def test_a_member_reads_spanish_while_the_group_keeps_the_communes_language(chat) -> None:
    chat.script(
        """
        :now 2026-12-01T09:00:00Z
        :admin ana group
        ana@group: /setup Terra EUR Europe/Madrid
        ana@group: /coop new Tierra
        ana@group: /join Tierra
        ben@group: /join Tierra
        """
    )
    assert chat.say("ben@group: /lang es") == [
        "[group] Idioma cambiado: ahora te hablo en español."
    ]

    # A proposal is announced to the whole group: in the commune's language.
    announced = chat.say("ben@group: /propose Tractor 1000 333.33 2026-12-31")
    assert announced[0] == "[group] 🏗 Bond #1 — Tractor for Tierra"
    assert "Price €1,000.00 · rent €333.33/month" in announced[1]

    # ben's own answers are Spanish, amounts too, even in the group chat...
    bonds = chat.say("ben@group: /bonds")
    assert bonds[0] == "[group] 🏗 Bono #1 — Tractor para Tierra"
    assert "0,00\u00a0€ de 1.000,00\u00a0€ (0%)" in bonds[1]
    assert "quedan 30 días" in bonds[1]
    assert bonds[2] == "[group] Aporta con /pledge <bono> <importe>"
    # ...and he types amounts the Spanish way; the group is told in its own language.
    assert chat.say("ben@group: /pledge 1 250,50")[0] == (
        "[group] ✋ ben pledged €250.50 to bond #1."
    )
    refused = chat.say("ben@group: /pledge 1 2000")
    assert refused == [
        "[group] Al bono #1 solo le quedan 749,50\u00a0€. "
        "Aporta hasta esa cantidad: /pledge 1 749,50"
    ]

    # Everyone else still reads English.
    assert chat.say("ana@group: /bonds")[0] == "[group] 🏗 Bond #1 — Tractor for Tierra"
    cleared = chat.say("ana@group: /pledge 1 749.50")
    assert cleared[0] == "[group] ✋ ana pledged €749.50 to bond #1."

    # The bond clears: the group hears it in English, each holder by DM in their own language.
    assert any(line.startswith("[group] ✅ Bond #1 cleared: €1,000.00") for line in cleared)
    assert any(
        line.startswith("[dm ben] 🎉 Bono #1 (Tractor) completado. Tienes 250,50\u00a0€")
        for line in cleared
    )
    assert any(line.startswith("[dm ana] 🎉 Bond #1 (Tractor) cleared.") for line in cleared)
