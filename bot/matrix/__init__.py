"""The Matrix adapter: the commune in a Matrix room, statements in encrypted DMs.

- ``adapter``: the lifecycle: logging in (the saved session, the same device), then
  the receiver and the deliverer on one client until stopped.
- ``receiver``: /sync into the inbox with the sync token in the same transaction.
- ``sync``: a sync response as what minga does with it (pure: invites, messages,
  undecrypted events, members joining).
- ``inbox``: the stored rows into the handlers; invites, decryption retries.
- ``delivery``: the outbox out, leased, encrypted where the room is, rate limits.
- ``rooms``: members' direct rooms, created on demand, recorded in ``m.direct``.
- ``messages``: ``m.notice`` events with a plain body and escaped HTML, ``!`` commands,
  a group's waiting rows as one notice, transaction ids.
- ``outcomes``: what a send came to, and the failures that mean "later".
- ``context``: the client, database, settings and clock the parts share.
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
