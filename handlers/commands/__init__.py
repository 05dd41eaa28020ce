"""Command modules; importing this package registers every command."""

from handlers.commands import assemblies, bonds, ledger, membership, rent, setup, statements

__all__ = ["assemblies", "bonds", "ledger", "membership", "rent", "setup", "statements"]
