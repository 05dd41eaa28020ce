"""/export and /chart on Telegram: the journal arrives as a document by DM, the chart as
a photo in the group, each with its caption, made by the delivery worker (issue 14)."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator

import pytest
from fake_telegram import Sent, TelegramWorld, wait_for
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


def test_a_journal_too_large_for_telegram_is_told_instead(world: TelegramWorld) -> None:
    """The Bot API answers 413 to the document: the treasurer is told, by DM, that the
    file is too large and how to ask for less, once; the row is finished."""
    fake = world.fake
    group, ana, ben, cai, dee = terra(world)
    january_cleared(world, group, ana, ben, cai, dee)
    fake.fail("sendDocument", "413")
    world.say(ana, group, "/export 2027")
    assert files(world, ana["id"]) == []
    told = [t for t in fake.texts(ana["id"]) if "too large" in t]
    assert told == [
        "⚠️ journal-2027.csv is too large to send here. "
        "Ask for one month at a time, e.g. /export 2027-01"
    ]
    assert fake.count("sendDocument") == 1
    assert world.states().get("failed") == 1

    world.say(ana, group, "/export 2027-01")  # the smaller one goes
    [journal] = files(world, ana["id"])
    assert journal.file[1] == "journal-2027-01.csv"  # type: ignore[index]


def test_a_chart_too_large_is_told_once_even_when_the_notice_is_retried(
    world: TelegramWorld,
) -> None:
    """413 to the photo, then 429 to the notice: the row is tried again after it, the
    photo is not uploaded again (its refusal is recorded first), and the group reads
    the notice once, in answer to the command."""
    fake = world.fake
    group, ana, ben, cai, dee = terra(world)
    january_cleared(world, group, ana, ben, cai, dee)
    fake.fail("sendPhoto", "413")
    fake.fail("sendMessage", "429", when=lambda params: "too large" in str(params.get("text")))
    world.say(cai, group, "/chart")
    wait_for(lambda: [m for m in fake.messages(group) if "too large" in m.text])  # after 429
    world.settle()
    time.sleep(0.3)  # a repeat would come about now
    told = [m for m in fake.messages(group) if "too large" in m.text]
    assert [m.text for m in told] == [
        "⚠️ money-2027-01.png is too large to send here. Ask for fewer months, e.g. /chart 1"
    ]
    assert told[0].reply_to is not None, "it answers /chart"
    assert files(world, group) == []
    assert fake.count("sendPhoto") == 1, "the refused picture is not sent again"
    assert any(code == 429 for _, code, _ in fake.refused), "the notice was retried"
    assert world.states().get("failed") == 1


def test_only_a_refusal_for_size_counts_as_too_large() -> None:
    from telegram.error import BadRequest, NetworkError, TimedOut

    from bot.telegram.files import too_large

    assert too_large(NetworkError("Request Entity Too Large"))
    assert too_large(NetworkError("Request Entity Too Large (413). Parsing the server response"))
    assert not too_large(TimedOut())
    assert not too_large(BadRequest("Bad Request: message caption is too long"))
    assert not too_large(NetworkError("Internal Server Error"))
