"""A deterministic simulation of minga under faults, in the spirit of TigerBeetle's VOPR.

From one seed: two or three communes, each with its own group chat and a pool of
members, and a random sequence of steps. A step sends a command (well formed or not,
allowed or not, in the group or by DM), queues one for later, delivers the queue
reordered, redelivers an update already handled, moves the clock (a minute to three
months) and runs the due work, or lets a fake deliverer claim outbox messages that
succeed, fail with 403 or 429, or time out. Any commit may crash the process just
before or just after it really commits; the process then restarts on the same
database and the platform redelivers what was in flight. With ``processes=2`` two
handles on one database (the second with a clock running behind) take turns.

After every step the invariants of ``minga check`` hold (``find_discrepancies``, the
same code), no handler or job logged an error, a redelivered update changed nothing,
and no delivered message was claimed again. At the end, with the faults over,
everything still queued gets delivered.

A failure raises ``SimulationFailure`` with the one line that replays the seed and the
last steps. A long soak::

    .venv/bin/python -m tests.simulation --seeds 1000 --steps 1000 --db sqlite
    .venv/bin/python -m tests.simulation --seed 1234 --steps 300 --db sqlite   # one seed
"""

from __future__ import annotations

import argparse
import collections
import logging
import math
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, text

from handlers.check import find_discrepancies
from handlers.dispatch import Dispatcher
from handlers.incoming import Incoming
from handlers.jobs import run_due
from handlers.rendering import render
from storage.engine import is_sqlite
from storage.uow import Database, SqlUnitOfWork

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import domain_snapshot  # tests/ is not a package: found by the line above

PLATFORM = "console"
LEASE = timedelta(minutes=5)  # how long a delivery claim lasts
HISTORY = 30  # steps shown when a seed fails
CRASH_CHANCE = 0.015  # per commit
COOPS = ("Tierra", "Pan", "Forja")
ZONES = ("Europe/Madrid", "UTC", "America/Bogota", "Asia/Tokyo")
CURRENCIES = ("EUR", "EUR", "USD", "JPY")


class SimulatedCrash(BaseException):
    """The process dies at a commit. BaseException: no handler may catch it, as none
    could catch a SIGKILL; ``committed`` says whether the transaction got through."""

    def __init__(self, committed: bool) -> None:
        super().__init__("after commit" if committed else "before commit")
        self.committed = committed


class SimulationFailure(AssertionError):
    pass


# --- totals, for the pytest summary (tests/conftest.py) ---------------------------------

TALLY: collections.Counter[tuple[str, int]] = collections.Counter()  # (db, steps): seeds
CRASHES = [0]


def summary(tally: Mapping[tuple[str, int], int] | None = None, crashes: int | None = None) -> str:
    """One line: what was simulated, e.g. 'sqlite 40 seeds x 300 steps, ...'; by default
    this process's own, or what the test run's workers added up (tests/conftest.py)."""
    tally = TALLY if tally is None else tally
    crashes = CRASHES[0] if crashes is None else crashes
    parts = [f"{db} {seeds} seeds x {steps} steps" for (db, steps), seeds in sorted(tally.items())]
    total = sum(seeds * steps for (_, steps), seeds in tally.items())
    return f"{', '.join(parts)} ({total} steps, {crashes} simulated crashes)"


# --- processes ------------------------------------------------------------------------


class CrashingUnitOfWork(SqlUnitOfWork):
    """A unit of work whose commit the simulation may interrupt, before or after."""

    def __init__(self, database: Database, sim: Simulation) -> None:
        super().__init__(database.engine, database.writer)
        self.sim = sim

    def commit(self) -> None:
        where = self.sim.crash_point()
        if where == "before":
            raise SimulatedCrash(committed=False)
        super().commit()
        if where == "after":
            raise SimulatedCrash(committed=True)


class Process:
    """One running minga: its own engine, dispatcher and (maybe late) clock."""

    def __init__(self, sim: Simulation, number: int, lag: timedelta) -> None:
        self.sim, self.number, self.lag = sim, number, lag
        self.database = open_database(sim.url)
        self.dispatcher = Dispatcher(self.unit_of_work, self.now)

    def unit_of_work(self) -> CrashingUnitOfWork:
        return CrashingUnitOfWork(self.database, self.sim)

    def now(self) -> datetime:
        return self.sim.now - self.lag


def open_database(url: str) -> Database:
    database = Database(url)
    if is_sqlite(url):
        # Durability against power loss is not what this test is about (its crashes
        # are in-process), and fsync per commit would take most of its budget.
        event.listen(database.engine, "connect", _no_fsync)
        database.engine.dispose()
    return database


def _no_fsync(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA synchronous=OFF")


# --- the model: what the simulation knows of each commune ----------------------------


@dataclass
class Commune:
    number: int
    name: str
    chat: str
    currency: str
    zone: str
    founder: str
    users: list[str]
    proposed: int = 0
    assemblies: int = 0
    motions: int = 0


@dataclass
class Update:
    msg: Incoming
    committed: bool = False  # handled already (a crash after its commit): must be a no-op
    label: str = ""


@dataclass
class Simulation:
    seed: int
    steps: int
    url: str
    processes: int = 1
    rng: random.Random = field(init=False)
    faults: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.faults = random.Random(self.seed * 7919 + 1)
        self.now = datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(
            days=self.rng.randrange(800), minutes=self.rng.randrange(1440)
        )
        self.crashing = False  # no crash while setting up or checking
        self.crashes = 0
        self.history: collections.deque[str] = collections.deque(maxlen=HISTORY)
        self.step_number = 0
        self.message_numbers = iter(range(1, 10**9))
        self.pending: list[Update] = []
        self.handled: list[Incoming] = []
        self.delivered: set[int] = set()
        self.languages: dict[str, str] = {}
        self.errors: list[str] = []
        self._current = 0  # the process taking this step
        lags = [timedelta(0), timedelta(minutes=self.rng.randrange(1, 180))]
        self.procs = [Process(self, n, lags[n]) for n in range(self.processes)]
        self.communes = [self._commune(n) for n in range(self.rng.randint(2, 3))]

    def _commune(self, n: int) -> Commune:
        size = self.rng.randint(4, 15)
        users = [f"c{n}u{i}" for i in range(size)]
        return Commune(
            n,
            f"Commune{n}",
            f"g{n}",
            self.rng.choice(CURRENCIES),
            self.rng.choice(ZONES),
            users[0],
            users,
        )

    # running -----------------------------------------------------------------------

    def run(self) -> int:
        watcher = _ErrorWatcher(self.errors)
        logging.getLogger().addHandler(watcher)
        try:
            self._setup()
            for _ in range(self.steps):
                self.step_number += 1
                self._step()
                self._check()
            self._drain()
            self._check()
        finally:
            logging.getLogger().removeHandler(watcher)
            for proc in self.procs:
                proc.database.dispose()
        db = "sqlite" if is_sqlite(self.url) else "postgres"
        TALLY[(db if self.processes == 1 else f"{db}/2 processes", self.steps)] += 1
        CRASHES[0] += self.crashes
        return self.steps

    def _setup(self) -> None:
        for commune in self.communes:
            founder = commune.founder
            self._send(
                founder,
                commune.chat,
                f"/setup {commune.name} {commune.currency} {commune.zone}",
                admin=True,
            )
            for coop in COOPS[: self.rng.randint(1, 3)]:
                self._send(founder, commune.chat, f"/coop new {coop}")
            self._send(founder, commune.chat, f"/join {COOPS[0]}")
            for user in commune.users[1:]:
                if self.rng.random() < 0.7:
                    coop = self.rng.choice(["", *COOPS[:2]])
                    self._send(user, commune.chat, f"/join {coop}".strip())
        self.crashing = True

    def _step(self) -> None:
        actions: list[tuple[int, Callable[[], None]]] = [
            (55, self._command),
            (6, self._queue),
            (6, self._flush),
            (6, self._duplicate),
            (9, self._advance),
            (14, self._deliver),
            (1, self._restart_one),
        ]
        action = self.rng.choices([a for _, a in actions], [w for w, _ in actions])[0]
        self._current = self.rng.randrange(self.processes)
        for _attempt in range(50):
            try:
                action()
                return
            except SimulatedCrash as crash:
                self.crashes += 1
                self._note(f"  crash {crash} in p{self._current}: restart, redeliver in flight")
                self._restart(self._current)
                action = self._recover
        raise self._failure("a restarted process kept crashing")

    def _recover(self) -> None:
        """What a restarted process does first: run the due work; in flight goes back."""
        proc = self.procs[self._current]
        run_due(proc.unit_of_work, proc.now())
        self._flush()

    def _restart(self, n: int) -> None:
        self.procs[n].database.dispose()
        self.procs[n] = Process(self, n, self.procs[n].lag)

    def _restart_one(self) -> None:
        self._note("restart (no crash)")
        self._restart(self._current)

    def crash_point(self) -> str | None:
        if not self.crashing or self.faults.random() >= CRASH_CHANCE:
            return None
        return self.faults.choice(("before", "after"))

    # commands ----------------------------------------------------------------------

    def _incoming(self, user: str, chat: str, text_: str, admin: bool = False) -> Incoming:
        private = chat == "dm"
        chat_id, title = (user, "") if private else (chat, chat)
        number = next(self.message_numbers)
        # in Incoming's field order: platform, id, chat, private, user, name, text, title
        fields = (PLATFORM, f"m{number}", chat_id, private, user, user, text_, title)
        return Incoming(*fields, sender_is_platform_admin=admin)

    def _send(self, user: str, chat: str, text_: str, admin: bool = False) -> None:
        self._handle(Update(self._incoming(user, chat, text_, admin)))

    def _handle(self, update: Update) -> None:
        msg = update.msg
        proc = self.procs[self._current]
        where = "dm" if msg.chat_is_private else msg.chat_id
        self._note(f"p{proc.number} {msg.message_id} {msg.user_id}@{where}: {msg.text}")
        try:
            acted = proc.dispatcher.handle(msg)
        except SimulatedCrash as crash:
            update.committed = update.committed or crash.committed
            self.pending.insert(0, update)  # unacknowledged: the platform sends it again
            raise
        if update.committed and acted:
            raise self._failure(f"update {msg.message_id} was acted on twice")
        self.handled.append(msg)

    def _command(self) -> None:
        commune = self.rng.choice(self.communes)
        user, chat, text_ = self._random_command(commune)
        self._send(user, chat, text_)
        if text_.startswith("/assembly new"):  # an agenda, as an admin would add at once
            for _ in range(self.rng.randint(0, 3)):
                self._send(user, chat, self._motion(commune))

    def _queue(self) -> None:
        commune = self.rng.choice(self.communes)
        user, chat, text_ = self._random_command(commune)
        update = Update(self._incoming(user, chat, text_))
        self._note(f"queue {update.msg.message_id} {user}@{chat}: {text_}")
        self.pending.append(update)

    def _flush(self) -> None:
        if len(self.pending) >= 2 and self.rng.random() < 0.5:
            i = self.rng.randrange(len(self.pending) - 1)
            self.pending[i], self.pending[i + 1] = self.pending[i + 1], self.pending[i]
            self._note(f"reorder pending {i} and {i + 1}")
        while self.pending:
            self._handle(self.pending.pop(0))

    def _duplicate(self) -> None:
        if not self.handled:
            return
        msg = self.rng.choice(self.handled)
        proc = self.procs[self._current]
        self._note(f"p{proc.number} redeliver {msg.message_id}")
        before = self._snapshot()
        self.crashing = False  # the inbox alone must make this a no-op
        try:
            acted = proc.dispatcher.handle(msg)
        finally:
            self.crashing = True
        if acted or self._snapshot() != before:
            raise self._failure(f"redelivered update {msg.message_id} changed something")

    def _snapshot(self) -> tuple[dict[str, list[tuple]], int]:
        database = self.procs[0].database
        with database.engine.connect() as connection:
            outbox = connection.execute(text("SELECT count(*) FROM outbox")).scalar_one()
        return domain_snapshot(database), outbox

    def _random_command(self, commune: Commune) -> tuple[str, str, str]:
        """Who says what where: mostly members in their group, the founder (admin and
        treasurer) for what needs a role, and a share of strangers and wrong chats."""
        rng = self.rng
        pool = commune.users
        kinds: list[tuple[int, bool, Callable[[], str]]] = [  # weight, needs a role, text
            (4, False, lambda: rng.choice(["/join", f"/join {rng.choice(COOPS)}"])),
            (1, False, lambda: "/leave"),
            (1, True, lambda: f"/coop new {rng.choice(COOPS)}"),
            (6, False, lambda: self._propose(commune)),
            (16, False, lambda: self._pledge(commune, user)),
            (2, False, lambda: f"/unpledge {self._bond(commune, 'open')}"),
            (1, False, lambda: f"/withdraw {self._bond(commune, 'open')}"),
            (
                8,
                True,
                lambda: (
                    f"/rent {self._bond(commune, 'cleared')} "
                    f"{self._amount(user, rng.choice([1, 5000, 33333, 10**6]))}"
                ),
            ),
            (
                2,
                True,
                lambda: (
                    f"/sold {self._bond(commune, 'cleared')} "
                    f"{self._amount(user, rng.choice([1, 50000, 10**6]))}"
                ),
            ),
            (
                2,
                True,
                lambda: f"/role {rng.choice(pool)} {rng.choice(['treasurer', 'admin', 'member'])}",
            ),
            (3, True, lambda: self._assembly(commune)),
            (4, True, lambda: self._motion(commune)),
            (
                10,
                False,
                lambda: (
                    f"/vote {self._motion_number(commune)} {rng.choice(['yes', 'no', 'abstain'])}"
                ),
            ),
            (3, False, lambda: f"/delegate {rng.choice(pool)}"),
            (1, False, lambda: "/undelegate"),
            (1, True, lambda: f"/present {rng.choice(pool)}"),
            (4, False, lambda: rng.choice(["/statement", f"/statement {self._month()}"])),
            (3, False, lambda: "/ledger"),
            (
                2,
                False,
                lambda: rng.choice(
                    [
                        "/bonds",
                        f"/bond {self._bond(commune, None)}",
                        "/assemblies",
                        f"/assembly {max(1, commune.assemblies)}",
                    ]
                ),
            ),
            (1, False, lambda: rng.choice(["/help", "/help pledge", "/coop"])),
            (1, False, lambda: self._lang(user)),
            (6, False, lambda: self._malformed(self._bond(commune, None))),
            (
                3,
                False,
                lambda: rng.choice(
                    [
                        "hello",
                        "1000",
                        "Tractor",
                        "2h",
                        "yes",
                        "done",
                        "/cancel",
                        "/propose",
                        "/assembly",
                    ]
                ),
            ),
        ]
        _, role, make = rng.choices(kinds, [k[0] for k in kinds])[0]
        if role and rng.random() < 0.75:
            user = commune.founder
        elif rng.random() < 0.95:
            user = rng.choice(pool)
        else:
            user = rng.choice(("zed", self.rng.choice(self.communes).founder))  # a stranger
        chat = "dm" if rng.random() < 0.12 else commune.chat
        if rng.random() < 0.03:
            chat = rng.choice([c.chat for c in self.communes])  # maybe another commune's
        return user, chat, make()

    def _bond(self, commune: Commune, status: str | None) -> int:
        """Mostly a bond in ``status`` (any when None), sometimes any number at all."""
        numbers = self._bonds(commune, status)
        if numbers and self.rng.random() < 0.85:
            return self.rng.choice(numbers)
        return self.rng.randint(1, commune.proposed + 1)

    def _motion_number(self, commune: Commune) -> int:
        """Mostly a motion whose vote is open."""
        with self.procs[0].database.engine.connect() as connection:
            numbers = list(
                connection.execute(
                    text(
                        "SELECT m.number FROM motion m JOIN assembly a ON a.id = m.assembly_id"
                        " JOIN commune c ON c.id = m.commune_id WHERE c.name = :name"
                        " AND a.status = 'open' ORDER BY 1"
                    ),
                    {"name": commune.name},
                ).scalars()
            )
        if numbers and self.rng.random() < 0.9:
            return self.rng.choice(numbers)
        return self.rng.randint(1, commune.motions + 1)

    def _bonds(self, commune: Commune, status: str | None) -> list[int]:
        with self.procs[0].database.engine.connect() as connection:
            return list(
                connection.execute(
                    text(
                        "SELECT b.number FROM bond_issue b JOIN commune c"
                        " ON c.id = b.commune_id WHERE c.name = :name"
                        " AND (b.status = :status OR :status IS NULL) ORDER BY 1"
                    ),
                    {"name": commune.name, "status": status},
                ).scalars()
            )

    def _amount(self, user: str, minor: int) -> str:
        """``minor`` hundredths written the way ``user``'s language reads them."""
        whole, cents = divmod(minor, 100)
        separator = "," if self.languages.get(user) in ("es", "ca") else "."
        return f"{whole}{separator}{cents:02d}" if cents else str(whole)

    def _pledge(self, commune: Commune, user: str) -> str:
        rng = self.rng
        bond = self._bond(commune, "open")
        remaining = self._remaining(commune, bond) if rng.random() < 0.5 else None
        if remaining and commune.currency == "JPY":
            amount = str(remaining)
        elif remaining:
            share = remaining if rng.random() < 0.6 else max(1, remaining // 3)
            amount = self._amount(user, share)
        else:
            amount = self._amount(user, rng.choice([100, 5000, 10000, 33333, 10**6]))
        return f"/pledge {bond} {amount}"

    def _remaining(self, commune: Commune, bond: int) -> int | None:
        with self.procs[0].database.engine.connect() as connection:
            return connection.execute(
                text(
                    "SELECT b.price - b.pledged FROM bond_issue b JOIN commune c"
                    " ON c.id = b.commune_id WHERE c.name = :name AND b.number = :number"
                    " AND b.status = 'open'"
                ),
                {"name": commune.name, "number": bond},
            ).scalar()

    def _propose(self, commune: Commune) -> str:
        rng = self.rng
        commune.proposed += 1
        deadline = (self.now + timedelta(days=rng.randint(-2, 75))).date().isoformat()
        price = rng.choice(["100", "1000", "2500", "99999", "10"])
        rent = rng.choice(["10", "50", "333", "1"])
        asset = rng.choice(["Tractor", '"Bread oven"', "Van", "Mill"])
        return f"/propose {asset} {price} {rent} {deadline}"

    def _local(self, commune: Commune, delta: timedelta) -> str:
        moment = (self.now + delta).astimezone(ZoneInfo(commune.zone))
        return moment.strftime("%Y-%m-%dT%H:%M")

    def _assembly(self, commune: Commune) -> str:
        rng = self.rng
        commune.assemblies += 1
        opens = self._local(commune, timedelta(minutes=rng.randint(-30, 240)))
        closes = rng.choice(["90m", "3d", "1d", "2d"])
        extra = rng.choice(["", " quorum 50%", " secret", " every 1w", " binding"])
        return f'/assembly new "Assembly {commune.assemblies}" {opens} {closes}{extra}'

    def _motion(self, commune: Commune) -> str:
        """A text motion, or one that ends a lease or lets an ended one again."""
        commune.motions += 1
        rng = self.rng
        threshold = rng.choice(["", " two-thirds", " consensus", " majority"])
        latest = max(1, self._latest_assembly(commune) or commune.assemblies)
        kind = rng.random()
        if kind < 0.2:
            return f"/motion {latest} end lease {self._bond(commune, 'cleared')}"
        if kind < 0.3:
            rent = rng.choice(["50", "333", "1"])
            bond = self._bond(commune, "cleared")
            return f"/motion {latest} relet {bond} {rng.choice(COOPS)} {rent}"
        return f'/motion {latest} "Motion"{threshold}'

    def _latest_assembly(self, commune: Commune) -> int | None:
        with self.procs[0].database.engine.connect() as connection:
            return connection.execute(
                text(
                    "SELECT max(a.number) FROM assembly a JOIN commune c"
                    " ON c.id = a.commune_id WHERE c.name = :name"
                ),
                {"name": commune.name},
            ).scalar()

    def _month(self) -> str:
        moment = self.now - timedelta(days=self.rng.randint(-40, 400))
        return f"{moment.year}-{moment.month:02d}"

    def _lang(self, user: str) -> str:
        language = self.rng.choice(["en", "es", "ca"])
        self.languages[user] = language
        return f"/lang {language}"

    def _malformed(self, bond: int) -> str:
        return self.rng.choice(
            [
                "/pledge",
                "/pledge x y",
                f"/pledge {bond} -5",
                f"/pledge {bond} 1e9999",
                f"/pledge {bond} 99999999999999999999999",
                "/rent 1 -1",
                "/rent",
                '/propose "unterminated 100 1 2027-01-01',
                "/propose Tractor 0 0 1999-01-01",
                "/vote 99999999999999999999 yes",
                "/vote 1 maybe",
                "/statement 2026-13",
                "/nonsense",
                "/setup Other EUR",
                "/delegate",
                "/role",
                "/motion 1",
                "/assembly new x 9999-99-99T99:99 2h",
                f"/pledge {bond} 1.50",
                "/join \u200b",
                "/bond 0",
                "/lang xx",
                "/" + "a" * 300,
            ]
        )

    # the clock and the scheduler ---------------------------------------------------

    def _advance(self) -> None:
        low, high = (60, 12 * 3600) if self.rng.random() < 0.75 else (12 * 3600, 62 * 86400)
        seconds = math.exp(self.rng.uniform(math.log(low), math.log(high)))
        self.now += timedelta(seconds=int(seconds))
        proc = self.procs[self._current]
        self._note(
            f"p{proc.number} clock +{timedelta(seconds=int(seconds))} -> "
            f"{self.now.isoformat()}; run due"
        )
        run_due(proc.unit_of_work, proc.now())

    # delivery ----------------------------------------------------------------------

    def _deliver(self) -> None:
        proc = self.procs[self._current]
        limit = self.rng.randint(1, 40)
        with proc.unit_of_work() as uow:
            claimed = uow.outbox.claim(PLATFORM, self.now, LEASE, limit)
            uow.commit()
        again = [m.id for m in claimed if m.id in self.delivered]
        if again:
            raise self._failure(f"delivered messages claimed again: {again[:10]}")
        sent, later = [], []
        outcomes = collections.Counter()
        for message in claimed:
            outcome = self.faults.choices(("ok", "403", "429", "timeout"), (80, 5, 7, 8))[0]
            outcomes[outcome] += 1
            if outcome == "ok":
                render(message.template, message.locale, message.context)
                sent.append(message.id)
            elif outcome == "403":
                later.append((message.id, self.now + timedelta(days=1)))
            elif outcome == "429":
                later.append((message.id, self.now + timedelta(seconds=self.faults.randint(1, 60))))
        self._note(f"p{proc.number} deliver: claimed {len(claimed)} {dict(outcomes)}")
        try:
            with proc.unit_of_work() as uow:
                uow.outbox.mark_delivered(sent, self.now)
                for message_id, not_before in later:
                    uow.outbox.release([message_id], not_before)
                uow.commit()
        except SimulatedCrash as crash:
            if crash.committed:
                self.delivered.update(sent)
            raise
        self.delivered.update(sent)

    def _drain(self) -> None:
        """The faults are over: a day later, everything still queued goes out."""
        self.crashing = False
        self.now += timedelta(days=2)
        self._current = 0
        self._flush()
        proc = self.procs[0]
        run_due(proc.unit_of_work, proc.now())
        self._note("drain: deliver everything")
        for _ in range(1000):
            with proc.unit_of_work() as uow:
                claimed = uow.outbox.claim(PLATFORM, self.now, LEASE, 500)
                for message in claimed:
                    render(message.template, message.locale, message.context)
                uow.outbox.mark_delivered([m.id for m in claimed], self.now)
                uow.commit()
            if not claimed:
                return
        raise self._failure("the outbox never emptied")

    # checks ------------------------------------------------------------------------

    def _check(self) -> None:
        if self.errors:
            raise self._failure("an error was logged:\n" + self.errors[0])
        with self.procs[0].database.unit_of_work() as uow:
            found = find_discrepancies(uow, commune_id=None)
        if found:
            raise self._failure("minga check finds:\n" + "\n".join(d.line() for d in found[:20]))

    def _note(self, line: str) -> None:
        self.history.append(f"[{self.step_number}] {line}")

    def replay_command(self) -> str:
        db = "sqlite" if is_sqlite(self.url) else "postgres"
        return (
            f".venv/bin/python -m tests.simulation --seed {self.seed} --steps {self.steps} "
            f"--db {db} --processes {self.processes}"
        )

    def _failure(self, what: str) -> SimulationFailure:
        return SimulationFailure(
            f"seed {self.seed} failed at step {self.step_number}: {what}\n"
            f"replay: {self.replay_command()}\n"
            f"last steps:\n" + "\n".join(self.history)
        )


class _ErrorWatcher(logging.Handler):
    """Any error minga logs (a handler's exception, a failed job) fails the seed."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.errors = errors

    def emit(self, record: logging.LogRecord) -> None:
        self.errors.append(self.format(record))


# --- databases ------------------------------------------------------------------------

_templates: dict[str, Path] = {}


def sqlite_url(directory: Path, seed: int) -> str:
    """A migrated SQLite file for one seed: a copy of one migrated once per run."""
    template = _templates.get(str(directory))
    if template is None:
        template = directory / "template.sqlite"
        Database(f"sqlite:///{template}").dispose()
        _templates[str(directory)] = template
    path = directory / f"seed-{seed}.sqlite"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


def simulate(seed: int, steps: int, url: str, processes: int = 1) -> int:
    return Simulation(seed, steps, url, processes).run()


# --- the command line: a soak, or one seed replayed ---------------------------------


@contextmanager
def _urls(db: str, directory: Path) -> Iterator[Callable[[int], str]]:
    if db == "sqlite":
        yield lambda seed: sqlite_url(directory, seed)
        return
    if db != "postgres":
        yield lambda seed: db  # a URL: the caller's own (empty) database
        return
    from postgres import ThrowawayPostgres

    pg = ThrowawayPostgres()
    pg.start()
    try:
        yield lambda seed: pg.create_database(f"sim_{seed}")
    finally:
        pg.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, help="replay this one seed")
    parser.add_argument("--seeds", type=int, default=100, help="seeds 1..N (a soak)")
    parser.add_argument("--first", type=int, default=1, help="the soak's first seed")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--processes", type=int, choices=(1, 2), default=1)
    parser.add_argument("--db", default="sqlite", help="sqlite, postgres, or a URL")
    args = parser.parse_args(argv)
    seeds = [args.seed] if args.seed is not None else range(args.first, args.first + args.seeds)
    started = time.monotonic()
    failed = 0
    with tempfile.TemporaryDirectory() as tmp, _urls(args.db, Path(tmp)) as url_for:
        for seed in seeds:
            try:
                simulate(seed, args.steps, url_for(seed), args.processes)
            except SimulationFailure as failure:
                failed += 1
                print(failure, file=sys.stderr)
    print(f"simulated {summary()} in {time.monotonic() - started:.0f}s; {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
