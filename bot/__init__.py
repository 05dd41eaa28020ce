"""Entrypoints: the chat adapters (console, Telegram, Matrix), their wiring and the CLI."""
