"""Telegram faults: redelivery, a kill between receiving and handling, 429 storms, timeouts.

The in-process tests drive python-telegram-bot against the fake Bot API server
(tests/fake_telegram.py); the kill test runs ``minga run`` itself, configured by
MINGA_TELEGRAM_TOKEN and MINGA_TELEGRAM_BASE_URL, and SIGKILLs it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import FakeTelegram, LoopThread, TelegramWorld, wait_for
from pauses import pause_updates
from sqlalchemy import text

MINGA = Path(sys.executable).parent / "minga"
JANUARY = "Your statement — December 2026"  # the first statement, sent in January


@pytest.fixture
def world(sqlite_url: str) -> Iterator[TelegramWorld]:
    made = TelegramWorld(sqlite_url)
    yield made
    made.close()


def pledges(world: TelegramWorld) -> list[tuple[Any, ...]]:
    with world.database.engine.connect() as connection:
        return list(connection.execute(text("SELECT member_id, amount FROM pledge ORDER BY id")))


def small_commune(world: TelegramWorld, members: int = 3) -> tuple[dict[str, Any], list[Any]]:
    fake = world.fake
    people = [fake.user(f"Member{n:02d}") for n in range(members)]
    group = fake.group("Terra", admins=[people[0]])
    for person in people:
        fake.start(person)
    fake.say(people[0], group, "/setup Terra EUR")
    fake.say(people[0], group, "/coop new Tierra")
    for person in people:
        fake.say(person, group, "/join Tierra")
    world.settle()
    return group, people


def test_an_update_delivered_twice_changes_nothing_the_second_time(world: TelegramWorld) -> None:
    fake = world.fake
    group, (ana, ben, _cai) = small_commune(world)
    world.say(ana, group, "/propose Tractor 1000 333.33 2026-12-31")
    update = fake.say(ben, group, "/pledge 1 100")
    world.settle()
    said = len(fake.texts(group))
    fake.redeliver(update)  # Telegram hands the same update_id out again
    fake.redeliver(update)
    world.settle()
    assert len(pledges(world)) == 1 and pledges(world)[0][1] == 10000
    assert len(fake.texts(group)) == said  # not even a second reply
    with world.database.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT count(*) FROM inbox WHERE external_id = :id"),
            {"id": str(update["update_id"])},
        ).scalar_one()
    assert stored == 1


def _minga_run(url: str, fake: FakeTelegram, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(MINGA), "run", "--db", url, "--tick", "60"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={
            **os.environ,
            "MINGA_TELEGRAM_TOKEN": fake.token,
            "MINGA_TELEGRAM_BASE_URL": fake.base_url,
            "MINGA_TELEGRAM_POLL_TIMEOUT": "1",
            **env,
        },
    )


def test_killed_between_receiving_and_handling_an_update_a_restart_handles_it_once(
    sqlite_url: str, tmp_path: Path
) -> None:
    loop = LoopThread()
    fake = loop.run(FakeTelegram().serve())
    now = datetime.now(UTC).replace(microsecond=0)
    world = TelegramWorld(sqlite_url, now=now, loop=loop, fake=fake)
    group, (ana, ben, _cai) = small_commune(world)
    deadline = (now + timedelta(days=300)).date().isoformat()
    world.say(ana, group, f"/propose Tractor 1000 333.33 {deadline}")
    world.close()  # this process's adapter is gone; the fake server stays

    update = fake.say(ben, group, "/pledge 1 250")
    marker = tmp_path / "received"
    worker = _minga_run(sqlite_url, fake, **pause_updates(marker))
    try:
        wait_for(marker.exists, 60)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    with world.database.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT processed_at FROM inbox WHERE external_id = :id"),
            {"id": str(update["update_id"])},
        ).all()
    assert len(stored) == 1 and stored[0][0] is None  # received, committed, not handled
    assert pledges(world) == []
    assert update["update_id"] in fake.returned  # Telegram handed it out...
    assert any(u["update_id"] == update["update_id"] for u in fake.updates)  # ...unconfirmed

    said = len(fake.texts(group))
    worker = _minga_run(sqlite_url, fake)
    try:
        wait_for(lambda: len(fake.texts(group)) > said, 60)
        wait_for(lambda: not fake.updates, 30)  # the restart confirmed it to Telegram
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0, worker.stderr.read() if worker.stderr else ""
    finally:
        if worker.poll() is None:
            worker.kill()
    assert [amount for _member, amount in pledges(world)] == [25000]
    assert sum("pledged €250.00" in t for t in fake.texts(group)) == 1
    world.database.dispose()
    loop.run(fake.stop())
    loop.close()


def test_a_429_storm_during_statement_delivery_loses_nothing_and_sends_nothing_twice(
    world: TelegramWorld,
) -> None:
    fake = world.fake
    _group, people = small_commune(world, members=12)

    # Every other private message is refused with 429 for a while.
    flip = iter(range(10_000))
    fake.fail(
        "sendMessage",
        "429",
        times=8,
        retry_after=1,
        when=lambda params: int(params["chat_id"]) > 0 and next(flip) % 2 == 0,
    )
    world.advance(datetime(2027, 1, 1, 6, tzinfo=UTC))  # December is cleared: 12 statements
    wait_for(lambda: all(any(t.startswith(JANUARY) for t in fake.dm(p)) for p in people), 60)
    world.settle()
    assert sum(code == 429 for _method, code, _ in fake.refused) == 8
    for person in people:
        assert sum(t.startswith(JANUARY) for t in fake.dm(person)) == 1, person["first_name"]
    assert set(world.states()) == {"sent"}


def test_after_a_read_timeout_a_message_is_recorded_and_never_sent_again(
    sqlite_url: str,
) -> None:
    world = TelegramWorld(sqlite_url, read_timeout=0.5)
    try:
        fake = world.fake
        _group, (ana, ben, cai) = small_commune(world)
        # Telegram delivers Ben's statement but answers too late for the client.
        fake.fail("sendMessage", "late", delay=1.5, when=lambda p: p["chat_id"] == str(ben["id"]))
        world.advance(datetime(2027, 1, 1, 6, tzinfo=UTC))
        wait_for(lambda: world.states().get("uncertain") == 1, 20)
        world.settle()
        assert sum(t.startswith(JANUARY) for t in fake.dm(ben)) == 1  # he has it, once
        sends_to_ben = [
            p for method, p in fake.calls
            if method == "sendMessage" and p["chat_id"] == str(ben["id"])
        ]  # fmt: skip
        assert len([p for p in sends_to_ben if p["text"].startswith(JANUARY)]) == 1
        with world.database.engine.connect() as connection:
            _state, error, attempts = connection.execute(
                text(
                    "SELECT d.state, d.error, o.attempts FROM telegram_delivery d "
                    "JOIN outbox o ON o.id = d.outbox_id WHERE d.state = 'uncertain'"
                )
            ).one()
        assert error.startswith("TimedOut") and attempts == 1
        assert all(any(t.startswith(JANUARY) for t in fake.dm(p)) for p in (ana, cai))
    finally:
        world.close()


def test_when_telegram_cannot_be_reached_the_message_waits_and_goes_once(
    world: TelegramWorld,
) -> None:
    fake = world.fake
    _group, (ana, ben, cai) = small_commune(world)
    port = fake.port
    world.loop.run(fake.stop())  # connection refused from now on
    from handlers.jobs import run_due

    world.now = datetime(2027, 1, 1, 6, tzinfo=UTC)
    run_due(world.database.unit_of_work, world.now)  # December is cleared: 3 statements
    world.loop.call(world.adapter.wake)
    wait_for(lambda: world.states().get("retry", 0) >= 1, 20)
    assert "uncertain" not in world.states()  # the request never left: nothing ambiguous

    world.loop.run(fake.serve(port))  # Telegram is back
    wait_for(
        lambda: all(any(t.startswith(JANUARY) for t in fake.dm(p)) for p in (ana, ben, cai)), 30
    )
    world.settle()
    for person in (ana, ben, cai):
        assert sum(t.startswith(JANUARY) for t in fake.dm(person)) == 1
    assert set(world.states()) == {"sent"}


def test_webhook_mode_stores_each_update_before_answering_200(sqlite_url: str) -> None:
    import socket

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    world = TelegramWorld(
        sqlite_url,
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_listen=f"127.0.0.1:{port}",
        webhook_secret="s3cret",
    )
    try:
        fake = world.fake
        assert fake.webhook == f"http://127.0.0.1:{port}/telegram"
        assert fake.count("getUpdates") == 0  # no polling beside a webhook
        group, (ana, ben, _cai) = small_commune(world)
        assert fake.texts(group)[0].startswith("🌱 Terra is set up")
        world.say(ana, group, "/propose Tractor 1000 333.33 2026-12-31")
        update = fake.say(ben, group, "/pledge 1 100")
        world.settle()
        answer = httpx.post(fake.webhook, json=update,
                            headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})  # fmt: skip
        assert answer.status_code == 200  # a redelivery is taken, and changes nothing
        forged = httpx.post(fake.webhook, json={**update, "update_id": 999})
        assert forged.status_code == 403  # without Telegram's secret
        world.settle()
        assert [amount for _member, amount in pledges(world)] == [10000]
    finally:
        world.close()
