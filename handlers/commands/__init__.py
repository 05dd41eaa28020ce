"""Command modules; importing this package registers every command."""

from handlers.commands import bonds, ledger, membership, rent, setup, statements

__all__ = ["bonds", "ledger", "membership", "rent", "setup", "statements"]
