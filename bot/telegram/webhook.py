"""Webhook mode: Telegram posts each update to minga, committed before the 200.

Steps 1-2 of the adapter (bot/telegram/adapter.py) in the HTTP handler: the
update is stored in the inbox before minga answers 200, and Telegram redelivers
anything not answered 200. A request without the configured secret is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from telegram.ext import ExtBot

from bot.telegram.settings import TelegramSettings
from bot.telegram.updates import ALLOWED_UPDATES

log = logging.getLogger("minga.telegram")

Store = Callable[[list[dict[str, Any]]], Awaitable[int]]


async def start_webhook(
    bot: ExtBot[Any], settings: TelegramSettings, store: Store
) -> web.AppRunner:
    """Listen on ``webhook_listen`` and tell Telegram the URL; the runner, to clean up."""

    async def receive(request: web.Request) -> web.Response:
        secret = settings.webhook_secret
        if secret and request.headers.get("X-Telegram-Bot-Api-Secret-Token") != secret:
            return web.Response(status=403)
        raw = await request.json()
        if not isinstance(raw, dict) or "update_id" not in raw:
            return web.Response(status=400)
        await store([raw])  # committed before the 200 that confirms it
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/telegram", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    host, _, port = settings.webhook_listen.rpartition(":")
    await web.TCPSite(runner, host or "127.0.0.1", int(port)).start()
    await bot.set_webhook(
        settings.webhook_url or "",
        secret_token=settings.webhook_secret,
        allowed_updates=ALLOWED_UPDATES,
    )
    log.info("telegram: webhook %s, listening on %s", settings.webhook_url, settings.webhook_listen)
    return runner
