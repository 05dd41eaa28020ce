"""Webhook mode: Telegram posts each update to minga, committed before the 200.

Steps 1-2 of the adapter (bot/telegram/adapter.py) in the HTTP handler: the
update is stored in the inbox before minga answers 200, and Telegram redelivers
anything not answered 200.

Every request must carry the secret minga gave Telegram with ``setWebhook``
(Telegram sends it back as ``X-Telegram-Bot-Api-Secret-Token``); anything else is
refused with 403 and stored nowhere. The secret is ``telegram_webhook_secret``
when configured; otherwise minga makes one on first start and keeps it in the
database's settings table, so a restart, or another process behind the same proxy,
uses the same one.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from telegram.ext import ExtBot

from bot.telegram.settings import TelegramSettings
from bot.telegram.updates import ALLOWED_UPDATES
from bot.transactions import committed
from handlers.kept import kept_secret
from storage.uow import Database

log = logging.getLogger("minga.telegram")

Store = Callable[[list[dict[str, Any]]], Awaitable[int]]
SECRET_KEY = "telegram.webhook_secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def webhook_secret(database: Database, settings: TelegramSettings) -> str:
    """The configured secret, else the one minga made and kept (made now if none)."""
    if settings.webhook_secret:  # checked against Telegram's rule in settings.py
        return settings.webhook_secret
    try:
        return await committed(database, lambda uow: kept_secret(uow, SECRET_KEY))
    except Exception:  # another process made it at the same moment: read theirs
        return await committed(database, lambda uow: kept_secret(uow, SECRET_KEY))


def receiver(secret: str, store: Store) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The handler of ``POST /telegram``: the secret checked first, then the update
    committed before the 200 that confirms it."""
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403)
        try:
            raw = await request.json()
        except ValueError:
            return web.Response(status=400)
        if not isinstance(raw, dict) or "update_id" not in raw:
            return web.Response(status=400)
        await store([raw])
        return web.Response(text="ok")

    return receive


async def start_webhook(
    bot: ExtBot[Any], settings: TelegramSettings, store: Store, secret: str
) -> web.AppRunner:
    """Listen on ``webhook_listen`` and tell Telegram the URL and the secret; the runner,
    to clean up."""
    app = web.Application()
    app.router.add_post("/telegram", receiver(secret, store))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    host, _, port = settings.webhook_listen.rpartition(":")
    await web.TCPSite(runner, host or "127.0.0.1", int(port)).start()
    await bot.set_webhook(
        settings.webhook_url or "",
        secret_token=secret,
        allowed_updates=ALLOWED_UPDATES,
    )
    log.info("telegram: webhook %s, listening on %s", settings.webhook_url, settings.webhook_listen)
    return runner
