"""Telegram's command menus by scope and language, and the webhook's secret.

Menus: everyone in a group sees the members' commands, a group's administrators
every group command, a private chat the members' DM commands (/link among them);
in English (no language_code), Spanish and Catalan. Webhook: every request must
carry the secret; without one configured minga makes one and keeps it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fake_telegram import TelegramWorld

from bot.config import ConfigError, Settings
from bot.telegram.settings import telegram_settings
from bot.telegram.webhook import SECRET_HEADER, SECRET_KEY

SCOPES = ("default", "all_group_chats", "all_chat_administrators", "all_private_chats")


@pytest.fixture
def world(sqlite_url: str) -> Iterator[TelegramWorld]:
    made = TelegramWorld(sqlite_url)
    yield made
    made.close()


def names(menu: list[dict[str, Any]]) -> set[str]:
    return {command["command"] for command in menu}


def test_menus_are_set_per_scope_and_language_at_startup(world: TelegramWorld) -> None:
    menus = world.fake.commands
    calls = [params for method, params in world.fake.calls if method == "setMyCommands"]
    assert len(calls) == len(SCOPES) * 3
    assert set(menus) == {(scope, language) for scope in SCOPES for language in ("", "es", "ca")}
    for language in ("", "es", "ca"):
        members = names(menus[("all_group_chats", language)])
        admins = names(menus[("all_chat_administrators", language)])
        private = names(menus[("all_private_chats", language)])
        assert names(menus[("default", language)]) == members
        assert {"pledge", "vote", "join", "bonds", "help"} <= members
        assert not {"setup", "rent", "role", "paid", "present", "absent", "link"} & members
        assert members < admins and {"setup", "rent", "role", "present"} <= admins
        assert "link" in private and "link" not in admins
        assert {"statement", "pledge", "join"} <= private
        assert not {"setup", "rent", "role"} & private
        assert "start" not in members | admins | private
    spanish = {c["command"]: c["description"] for c in menus[("all_group_chats", "es")]}
    catalan = {c["command"]: c["description"] for c in menus[("all_private_chats", "ca")]}
    english = {c["command"]: c["description"] for c in menus[("all_private_chats", "")]}
    assert spanish["pledge"].startswith("Aporta")
    assert catalan["link"] != english["link"]  # translated, not English


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_world(url: str, port: int, **settings: Any) -> TelegramWorld:
    return TelegramWorld(
        url,
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_listen=f"127.0.0.1:{port}",
        **settings,
    )


def post(world: TelegramWorld, update: dict[str, Any], secret: str | None) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return httpx.post(world.fake.webhook, json=update, headers=headers).status_code


def test_without_a_configured_secret_minga_makes_one_keeps_it_and_checks_it(
    sqlite_url: str,
) -> None:
    port = free_port()
    world = webhook_world(sqlite_url, port)
    fake, loop = world.fake, world.loop
    try:
        secret = fake.webhook_secret
        assert len(secret) >= 32  # given to Telegram with setWebhook
        with world.database.unit_of_work() as uow:
            assert uow.settings.get(SECRET_KEY) == secret
        ana = fake.user("Ana")
        fake.start(ana)
        world.settle()
        dm = fake.private_chat(ana)
        message = {"message_id": 50, "from": ana, "chat": dm, "date": 1, "text": "/help"}
        update = {"update_id": 900, "message": message}
        before = fake.texts(dm)
        assert post(world, update, None) == 403  # no secret
        assert post(world, update, "wrong") == 403
        assert post(world, update, secret[:-1]) == 403
        world.settle()
        assert fake.texts(dm) == before  # refused requests are stored nowhere
        assert post(world, update, secret) == 200
        world.settle()
        assert len(fake.texts(dm)) > len(before)  # /help answered
    finally:
        world.close()
    again = webhook_world(sqlite_url, port, loop=loop, fake=fake)  # a restart
    try:
        assert fake.webhook_secret == secret
    finally:
        again.close()
        loop.close()


def test_a_configured_secret_is_used_and_must_be_one_telegram_takes(sqlite_url: str) -> None:
    world = webhook_world(sqlite_url, free_port(), webhook_secret="s3cret-_X")
    try:
        assert world.fake.webhook_secret == "s3cret-_X"
        with world.database.unit_of_work() as uow:
            assert uow.settings.get(SECRET_KEY) is None
    finally:
        world.close()
    bad = Settings({"telegram_token": "1:x", "telegram_webhook_secret": "has spaces"})
    with pytest.raises(ConfigError, match="telegram_webhook_secret"):
        telegram_settings(bad)
