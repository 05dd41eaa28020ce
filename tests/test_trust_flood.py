"""Issue 10, case 9: flood control.

One member's flood of commands gets a burst's worth of answers and one polite
message, and changes nothing after that; other members are answered; the bucket
refills with time and survives a restart; redeliveries and chatter take no token.
The storage's one-statement step is checked against domain/flood.py's.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fake_telegram import TelegramWorld, wait_for
from harness import TERRA_SETUP, ConsoleChat, says

from bot.coalesce import pack, runs
from bot.console import Console
from bot.matrix.messages import batch_transaction_id, coalesced, merged_notice, transaction_id
from bot.telegram.settings import Limits
from domain.flood import Bucket, FloodLimit, Verdict, instant
from handlers.dispatch import Dispatcher
from storage.repositories.messaging import PendingMessage
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


# --- coalescing group messages at delivery ----------------------------------------------


def pending(
    n: int, address: str, private: bool = False, template: str = "refusal/unknown_command"
) -> PendingMessage:
    context = {"name": f"m{n}"}
    return PendingMessage(n, "matrix", address, private, None, template, "en", context)


def test_runs_merge_a_groups_rows_never_a_private_one() -> None:
    rows = [
        pending(1, "!group"),
        pending(2, "@ana", private=True),
        pending(3, "!group"),
        pending(4, "@ana", private=True),
        pending(5, "!group", template="bond_new"),
        pending(6, "!group"),
    ]
    alone = [[r.id for r in run] for run in runs(rows, alone=lambda r: r.template == "bond_new")]
    assert alone == [[1, 3], [2]]  # bond_new waits for the run before it; Ana's 4 for her 2
    assert [[r.id for r in run] for run in runs(rows)] == [[1, 3, 5, 6], [2]]


def test_pack_cuts_between_whole_messages() -> None:
    assert pack(["aaaa", "bb", "cc", "dddddddddd", "e"], limit=8) == [
        (0, 2),
        (2, 3),
        (3, 4),
        (4, 5),
    ]
    assert pack(["a"] * 3, limit=100) == [(0, 3)]
    assert pack([], limit=10) == []


def test_matrix_merges_waiting_group_rows_into_one_notice() -> None:
    rows = [pending(n, "!group") for n in (1, 2, 3)] + [pending(4, "@ben", private=True)]
    batch = coalesced(rows)
    assert [m.id for m in batch] == [1, 2, 3]
    notice = merged_notice(batch)
    assert notice["body"].count("I don't know") == 3 and "\n\n" in notice["body"]
    assert notice["formatted_body"].count("<br><br>") == 2
    assert batch_transaction_id(batch) != batch_transaction_id(batch[:2])
    assert batch_transaction_id(batch[:1]) == transaction_id(rows[0])
    assert [m.id for m in coalesced(rows[3:])] == [4]  # a DM goes alone


def test_telegram_many_pledges_reach_the_group_as_fewer_messages(sqlite_url: str) -> None:
    limits = Limits(
        overall_per_second=1000,
        per_chat_interval=0.1,
        group_per_window=4,
        group_window=2.0,
        edit_interval=0.2,
        margin=0.02,
    )
    world = TelegramWorld(sqlite_url, limits=limits)
    try:
        fake = world.fake
        people = [fake.user(f"Member{n:02d}") for n in range(12)]
        group = fake.group("Terra", admins=[people[0]])
        for person in people:
            fake.start(person)
        fake.say(people[0], group, "/setup Terra EUR")
        fake.say(people[0], group, "/coop new Tierra")
        for person in people:
            fake.say(person, group, "/join Tierra")
        world.settle()
        world.say(people[0], group, "/propose Tractor 1000 333.33 2026-12-31")
        before = len(fake.messages(group))
        for person in people[1:]:
            fake.say(person, group, "/pledge 1 10")
        asked = time.monotonic()
        fake.say(people[0], fake.private_chat(people[0]), "/bonds")  # by DM, meanwhile
        wait_for(lambda: any("Tractor" in t for t in fake.dm(people[0])), 10)
        answered = time.monotonic() - asked
        world.settle(30)
        posted = fake.messages(group)[before:]
        assert sum(s.text.count(" pledged €10.00") for s in posted) == 11  # none lost, none twice
        assert len([s for s in posted if "pledged" in s.text]) < 11
        assert fake.violations(1000, 0.1, 4, 2.0) == []
        assert answered < limits.group_window  # not queued behind the group's backlog
        assert set(world.states()) == {"sent"}
    finally:
        world.close()
