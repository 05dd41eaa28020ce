"""An action motion on Telegram: written from its action, voted with the buttons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fake_telegram import TelegramWorld
from test_telegram_scenarios import terra


@pytest.fixture
def world(sqlite_url: str) -> Iterator[TelegramWorld]:
    made = TelegramWorld(sqlite_url)
    yield made
    made.close()


def test_a_role_motion_is_voted_with_the_buttons_and_carried_out(world: TelegramWorld) -> None:
    fake = world.fake
    group, ana, ben, cai, _dee = terra(world)
    world.say(ana, group, '/assembly new "Spring" 2027-02-01T18:00 2027-02-01T20:00')
    world.say(ana, group, '/motion 1 role Ben treasurer "Ben keeps the books"')
    assert "Make Ben treasurer: Ben keeps the books — two-thirds" in fake.texts(group)[-1]
    world.advance(datetime(2027, 2, 1, 17, 5, tzinfo=UTC))  # 18:05 in Madrid: voting opens
    opened = next(m for m in fake.messages(group) if "Voting is open" in m.text)
    assert "Motion 1: Make Ben treasurer: Ben keeps the books" in opened.text
    assert [data for _text, data in opened.buttons()] == ["v:1:y", "v:1:n", "v:1:a"]
    for person in (ana, ben, cai):
        world.press(person, opened, "v:1:y")
    assert "Cai voted on motion 1" in fake.texts(group)[-1]
    world.advance(datetime(2027, 2, 1, 19, 5, tzinfo=UTC))  # 20:05: voting closed
    results = next(m for m in fake.messages(group) if "results" in m.text)
    assert "1. Make Ben treasurer: Ben keeps the books — CARRIED: yes 3" in results.text
    assert "→ carried out: Ben's role is now treasurer" in results.text


def test_a_members_action_proposal_is_supported_with_the_button(world: TelegramWorld) -> None:
    fake = world.fake
    group, ana, ben, cai, dee = terra(world)
    world.say(ana, group, '/assembly new "Spring" 2027-02-01T18:00 2027-02-01T20:00')
    world.say(ben, group, "/motion 1 policy support 2")
    proposed = next(m for m in fake.messages(group) if "proposes motion 1" in m.text)
    assert "Set the policy support to 2 — two-thirds" in proposed.text
    assert [data for _text, data in proposed.buttons()] == ["s:1"]
    world.press(cai, proposed, "s:1")
    world.press(cai, proposed, "s:1")  # again: the alert names the motion by its action
    assert (
        "You already support motion 1 (Set the policy support to 2)" in (fake.alerts()[-1]["text"])
    )
    world.press(dee, proposed, "s:1")
    assert "Motion 1 is on the agenda of Spring" in fake.texts(group)[-1]
    world.advance(datetime(2027, 2, 1, 17, 5, tzinfo=UTC))  # 18:05 in Madrid: voting opens
    opened = next(m for m in fake.messages(group) if "Voting is open" in m.text)
    for person in (ana, ben, cai, dee):
        world.press(person, opened, "v:1:y")
    world.advance(datetime(2027, 2, 1, 19, 5, tzinfo=UTC))  # 20:05: voting closed
    results = next(m for m in fake.messages(group) if "results" in m.text)
    assert "→ carried out: the policy support is now 2 (it was 3)" in results.text
