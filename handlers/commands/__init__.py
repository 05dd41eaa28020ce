"""The command modules; importing this package registers every command.

Only this package imports them (tests/test_architecture.py): what commands share lives
outside it, e.g. handlers/bond_views.py and handlers/members.py.
"""

from handlers.commands import (
    assemblies,
    bonds,
    books,
    ledger,
    link,
    membership,
    payments,
    payouts,
    policies,
    proposals,
    rent,
    sales,
    setup,
    start,
    statements,
)

__all__ = [
    "assemblies",
    "bonds",
    "books",
    "ledger",
    "link",
    "membership",
    "payments",
    "payouts",
    "policies",
    "proposals",
    "rent",
    "sales",
    "setup",
    "start",
    "statements",
]
