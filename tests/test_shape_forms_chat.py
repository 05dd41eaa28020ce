"""The three forms on one engine, through the chat adapters: Telegram and Matrix.

The console runs them in tests/test_conversations.py and tests/test_assemblies.py. Here
/setup, /propose and /assembly are filled in on Telegram, by replies to the questions
in a group (privacy mode: tests/test_telegram_privacy.py) and by the answer buttons the
forms declare by DM, and on Matrix with ``!`` commands and replies.
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


def _reply(world: TelegramWorld, user: dict[str, Any], chat: dict[str, Any], text: str) -> None:
    """Answer the form's question asked last in ``chat``, as a reply to it."""
    world.say(user, chat, text, reply_to=world.fake.last(chat))


def test_the_three_forms_by_replies_and_buttons_on_telegram(world: TelegramWorld) -> None:
    fake = world.fake
    ana = fake.user("Ana", language_code="en")
    group = fake.group("Terra", admins=[ana])
    fake.start(ana)
    world.settle()
    dm = fake.private_chat(ana)

    world.say(ana, group, "/setup")  # in a group the questions ask for replies
    _reply(world, ana, group, "Terra")
    _reply(world, ana, group, "EUR")
    assert fake.last(group).reply_markup == {"force_reply": True, "selective": True}
    _reply(world, ana, group, "Europe/Madrid")
    assert fake.texts(group)[-1].startswith("🌱 Terra is set up: money in EUR")

    world.say(ana, group, "/coop new Tierra")
    world.say(ana, group, "/join Tierra")
    world.say(ana, group, "/propose")
    for answer in ("Bread oven", "4000", "90"):
        _reply(world, ana, group, answer)
    assert fake.texts(group)[-1].startswith("Until which day may members pledge?")
    _reply(world, ana, group, "2027-03-31")
    assert fake.texts(group)[-1].startswith("🏗 Bond #1 — Bread oven for Tierra")

    for answer in ("/assembly", "Spring assembly", "2027-02-01T18:00", "2h"):
        world.say(ana, dm, answer)  # by DM the questions offer buttons
    _press(world, ana, fake.last(dm), "none")  # quorum
    _press(world, ana, fake.last(dm), "no")  # repeat
    _press(world, ana, fake.last(dm), "no")  # secret
    _press(world, ana, fake.last(dm), "yes")  # decided by those present
    world.say(ana, dm, "Buy a tractor")
    noted = fake.last(dm)
    assert noted.text == "Motion 1 noted. Next motion, or done."
    world.say(ana, dm, "policy support 2")  # an action motion, as /motion takes it
    _press(world, ana, fake.last(dm), "done")
    summary = fake.last(dm)
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

    world.say(ana, dm, "/assembly")
    world.say(ana, dm, "Autumn assembly")
    _press(world, ana, fake.last(dm), "x")  # Cancel
    assert fake.texts(dm)[-1] == "Cancelled. Nothing was changed."
    with world.database.unit_of_work() as uow:
        assert uow.conversations.get("telegram", str(dm["id"]), str(ana["id"])) is None


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
