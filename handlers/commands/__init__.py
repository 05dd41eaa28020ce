"""Command modules; importing this package registers every command."""

from handlers.commands import (
    assemblies,
    bonds,
    ledger,
    link,
    membership,
    rent,
    setup,
    start,
    statements,
)

__all__ = [
    "assemblies",
    "bonds",
    "ledger",
    "link",
    "membership",
    "rent",
    "setup",
    "start",
    "statements",
]
