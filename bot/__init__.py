"""Entrypoints: the adapters (console, later Telegram and Matrix), wiring and the CLI."""
