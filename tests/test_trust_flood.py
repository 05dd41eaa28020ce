"""Issue 10, case 9: flood control.

One member's flood of commands gets a burst's worth of answers and one polite
message, and changes nothing after that; other members are answered; the bucket
refills with time and survives a restart; redeliveries and chatter take no token.
The storage's one-statement step is checked against domain/flood.py's.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from harness import TERRA_SETUP, ConsoleChat, says

from bot.console import Console
from domain.flood import Bucket, FloodLimit, Verdict, instant
from handlers.dispatch import Dispatcher
from storage.uow import Database

LIMIT = FloodLimit(per_minute=10, burst=5)
POLITE = "That is a lot of messages at once"


def flood_controlled(url: str) -> ConsoleChat:
    """A console chat (a new process on ``url``) with flood control on."""
    chat = ConsoleChat(url)
    chat.console = Console(chat.database, chat.out, chat.err, flood=LIMIT)
    return chat


@pytest.fixture
def flooded(database_url: str) -> Iterator[ConsoleChat]:
    """Terra with bond #1 open, and a minute gone so every bucket is full."""
    chat = flood_controlled(database_url)
    chat.script(TERRA_SETUP)
    chat.say(":advance 1m")
    yield chat
    chat.close()


# --- the domain's arithmetic --------------------------------------------------------------


def test_a_burst_then_one_token_per_interval() -> None:
    now = instant(datetime(2027, 1, 1, tzinfo=UTC))
    bucket = None
    verdicts = []
    for _ in range(8):
        bucket = LIMIT.step(bucket, now)
        verdicts.append(bucket.verdict)
    assert verdicts == [Verdict.ADMIT] * 5 + [Verdict.WARN, Verdict.SILENT, Verdict.SILENT]
    assert bucket is not None and LIMIT.wait_seconds(bucket, now) == 6
    six_seconds = now + 6_000_000
    after = LIMIT.step(bucket, six_seconds)
    assert after.verdict is Verdict.ADMIT_WARNED  # answered, but no second warning yet
    assert LIMIT.step(after, six_seconds).verdict is Verdict.SILENT
    full = LIMIT.step(after, now + 60_000_000)
    assert full.verdict is Verdict.ADMIT  # full again: the next flood is warned again


def test_instant_is_exact_and_zone_independent() -> None:
    moment = datetime(2027, 3, 28, 2, 30, 0, 123456, tzinfo=UTC)
    madrid = moment.astimezone(ZoneInfo("Europe/Madrid"))
    assert instant(moment) == instant(madrid) == 1_806_201_000_123_456


def test_the_one_statement_agrees_with_the_domain(database_url: str) -> None:
    database = Database(database_url)
    rng = random.Random(9)
    now = datetime(2027, 1, 1, tzinfo=UTC)
    expected: dict[str, Bucket | None] = {"ana": None, "ben": None}
    try:
        for _ in range(300):
            now += timedelta(microseconds=rng.choice([0, 0, 1, 999_999, 6_000_000, 31_000_000]))
            who = rng.choice(["ana", "ben"])
            with database.unit_of_work() as uow:
                got = uow.flood.take("console", "group", who, now, LIMIT)
                uow.commit()
            expected[who] = LIMIT.step(expected[who], instant(now))
            assert got == expected[who]
    finally:
        database.dispose()


# --- on the console -----------------------------------------------------------------------


def test_5000_commands_get_a_burst_and_one_polite_message(flooded: ConsoleChat) -> None:
    answers = [flooded.say("ben@group: /pledge 1 10") for _ in range(LIMIT.burst)]
    assert all(any("ben pledged" in line for line in answer) for answer in answers)
    books = flooded.snapshot()
    polite = flooded.say("ben@group: /pledge 1 10")
    assert len(polite) == 1 and POLITE in polite[0] and "wait 6 seconds" in polite[0]
    rest = flooded.say(*["ben@group: /pledge 1 10"] * 4994)
    assert rest == []
    assert flooded.snapshot() == books  # nothing over the limit was acted on

    # another member in the same minute is answered at once
    assert any("cai pledged" in line for line in flooded.say("cai@group: /pledge 1 5"))
    # and ben in another chat (his DM) has a bucket of his own
    assert flooded.say("ben@dm: /bonds") != []

    # a minute on, the bucket has refilled
    flooded.say(":advance 1m")
    assert any("ben pledged" in line for line in flooded.say("ben@group: /pledge 1 10"))


def test_the_polite_message_is_in_the_senders_language(flooded: ConsoleChat) -> None:
    flooded.say("dee@dm: /lang es")
    out = flooded.say(*["dee@dm: /bonds"] * (LIMIT.burst + 3))
    assert sum("Son muchos mensajes de golpe" in line for line in out) == 1


def test_a_restart_keeps_the_bucket(flooded: ConsoleChat) -> None:
    flooded.say(*["ben@group: /bonds"] * (LIMIT.burst + 1))
    books = flooded.snapshot()
    again = flood_controlled(flooded.url)
    flooded.database.dispose()
    try:
        assert again.say("ben@group: /pledge 1 10") == []  # same instant: still empty
        assert again.snapshot() == books
        again.say(":advance 1m")
        assert any("ben pledged" in line for line in again.say("ben@group: /pledge 1 10"))
    finally:
        again.close()


def test_chatter_takes_no_token(flooded: ConsoleChat) -> None:
    assert flooded.say(*["ben@group: what a tractor!"] * 20) == []
    out = flooded.say(*["ben@group: /bonds"] * LIMIT.burst)
    assert out and not any(POLITE in line for line in out)


def test_form_answers_count(flooded: ConsoleChat) -> None:
    flooded.say("ben@group: /propose")  # a form: its answers are for minga
    out = flooded.say(*["ben@group: Plough"] * LIMIT.burst)
    assert sum(POLITE in line for line in out) == 1


def test_a_redelivery_takes_no_token(flooded: ConsoleChat) -> None:
    dispatcher = Dispatcher(flooded.database.unit_of_work, flooded.console.now, LIMIT)
    for n in range(LIMIT.burst - 1):
        assert dispatcher.handle(says("ben", "/bonds", f"tg:{n}"))
    for _ in range(20):
        assert not dispatcher.handle(says("ben", "/bonds", "tg:3"))  # the same message again
    with flooded.database.unit_of_work() as uow:
        bucket = uow.flood.take("console", "group", "ben", flooded.console.now(), LIMIT)
    assert bucket.verdict is Verdict.ADMIT  # the fifth token was still there
