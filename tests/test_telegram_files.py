"""/export and /chart on Telegram: the journal arrives as a document by DM, the chart as
a photo in the group, each with its caption, made by the delivery worker (issue 14)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fake_telegram import Sent, TelegramWorld
from test_open_books import png_size
from test_telegram_scenarios import january_cleared, terra


@pytest.fixture
def world(sqlite_url: str) -> Iterator[TelegramWorld]:
    made = TelegramWorld(sqlite_url)
    yield made
    made.close()


def files(world: TelegramWorld, chat: dict | int) -> list[Sent]:
    return [m for m in world.fake.messages(chat) if m.file is not None]


def test_the_journal_by_dm_and_the_chart_in_the_group(world: TelegramWorld) -> None:
    fake = world.fake
    group, ana, ben, cai, dee = terra(world)
    january_cleared(world, group, ana, ben, cai, dee)

    world.say(ana, group, "/export 2027")
    assert "I sent the journal by private message" in fake.texts(group)[-1]
    assert files(world, group) == [], "the journal went to the group"
    [journal] = files(world, ana["id"])
    field, name, data = journal.file  # type: ignore[misc]
    assert (field, name) == ("document", "journal-2027.csv")
    assert journal.text.startswith("📒 The journal of Terra for 2027")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert {row["kind"] for row in rows} == {"rent", "clearing"}
    assert sum(int(row["amount"].replace(".", "")) for row in rows) == 0

    world.say(cai, group, "/chart")
    [chart] = files(world, group)
    field, name, data = chart.file  # type: ignore[misc]
    assert (field, name) == ("photo", "money-2027-01.png")
    assert chart.text.startswith("📊 How money moved in Terra")
    assert png_size(data) == (1200, 600)
    assert world.states().get("sent", 0) > 0 and set(world.states()) == {"sent"}


def test_a_member_not_treasurer_gets_no_file(world: TelegramWorld) -> None:
    group, _ana, ben, _cai, _dee = terra(world)
    world.say(ben, group, "/export")
    assert "Only a treasurer can export the journal" in world.fake.texts(group)[-1]
    assert files(world, ben["id"]) == []
