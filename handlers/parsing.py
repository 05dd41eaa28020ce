"""Splitting a command line into its word and arguments."""

from __future__ import annotations

import re
import shlex
import unicodedata
from dataclasses import dataclass
from datetime import date

from domain import keywords
from domain.errors import Refusal
from domain.model import Role
from domain.periods import require_year
from handlers.money import is_known_currency

PREFIXES = ("/", "!")
_WORD = re.compile(r"^[a-z_]+$")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# An apostrophe inside a word is a letter, not a quote: Catalan "l'arrendament",
# "O'Brien", a Swiss "1'000". Held out of shlex's way by a private-use character.
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_KEPT = "\ue000"
_QUOTING = re.compile("[\"'\\\\“”]")  # what makes shlex do more than split on spaces
_SHELL_SPACE = re.compile(r"[ \t\r\n]+")  # shlex's whitespace: not Unicode's (a no-break space)


#: The commands with an amount among their arguments, where "300,00 €", "€ 300" and
#: "300 EUR" are one argument though typed with a space.
AMOUNT_COMMANDS = frozenset(
    {"pledge", "rent", "paid", "sold", "payout", "propose", "motion", "policy"}
)
_NUMBER = re.compile(r"^[+\-\u2212]?[0-9][0-9.,'\u00a0\u202f]*$")
#: Lower-case codes read as a currency; any other code must be written in capitals
#: (a member may be called "all", the lek's code).
_LOWER_CODES = frozenset({"eur", "usd", "gbp", "chf"})


def _is_currency(word: str) -> bool:
    if word and all(unicodedata.category(c) == "Sc" for c in word):
        return True
    if len(word) != 3 or not (word.isupper() or word in _LOWER_CODES):
        return False
    return is_known_currency(word)


def join_amounts(args: list[str], locale: str = "en") -> list[str]:
    """['1', '300,00', '€'] -> ['1', '300,00 €']; ['1', '€', '300'] -> ['1', '€ 300'].
    The first argument is never an amount (an issue, an assembly, an asset, a name).
    A sign between two numbers goes with the one that has no sign of its own, else
    the one its language writes it beside: after the number in es and ca ("300 €"),
    before it in English ("€300")."""
    joined: list[str] = []
    words = list(args)
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else ""
        back = len(joined) > 1 and _is_currency(word) and bool(_NUMBER.match(joined[-1]))
        forward = _is_currency(word) and bool(_NUMBER.match(following))
        if back and forward:
            after = words[index + 2] if index + 2 < len(words) else ""
            back = _is_currency(after) or locale != "en"
            forward = not back
        if back:
            joined[-1] = f"{joined[-1]} {word}"
        elif forward:
            joined.append(f"{word} {following}")
            index += 1
        else:
            joined.append(word)
        index += 1
    return joined


@dataclass(frozen=True)
class CommandLine:
    name: str
    args: list[str]


def split_arguments(rest: str, command: str) -> list[str]:
    """The words after a command, as a shell would split them: double quotes (a
    phone's curly ones too) or single quotes at a word's edge hold several words
    together. A line with no quote or backslash (most of them: /pledge 1 300) is
    split on the same whitespace without shlex, which reads a line character by
    character in Python."""
    if not _QUOTING.search(rest):
        words = rest.strip(" \t\r\n")
        return _SHELL_SPACE.split(words) if words else []
    try:
        args = shlex.split(_APOSTROPHE.sub(_KEPT, rest.replace("“", '"').replace("”", '"')))
    except ValueError as error:
        raise Refusal("unbalanced_quotes", command=command) from error
    return [arg.replace(_KEPT, "'") for arg in args]


def parse_command(text: str, locale: str = "en") -> CommandLine | None:
    """'/pledge@minga_bot 1 "500"' -> CommandLine('pledge', ['1', '500']); None if no command."""
    stripped = text.strip()
    if not stripped or stripped[0] not in PREFIXES:
        return None
    head, _, rest = stripped[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    if not _WORD.match(name):
        return None
    args = split_arguments(rest, name)
    if name in AMOUNT_COMMANDS:
        args = join_amounts(args, locale)
    return CommandLine(name, args)


def parse_issue_number(text: str) -> int:
    cleaned = text.strip().lstrip("#")
    # ASCII digits only: "²" and "١" are digits to str.isdigit() but not to int().
    if not (cleaned.isascii() and cleaned.isdigit()) or int(cleaned) <= 0 or len(cleaned) > 9:
        raise Refusal("bad_issue_number", text=text)
    return int(cleaned)


def is_exact_day(text: str) -> bool:
    """``YYYY-MM-DD``: a day that needs no words after it."""
    return bool(_DAY.match(text.strip()))


def parse_day(text: str) -> date:
    """YYYY-MM-DD only (not week dates), in the years every command accepts."""
    cleaned = text.strip()
    try:
        if not _DAY.match(cleaned):
            raise ValueError(cleaned)
        day = date.fromisoformat(cleaned)
    except ValueError as error:
        raise Refusal("bad_date", text=text) from error
    require_year(day.year, text)
    return day


def parse_role(text: str) -> Role:
    """admin, treasurer or member, in any language minga speaks ("tesorería")."""
    found = keywords.read(text, keywords.ROLES)
    if found is None:
        raise Refusal("unknown_role", text=text)
    return Role(found)
