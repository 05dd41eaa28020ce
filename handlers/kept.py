"""Secrets a minga instance makes once and keeps in its settings table.

The invitation codes' HMAC key (handlers/invites.py) and Telegram's webhook secret
when none is configured (bot/telegram/webhook.py): made with ``secrets`` on first
use and kept in the database, so every process and every restart shares them.
"""

from __future__ import annotations

import secrets

from domain.ports import UnitOfWork


def kept_secret(uow: UnitOfWork, key: str) -> str:
    """The secret kept under ``key``; made (URL-safe, 256 bits) and kept if none is yet."""
    secret = uow.settings.get(key)
    if secret is None:
        secret = secrets.token_urlsafe(32)
        uow.settings.set(key, secret)
    return secret
