"""The three forms on one engine, through the chat adapters: Telegram and Matrix.

The console runs them in tests/test_conversations.py and tests/test_assemblies.py. Here
/setup, /propose and /assembly are filled in on Telegram, by typed replies and by the
answer buttons the forms declare, and on Matrix with ``!`` commands and replies.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import Sent, TelegramWorld
from synapse import BotUnderTest, Homeserver, Person, run


@pytest.fixture
def world(sqlite_url: str) -> Iterator[TelegramWorld]:
    made = TelegramWorld(sqlite_url)
    yield made
    made.close()


def _press(world: TelegramWorld, user: dict[str, Any], sent: Sent, answer: str) -> None:
    """Press the quick answer (or, for ``x``, Cancel) on a form's question."""
    found = [data for _, data in sent.buttons() if data.endswith(f":{answer}")]
    assert found, (answer, sent.buttons())
    world.press(user, sent, found[0])


def test_the_three_forms_by_replies_and_buttons_on_telegram(world: TelegramWorld) -> None:
    fake = world.fake
    ana = fake.user("Ana", language_code="en")
    group = fake.group("Terra", admins=[ana])
    fake.start(ana)
    world.settle()

    world.say(ana, group, "/setup")
    world.say(ana, group, "Terra")
    _press(world, ana, fake.last(group), "EUR")
    assert fake.last(group).buttons()[0] == ("UTC", f"f:{ana['id']}:setup:3:UTC")
    world.say(ana, group, "Europe/Madrid")
    assert fake.texts(group)[-1].startswith("🌱 Terra is set up: money in EUR")

    world.say(ana, group, "/coop new Tierra")
    world.say(ana, group, "/join Tierra")
    for answer in ("/propose", "Bread oven", "4000", "90"):
        world.say(ana, group, answer)
    assert fake.texts(group)[-1].startswith("Until which day may members pledge?")
    world.say(ana, group, "2027-03-31")
    assert fake.texts(group)[-1].startswith("🏗 Bond #1 — Bread oven for Tierra")

    for answer in ("/assembly", "Spring assembly", "2027-02-01T18:00", "2h"):
        world.say(ana, group, answer)
    _press(world, ana, fake.last(group), "none")  # quorum
    _press(world, ana, fake.last(group), "no")  # repeat
    _press(world, ana, fake.last(group), "no")  # secret
    _press(world, ana, fake.last(group), "yes")  # decided by those present
    world.say(ana, group, "Buy a tractor")
    noted = fake.last(group)
    assert noted.text == "Motion 1 noted. Next motion, or done."
    world.say(ana, group, "policy support 2")  # an action motion, as /motion takes it
    _press(world, ana, fake.last(group), "done")
    summary = fake.last(group)
    assert summary.text.startswith("🗳 Spring assembly")
    assert "2. Set the policy support to 2 — two-thirds" in summary.text
    assert [data for _, data in summary.buttons()][:2] == [
        f"f:{ana['id']}:assembly:11:yes",
        f"f:{ana['id']}:assembly:11:no",
    ]
    _press(world, ana, summary, "yes")
    assert any(t.startswith("🗳 Assembly #1: Spring assembly") for t in fake.texts(group)[-2:])
    _press(world, ana, summary, "yes")  # the form is over: its buttons no longer apply
    assert "no longer applies" in fake.alerts()[-1]["text"]

    world.say(ana, group, "/assembly")
    world.say(ana, group, "Autumn assembly")
    _press(world, ana, fake.last(group), "x")  # Cancel
    assert fake.texts(group)[-1] == "Cancelled. Nothing was changed."
    with world.database.unit_of_work() as uow:
        assert uow.conversations.get("telegram", str(group["id"]), str(ana["id"])) is None


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_three_forms_by_replies_on_matrix(homeserver: Homeserver, tmp_path: Path) -> None:
    bot_user, *users = homeserver.fresh_users("minga", "ana")
    bot = BotUnderTest(
        homeserver,
        bot_user,
        f"sqlite:///{tmp_path}/minga.sqlite",
        tmp_path / "store",
        now=at("2027-01-25T09:00:00"),
    )
    ana = Person(homeserver, users[0], tmp_path / "ana")

    async def scenario() -> None:
        await bot.start()
        await ana.start("Ana")
        try:
            room = await ana.create_room("Terra", invite=[bot_user.user_id])
            await bot.joined(room, ana.user_id)

            async def says(*lines: str) -> None:
                for line in lines:
                    await bot.handled(await ana.say(room, line))

            await says("!setup", "Terra", "EUR", "Europe/Madrid")
            await ana.wait_notice("Terra is set up: money in EUR", room_id=room)
            await says("!coop new Tierra", "!join Tierra")
            await says("!propose", "Bread oven", "4000", "90", "2027-03-31")
            await ana.wait_notice("Bond #1 — Bread oven", room_id=room)
            await says("!assembly", "Spring assembly", "2027-02-01T18:00", "2h", "50%")
            await says("no", "no", "no", "50%", "Buy a tractor", "policy support 2", "done")
            await ana.wait_notice("a remote vote weighs 50%", room_id=room)
            await ana.wait_notice("2. Set the policy support to 2", room_id=room)
            await ana.wait_notice("Is this right?", room_id=room)
            await says("yes")
            await ana.wait_notice("Assembly #1: Spring assembly", room_id=room)
        finally:
            await ana.stop()
            await bot.stop()

    run(scenario())
