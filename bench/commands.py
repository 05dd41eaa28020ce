"""Command throughput: /pledge through the dispatcher, against a bare INSERT + COMMIT.

A pledge goes the whole way a chat message goes: ``Dispatcher.handle`` records it
in the inbox, finds the member and the bond (locked), lets the domain check the
amount, saves the pledge, queues the group's reply in the outbox, and commits,
durably. The floor is what any durable command must pay at least: one INSERT and
one COMMIT per command, with the same driver and the same durability (SQLite:
WAL, synchronous=FULL; PostgreSQL: synchronous_commit=on, fsync on), one
connection per sender.

Both run sequentially (throughput) and with 8 concurrent senders (throughput and
each command's latency, p50 and p99), in several rounds taken in turn; the bench
keeps each figure's median.
"""

from __future__ import annotations

import itertools
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bench.federation import LONG_AGO
from handlers.dispatch import Dispatcher
from handlers.incoming import Incoming
from storage.uow import Database

MEMBERS = 200
ISSUES = 8  # open bond issues; each command pledges a cent to one of them
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
SENDERS = 8
# Numbers go on across rounds: a message id seen before would be a redelivery.
_MESSAGE_NUMBERS = itertools.count(1)
_FLOOR_NUMBERS = itertools.count(1)


@dataclass(frozen=True)
class Rates:
    per_second: float  # sequential: one sender
    concurrent_per_second: float  # SENDERS senders
    p50_ms: float  # latency of one command, SENDERS senders
    p99_ms: float


def median(runs: list[Rates]) -> Rates:
    """Each figure's median over the rounds."""
    return Rates(
        *(
            statistics.median(getattr(run, name) for run in runs)
            for name in ("per_second", "concurrent_per_second", "p50_ms", "p99_ms")
        )
    )


def setup(url: str) -> Database:
    """A commune of MEMBERS members in one group, with ISSUES open bond issues."""
    database = Database(url)
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO commune (id, name, name_key, currency, timezone, locale, created_at) "
                "VALUES (1, 'Bench', 'bench', 'EUR', 'UTC', 'en', :at)"
            ),
            {"at": LONG_AGO},
        )
        connection.execute(
            text(
                "INSERT INTO chat (platform, platform_chat_id, is_private, title, commune_id) "
                "VALUES ('bench', 'group', false, 'group', 1)"
            )
        )
        connection.execute(
            text("INSERT INTO cooperative (id, commune_id, name, name_key) VALUES (1, 1, 'c', 'c')")
        )
        for n in range(1, MEMBERS + 1):
            connection.execute(
                text("INSERT INTO person (id, created_at) VALUES (:n, :at)"),
                {"n": n, "at": LONG_AGO},
            )
            connection.execute(
                text(
                    "INSERT INTO account (id, platform, platform_user_id, person_id, display_name,"
                    " last_seen_at) VALUES (:n, 'bench', :user, :n, :user, :at)"
                ),
                {"n": n, "user": f"m{n}", "at": LONG_AGO},
            )
            connection.execute(
                text(
                    "INSERT INTO member (id, commune_id, person_id, name, name_key, cooperative_id,"
                    " is_admin, is_treasurer, joined_at)"
                    " VALUES (:n, 1, :n, :user, :user, 1, false, false, :at)"
                ),
                {"n": n, "user": f"m{n}", "at": LONG_AGO},
            )
        for number in range(1, ISSUES + 1):
            connection.execute(
                text(
                    "INSERT INTO bond_issue (id, commune_id, number, cooperative_id, proposer_id,"
                    " asset, price, rent, deadline, created_at, status) VALUES (:n, 1, :n, 1, 1,"
                    " :asset, 100000000000, 1000, :deadline, :at, 'open')"
                ),
                {
                    "n": number,
                    "asset": f"asset{number}",
                    "deadline": NOW + timedelta(days=3650),
                    "at": LONG_AGO,
                },
            )
        if connection.dialect.name == "postgresql":
            for table in ("commune", "cooperative", "person", "account", "member", "bond_issue"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    return database


class Pledges:
    """Numbered /pledge messages from every member in turn, on every issue in turn."""

    def __init__(self) -> None:
        self.numbers = _MESSAGE_NUMBERS
        self.lock = threading.Lock()

    def next(self) -> Incoming:
        with self.lock:
            n = next(self.numbers)
        member = n % MEMBERS + 1
        return Incoming(
            platform="bench",
            message_id=f"p{n}",
            chat_id="group",
            chat_is_private=False,
            chat_title="group",
            user_id=f"m{member}",
            user_name=f"m{member}",
            text=f"/pledge {n % ISSUES + 1} 0.01",
        )


def measure_commands(database: Database, commands: int) -> Rates:
    dispatcher = Dispatcher(database.unit_of_work, lambda: NOW)
    pledges = Pledges()
    for _ in range(20):  # warm up: caches, connections, templates
        dispatcher.handle(pledges.next())

    def one() -> None:
        assert dispatcher.handle(pledges.next())

    rates = _measure(one, commands)
    with database.engine.connect() as connection:
        refused = connection.execute(
            text("SELECT count(*) FROM outbox WHERE template NOT IN ('pledged')")
        ).scalar_one()
    assert refused == 0, f"{refused} pledges were refused or failed"
    return rates


def measure_floor(database: Database, commands: int) -> Rates:
    """One INSERT + COMMIT per command on the driver's own connection, one per sender."""
    local = threading.local()
    numbers = _FLOOR_NUMBERS
    lock = threading.Lock()
    sqlite = database.engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    statement = (
        "INSERT INTO inbox (platform, external_id, received_at, payload, processed_at) "
        f"VALUES ('floor', {mark}, {mark}, NULL, {mark})"
    )
    stamp = "2027-03-01 12:00:00.000000" if sqlite else NOW
    connections = []

    def one() -> None:
        raw = getattr(local, "raw", None)
        if raw is None:
            raw = local.raw = database.engine.raw_connection()  # WAL, synchronous=FULL, …
            connections.append(raw)
        with lock:
            n = next(numbers)
        cursor = raw.cursor()
        if sqlite:
            cursor.execute("BEGIN IMMEDIATE")  # as every minga transaction on SQLite
        cursor.execute(statement, (f"f{n}", stamp, stamp))
        raw.commit()
        cursor.close()

    for _ in range(20):
        one()
    rates = _measure(one, commands)
    for raw in connections:
        raw.close()
    return rates


def _measure(one: Callable[[], None], commands: int) -> Rates:
    started = time.perf_counter()
    for _ in range(commands):
        one()
    sequential = commands / (time.perf_counter() - started)

    latencies: list[float] = []
    barrier = threading.Barrier(SENDERS)
    errors: list[BaseException] = []

    def sender() -> None:
        mine = []
        barrier.wait()
        try:
            for _ in range(commands // SENDERS):
                began = time.perf_counter()
                one()
                mine.append(time.perf_counter() - began)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        latencies.extend(mine)

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    cuts = statistics.quantiles(latencies, n=100)
    return Rates(sequential, len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000)
