"""The Matrix adapter: the commune in a Matrix room, statements in encrypted DMs.

- ``adapter``: /sync into the inbox with the sync token in the same transaction,
  the inbox into the handlers, the outbox out (DM rooms, encryption, rate limits).
- ``messages``: ``m.notice`` events with a plain body and escaped HTML, ``!`` commands.
- ``settings``: MINGA_MATRIX_* or minga.toml.

``from_config`` is what ``minga run`` calls (bot/adapters.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.matrix.adapter import MatrixAdapter
    from storage.uow import Database


def from_config(database: Database) -> MatrixAdapter | None:
    """The adapter when MINGA_MATRIX_HOMESERVER is configured, else None."""
    from bot.matrix.settings import matrix_settings

    settings = matrix_settings(database.url)
    if settings is None:
        return None
    from bot.matrix.adapter import MatrixAdapter

    return MatrixAdapter(database, settings)
