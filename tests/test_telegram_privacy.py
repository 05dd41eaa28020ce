"""Telegram's privacy mode (a bot's default): in a group minga sees only commands and
replies to its own messages, so a form asks each question with a selective ForceReply
and takes the reply of the person filling it in as the answer. Answers in a group
reply to the command they answer; by DM they do not.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fake_telegram import Sent, TelegramWorld

FORCE_REPLY = {"force_reply": True, "selective": True}


@pytest.fixture
def world(sqlite_url: str) -> Iterator[TelegramWorld]:
    made = TelegramWorld(sqlite_url, privacy=True)
    yield made
    made.close()


def terra(world: TelegramWorld) -> tuple[dict[str, Any], ...]:
    fake = world.fake
    ana, ben = fake.user("Ana"), fake.user("Ben")
    group = fake.group("Terra", admins=[ana])
    for person in (ana, ben):
        fake.start(person)
    for person, line in [
        (ana, "/setup Terra EUR Europe/Madrid"),
        (ana, "/coop new Tierra"),
        (ana, "/join Tierra"),
        (ben, "/join Tierra"),
    ]:
        fake.say(person, group, line)
    world.settle()
    return group, ana, ben


def test_the_emulator_passes_only_commands_and_replies_to_the_bot(world: TelegramWorld) -> None:
    fake = world.fake
    group, ana, ben = terra(world)
    told = fake.last(group)
    seen = len(fake.created)
    fake.say(ana, group, "hello all")  # chatter
    fake.say(ana, group, "/pledge@another_bot 1 5")  # another bot's command
    mine = fake.say(ben, group, "a message of Ben's")
    fake.say(ana, group, "an answer to Ben", reply_to=mine)
    assert len(fake.created) == seen and len(fake.unseen) == 4
    fake.say(ana, group, "/bonds@minga_test_bot")
    fake.say(ana, group, "a reply to minga", reply_to=told)
    fake.say(ana, fake.private_chat(ana), "anything, by DM")
    assert len(fake.created) == seen + 3
    world.settle()


def question(world: TelegramWorld, group: dict[str, Any], answerer_message: int) -> Sent:
    """The form's last question: a selective ForceReply replying to its answerer."""
    asked = world.fake.last(group)
    assert asked.reply_markup == FORCE_REPLY, asked
    assert asked.reply_to == answerer_message, (asked.text, asked.reply_to)
    return asked


def test_the_assembly_form_completes_in_a_group_with_privacy_mode(world: TelegramWorld) -> None:
    fake = world.fake
    group, ana, ben = terra(world)
    started = fake.say(ana, group, "/assembly")["message"]["message_id"]
    world.settle()
    intro, asked = fake.messages(group)[-2:]
    assert intro.text.startswith("Let's set up an assembly") and intro.reply_to == started
    asked = question(world, group, started)
    assert asked.text.startswith("What is the assembly called?")

    # Ana forgets to reply: Telegram never gives minga her message.
    fake.say(ana, group, "Spring assembly")
    world.settle()
    assert fake.last(group) is asked
    # Ben replies to Ana's question: his reply is not her answer, nor anything of his.
    world.say(ben, group, "Ben's assembly", reply_to=asked)
    assert fake.last(group) is asked

    answers = [
        "Spring assembly",
        "2027-02-01T18:00",
        "2h",
        "none",  # quorum
        "no",  # repeat
        "no",  # secret
        "yes",  # decided by those present
        "Buy a tractor",
        "done",
    ]
    for answer in answers:
        reply = fake.say(ana, group, answer, reply_to=asked)
        world.settle()
        asked = question(world, group, reply["message"]["message_id"])
    assert asked.text.startswith("🗳 Spring assembly")
    assert "Buy a tractor" in asked.text
    fake.say(ana, group, "yes", reply_to=asked)
    world.settle()
    assert any(t.startswith("🗳 Assembly #1: Spring assembly") for t in fake.texts(group)[-2:])
    assert "Ben's assembly" not in "\n".join(fake.texts(group))
    with world.database.unit_of_work() as uow:
        commune = uow.communes.by_name("Terra")
        assert commune is not None
        made = uow.assemblies.get(commune.id, 1)
        assert made is not None and made.title == "Spring assembly"
        assert uow.conversations.get("telegram", str(group["id"]), str(ana["id"])) is None


def test_answers_reply_to_their_command_in_a_group_not_by_dm(world: TelegramWorld) -> None:
    fake = world.fake
    group, ana, _ben = terra(world)
    asked = fake.say(ana, group, "/bonds")["message"]["message_id"]
    world.settle()
    assert fake.last(group).reply_to == asked
    refused = fake.say(ana, group, "/pledge 99 10")["message"]["message_id"]  # no such bond
    world.settle()
    assert fake.last(group).reply_to == refused
    world.say(ana, fake.private_chat(ana), "/bonds")
    assert fake.last(fake.private_chat(ana)).reply_to is None
    # A form's questions by DM keep their buttons: no reply is needed there.
    world.say(ana, fake.private_chat(ana), "/assembly")
    assert fake.last(fake.private_chat(ana)).buttons()[-1][1].endswith(":x")
    # What the group is told on its own (not an answer) replies to nothing.
    world.say(ana, group, "/propose Tractor 1000 333.33 2027-03-31")
    announced = next(m for m in fake.messages(group) if m.text.startswith("🏗 Bond #1"))
    assert announced.reply_to is None
