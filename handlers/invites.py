"""Invitation codes: a commune's short, unguessable code for chat deep links.

A chat platform where the bot cannot write first (Telegram) links people to the
bot's private chat with a code, ``https://t.me/<bot>?start=<code>``; pressing
Start sends ``/start <code>`` back, and the code says which commune invited them.

A code is the commune's id and an HMAC of it under a secret kept in the settings
table (made on first use), so it needs no table of its own and cannot be made up
for another commune. Codes use only the characters deep links allow
(``A-Z a-z 0-9 _ -``, at most 64).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from domain.ports import UnitOfWork
from handlers.kept import kept_secret

SECRET_KEY = "invite.secret"
_CODE = re.compile(r"^c([0-9]{1,12})-([A-Za-z0-9_-]{16})$")


def _secret(uow: UnitOfWork) -> bytes:
    return kept_secret(uow, SECRET_KEY).encode()


def _mac(secret: bytes, commune_id: int) -> str:
    digest = hmac.new(secret, f"commune:{commune_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:16]


def invite_code(uow: UnitOfWork, commune_id: int) -> str:
    return f"c{commune_id}-{_mac(_secret(uow), commune_id)}"


def commune_for_code(uow: UnitOfWork, code: str) -> int | None:
    """The commune a code invites to; None for anything not made by invite_code."""
    match = _CODE.match(code.strip())
    if match is None:
        return None
    commune_id = int(match[1])
    if not hmac.compare_digest(match[2], _mac(_secret(uow), commune_id)):
        return None
    return commune_id
