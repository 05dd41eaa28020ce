"""The words minga reads in commands, in each language it speaks.

Each keyword has one canonical (English) word, which the code uses, and the words a
member may type for it in en, es and ca, among them the ones minga itself writes in
its messages ("a favor", "en contra", "tesorería"), so an answer copied from minga
is understood. Reading is accent- and case-insensitive and treats hyphens,
underscores and runs of spaces alike: "Tesoreria", "tesorería" and "TESORERÍA" are
one word, and so are "dos-tercios" and "dos tercios".

A word is read within one group (roles, thresholds, choices, ...): "no" is a vote
against in ``CHOICES`` and "none" in ``NONE``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

Words = Mapping[str, Mapping[str, tuple[str, ...]]]  # canonical -> locale -> words

ROLES: Words = {
    "admin": {
        "en": ("admin", "administrator"),
        "es": ("admin", "administrador", "administradora", "administración"),
        "ca": ("admin", "administrador", "administradora", "administració"),
    },
    "treasurer": {
        "en": ("treasurer",),
        "es": ("tesorería", "tesorero", "tesorera"),
        "ca": ("tresoreria", "tresorer", "tresorera"),
    },
    "member": {
        "en": ("member",),
        "es": ("miembro", "socio", "socia"),
        "ca": ("membre", "soci", "sòcia"),
    },
}

THRESHOLDS: Words = {
    "majority": {"en": ("majority",), "es": ("mayoría",), "ca": ("majoria",)},
    "two-thirds": {
        "en": ("two-thirds", "2/3"),
        "es": ("dos-tercios", "2/3"),
        "ca": ("dos-terços", "2/3"),
    },
    "consensus": {"en": ("consensus",), "es": ("consenso",), "ca": ("consens",)},
}

CHOICES: Words = {
    "yes": {
        "en": ("yes", "y", "in favour", "in favor", "for"),
        "es": ("sí", "s", "a favor"),
        "ca": ("sí", "s", "a favor"),
    },
    "no": {
        "en": ("no", "n", "against"),
        "es": ("no", "en contra"),
        "ca": ("no", "en contra"),
    },
    "abstain": {
        "en": ("abstain", "abstains", "abstention"),
        "es": ("abstención", "abstenerse", "me abstengo", "abstengo"),
        "ca": ("abstenció", "abstenir", "abstenir-se", "m'abstinc", "abstinc"),
    },
}

#: "/vote 1 withdraw": take one's vote back.
WITHDRAW: Words = {
    "withdraw": {"en": ("withdraw",), "es": ("retirar", "retiro"), "ca": ("retirar", "retira")},
}

#: A form's yes/no questions.
ANSWERS: Words = {
    "yes": {
        "en": ("yes", "y", "ok"),
        "es": ("sí", "s", "vale", "de acuerdo"),
        "ca": ("sí", "s", "d'acord", "dacord", "vale"),
    },
    "no": {"en": ("no", "n"), "es": ("no",), "ca": ("no",)},
}

#: "no quorum", "no repeat": nothing.
NONE: Words = {
    "none": {
        "en": ("none", "no", "-"),
        "es": ("ninguno", "ninguna", "no", "sin", "nada"),
        "ca": ("cap", "no", "sense", "res"),
    },
}

#: The options of ``/assembly new``.
OPTIONS: Words = {
    "quorum": {"en": ("quorum",), "es": ("quórum",), "ca": ("quòrum",)},
    "every": {"en": ("every",), "es": ("cada",), "ca": ("cada",)},
    "secret": {"en": ("secret",), "es": ("secreta", "secreto"), "ca": ("secreta", "secret")},
    "binding": {"en": ("binding",), "es": ("vinculante",), "ca": ("vinculant",)},
    "remote": {"en": ("remote",), "es": ("remoto", "remota"), "ca": ("remot", "remota")},
    "budget": {"en": ("budget",), "es": ("presupuesto",), "ca": ("pressupost",)},
}

#: After ``every <N>``: the unit of a repeat.
WEEKS: Words = {
    "weeks": {
        "en": ("week", "weeks"),
        "es": ("semana", "semanas"),
        "ca": ("setmana", "setmanes"),
    },
}

#: The first word of an action typed after ``/motion <assembly>`` ("alquiler 1 350"):
#: minga's own words for bonds, leases, rent and the common fund in its es and ca
#: messages, so a member types what they read.
ACTIONS: Words = {
    "approve": {"en": ("approve",), "es": ("aprobar",), "ca": ("aprovar",)},
    "rent": {"en": ("rent",), "es": ("alquiler", "renta"), "ca": ("lloguer", "renda")},
    "end": {
        "en": ("end",),
        "es": ("terminar", "fin", "finalizar"),
        "ca": ("acabar", "fi", "finalitzar"),
    },
    "relet": {
        "en": ("relet",),
        "es": ("rearrendar", "realquilar"),
        "ca": ("rearrendar", "rellogar"),
    },
    "role": {"en": ("role",), "es": ("rol",), "ca": ("rol",)},
    "policy": {"en": ("policy",), "es": ("política",), "ca": ("política",)},
    "fund": {"en": ("fund",), "es": ("fondo",), "ca": ("fons",)},
}

#: The fixed words inside an action: "approve bond 3", "end lease 1", "fund 200 "…" to ana".
ACTION_PARTS: Words = {
    "bond": {"en": ("bond",), "es": ("bono",), "ca": ("bo",)},
    "lease": {
        "en": ("lease",),
        "es": ("arrendamiento", "arriendo"),
        "ca": ("arrendament", "l'arrendament"),
    },
    "to": {"en": ("to",), "es": ("a",), "ca": ("a",)},
}

#: "/lang group es": the group's language, not the sender's.
SCOPES: Words = {"group": {"en": ("group",), "es": ("grupo",), "ca": ("grup",)}}

GROUPS: Mapping[str, Words] = {
    "roles": ROLES,
    "thresholds": THRESHOLDS,
    "choices": CHOICES,
    "withdraw": WITHDRAW,
    "answers": ANSWERS,
    "none": NONE,
    "options": OPTIONS,
    "weeks": WEEKS,
    "scopes": SCOPES,
    "actions": ACTIONS,
    "action_parts": ACTION_PARTS,
}


def fold(text: str) -> str:
    """Without accents, case, or the difference between '-', '_' and spaces."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().replace("_", " ").replace("-", " ").split()) or bare.strip()


def _index(group: Words) -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, by_locale in group.items():
        index[fold(canonical)] = canonical
        for words in by_locale.values():
            for word in words:
                index[fold(word)] = canonical
    return index


_INDEX = {name: _index(group) for name, group in GROUPS.items()}


def read(text: str, group: Words) -> str | None:
    """The canonical word ``text`` stands for in ``group`` (any language), or None."""
    for name, known in GROUPS.items():
        if known is group:
            return _INDEX[name].get(fold(text))
    return _index(group).get(fold(text))


def spellings(group: Words) -> dict[str, str]:
    """Every folded spelling understood in ``group`` -> its canonical word."""
    return dict(_index(group))


def words_in(canonical: str, group: Words, locale: str) -> tuple[str, ...]:
    """The words a member reading ``locale`` is shown for ``canonical`` (the first is
    what usage lines write)."""
    return tuple(group[canonical].get(locale, ())) or (canonical,)
