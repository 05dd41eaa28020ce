"""Splitting a command line into its word and arguments."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import date

from domain.errors import Refusal
from domain.periods import require_year

PREFIXES = ("/", "!")
_WORD = re.compile(r"^[a-z_]+$")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True)
class CommandLine:
    name: str
    args: list[str]


def parse_command(text: str) -> CommandLine | None:
    """'/pledge@minga_bot 1 "500"' -> CommandLine('pledge', ['1', '500']); None if no command."""
    stripped = text.strip()
    if not stripped or stripped[0] not in PREFIXES:
        return None
    head, _, rest = stripped[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    if not _WORD.match(name):
        return None
    try:
        args = shlex.split(rest.replace("“", '"').replace("”", '"'))
    except ValueError as error:
        raise Refusal("unbalanced_quotes", command=name) from error
    return CommandLine(name, args)


def parse_issue_number(text: str) -> int:
    cleaned = text.strip().lstrip("#")
    # ASCII digits only: "²" and "١" are digits to str.isdigit() but not to int().
    if not (cleaned.isascii() and cleaned.isdigit()) or int(cleaned) <= 0 or len(cleaned) > 9:
        raise Refusal("bad_issue_number", text=text)
    return int(cleaned)


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
