"""One end-to-end run against an independent emulator: npm ``telegram-test-api`` 4.2.1.

The test installs it with ``npm ci`` from tests/tg_emulator/package-lock.json (into
tests/tg_emulator/node_modules, git-ignored), starts tests/tg_emulator/launcher.js
on 127.0.0.1, and runs minga's Telegram adapter against it: python-telegram-bot's
real polling and request stack, minga unchanged. Where the emulator and the Bot API
differ, the launcher bridges it (see its header). People speak through the
emulator's own client routes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_telegram import LoopThread, fast_limits, wait_for

EMULATOR = Path(__file__).resolve().parent / "tg_emulator"
TOKEN = "424242:emulated-minga"
ANA = {"id": 7001, "is_bot": False, "first_name": "Ana", "language_code": "en"}
BEN = {"id": 7002, "is_bot": False, "first_name": "Ben", "language_code": "en"}
GROUP = {"id": -7100, "type": "group", "title": "Terra"}


def _tools() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm:
        return node, npm
    if os.environ.get("MINGA_SKIP_NODE") == "1":
        pytest.skip("node/npm not installed and MINGA_SKIP_NODE=1")
    pytest.fail("the Telegram end-to-end test needs node and npm (apt-get install nodejs npm)")


def install() -> str:
    """``npm ci`` from the committed lock file, again only when the lock changed."""
    node, npm = _tools()
    lock = (EMULATOR / "package-lock.json").read_bytes()
    want = hashlib.sha256(lock).hexdigest()
    stamp = EMULATOR / "node_modules" / ".minga-lock-sha256"
    if not stamp.exists() or stamp.read_text() != want:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=EMULATOR,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}{done.stderr}"
        stamp.write_text(want)
    return node


@pytest.fixture(scope="module")
def emulator() -> Iterator[int]:
    node = install()
    process = subprocess.Popen(
        [node, "launcher.js"],
        cwd=EMULATOR,
        env={**os.environ, "BOT_TOKEN": TOKEN, "ADMINS": str(ANA["id"])},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first: list[str] = []
    reader = threading.Thread(target=lambda: first.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(30)
    try:
        assert first and first[0].strip(), f"the emulator did not start: {process.stderr.read()}"
        yield json.loads(first[0])["port"]
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


class People:
    """The emulator's client side: people speak, press buttons, read the bot's messages."""

    def __init__(self, port: int) -> None:
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
        self.ids = iter(range(1, 10_000))

    def say(self, user: dict[str, Any], chat: dict[str, Any], text: str) -> None:
        message: dict[str, Any] = {
            "botToken": TOKEN,
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        route = "/sendMessage"
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
            route = "/sendCommand"
        self.http.post(route, json=message).raise_for_status()

    def press(self, user: dict[str, Any], message: dict[str, Any], data: str) -> None:
        body = {"botToken": TOKEN, "from": user, "message": message, "data": data}
        self.http.post("/sendCallback", json=body).raise_for_status()

    def bot_messages(self, chat: dict[str, Any]) -> list[dict[str, Any]]:
        history = self.http.post("/getUpdatesHistory", json={"token": TOKEN}).json()["result"]
        sent = [item for item in history if "chat_id" in item.get("message", {})]  # the bot's
        return [
            {**item["message"], "message_id": item["messageId"]}
            for item in sent
            if str(item["message"]["chat_id"]) == str(chat["id"])
        ]

    def texts(self, chat: dict[str, Any]) -> list[str]:
        return [m["text"] for m in self.bot_messages(chat)]


def test_minga_on_the_npm_telegram_test_api_emulator(emulator: int, sqlite_url: str) -> None:
    from bot.telegram.adapter import TelegramAdapter
    from bot.telegram.settings import TelegramSettings
    from storage.uow import Database

    loop = LoopThread()
    database = Database(sqlite_url)
    settings = TelegramSettings(
        token=TOKEN,
        base_url=f"http://127.0.0.1:{emulator}/bot",
        poll_timeout=1,
        limits=fast_limits(),
        read_timeout=5,
    )
    adapter = TelegramAdapter(database, settings)
    people = People(emulator)
    try:
        loop.run(adapter.start())
        loop.run(_ready(adapter))
        assert adapter.username == "TestNameBot"

        people.say(ANA, GROUP, "/setup Terra EUR Europe/Madrid")
        wait_for(lambda: people.texts(GROUP), 30)
        assert people.texts(GROUP)[0].startswith("🌱 Terra is set up: money in EUR")

        for user, line in [
            (ANA, "/coop new Tierra"),
            (ANA, "/join Tierra"),
            (BEN, "/join@TestNameBot Tierra"),  # addressed to this bot by name
            (BEN, "/join@SomeOtherBot Tierra"),  # not to us: ignored
        ]:
            people.say(user, GROUP, line)
        wait_for(lambda: any("Welcome to Terra, Ben" in t for t in people.texts(GROUP)), 30)

        deadline = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
        people.say(BEN, GROUP, f"/propose Tractor 1000 333.33 {deadline}")
        bond = wait_for(
            lambda: next(
                (m for m in people.bot_messages(GROUP) if m["text"].startswith("🏗 Bond #1")), None
            ),
            30,
        )
        rows = bond["reply_markup"]["inline_keyboard"]
        buttons = [button["callback_data"] for row in rows for button in row]
        assert "p:1:500" in buttons

        shown = {"message_id": bond["message_id"], "date": int(time.time()), "chat": GROUP,
                 "text": bond["text"]}  # fmt: skip
        people.press(ANA, shown, "p:1:500")
        wait_for(lambda: any("Ana pledged €500.00" in t for t in people.texts(GROUP)), 30)

        people.say(BEN, {"id": BEN["id"], "type": "private", "first_name": "Ben"}, "/start")
        wait_for(lambda: people.texts({"id": BEN["id"]}), 30)
        assert people.texts({"id": BEN["id"]})[0].startswith("👋 Hello again!")

        with database.unit_of_work() as uow:
            issue = uow.bonds.get(1, 1)
            assert issue is not None and issue.pledged == 50000
            assert uow.inbox.unprocessed("telegram") == []
        # Ben's /join@SomeOtherBot was received and stored, but not answered.
        assert sum("Welcome to Terra, Ben" in t for t in people.texts(GROUP)) == 1
    finally:
        loop.run(adapter.stop())
        loop.close()
        database.dispose()


async def _ready(adapter: Any) -> None:
    import asyncio

    await asyncio.wait_for(adapter.ready.wait(), 30)
