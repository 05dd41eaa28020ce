"""The command table of docs/commands.md, rendered from the rules the commands declare.

The page shows exactly this table after its ``<!-- command-table -->`` marker, and
tests/test_trust_roles.py fails when they differ. To rewrite the page's table:

    MINGA_UPDATE_DOCS=1 .venv/bin/python -m pytest tests/test_trust_roles.py -k table
"""

from __future__ import annotations

from handlers.access import Rule
from handlers.registry import BARE, Command, listed_commands

MARKER = "<!-- command-table -->"
HEADER = ("command", "who", "where")


def _forms(command: Command, rule: Rule) -> list[str]:
    """The sub-commands that take ``rule``, as typed: `/coop new`, or a bare `/assembly`."""
    return [
        f"`/{command.name}`" if key == BARE else f"`/{command.name} {key}`"
        for key, declared in command.variants.items()
        if declared == rule
    ]


def _cell(command: Command, part: str, note: str) -> str:
    """One column for a command: its main rule's value, then each sub-command's."""

    def value(rule: Rule) -> str:
        return rule.label() if part == "who" else rule.place()

    main = value(command.rule)
    shown = f"{main} ({note})" if note else main
    others: dict[str, list[str]] = {}
    for rule in dict.fromkeys(command.variants.values()):
        if value(rule) != main:
            others.setdefault(value(rule), []).extend(_forms(command, rule))
    return " · ".join([shown, *(f"{v}: {', '.join(forms)}" for v, forms in others.items())])


def rows() -> list[tuple[str, str, str]]:
    return [
        (
            f"`/{c.name}`",
            _cell(c, "who", c.who_note),
            _cell(c, "where", c.where_note),
        )
        for c in listed_commands()
    ]


def markdown_table() -> str:
    """The table, its columns padded so the page reads well as plain text too."""
    table = [HEADER, *rows()]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(table[0]), rule, *(line(r) for r in table[1:])]) + "\n"
