"""tests/harness.py's ConsoleChat, in memory: the same lines in, the same lines out.

``MemoryChat`` drives the real handlers.dispatch.Dispatcher and handlers.jobs.run_due
with tests/fakes.py's FakeUnitOfWork instead of a database, and prints the outbox as
bot/console.py does (handlers.rendering.render, ``[<chat>]`` or ``[dm <user>]``). For
tests whose point is a rule of the commune, not how storage keeps it: they run in
milliseconds, once, instead of on SQLite and PostgreSQL.

It reads ``<user>@<chat>: <text>``, ``:now``, ``:advance`` and ``:admin`` like the
console (bot/console.py is the reference); a line the console would reject raises
here, since a test that types one means something else. A clock move that would
run a period clearing raises too: clearings are storage's, tested on the databases.
"""

from __future__ import annotations

import copy
import itertools
import re
from datetime import datetime

from fakes import MemoryStore

from bot.clock import check_moment, parse_duration, parse_moment
from domain.due import PeriodClearing
from handlers.dispatch import Dispatcher
from handlers.incoming import Incoming
from handlers.jobs import due_items, run_due
from handlers.rendering import render

PLATFORM, PRIVATE_CHAT = "console", "dm"
_SAYS = re.compile(r"^(?P<user>[^\s@:]+)@(?P<chat>[^\s:]+):\s?(?P<text>.*)$")


class _Clock:
    """What tests set on ``chat.console.clock`` for a ConsoleChat, settable alike."""

    def __init__(self) -> None:
        self.clock: datetime | None = None

    def now(self) -> datetime:
        if self.clock is None:
            raise ValueError("set the clock with ':now' first: a memory chat has no real time")
        return self.clock


class MemoryChat:
    def __init__(self) -> None:
        self.store = MemoryStore()
        self.console = _Clock()
        self.admins: set[tuple[str, str]] = set()
        self.dispatcher = Dispatcher(self.store.unit_of_work, self.console.now)
        self._ids = itertools.count(1)

    def say(self, *lines: str) -> list[str]:
        """Feed lines; return the bot's output lines they caused."""
        produced: list[str] = []
        for line in lines:
            line = line.strip()
            if line and not line.startswith("#"):
                self._feed(line)
            produced.extend(self._deliver())
        return produced

    def script(self, text_block: str) -> list[str]:
        return self.say(*text_block.strip().splitlines())

    def snapshot(self) -> dict[str, object]:
        """The commune's state, to prove a refusal changed nothing (harness.domain_snapshot)."""
        return copy.deepcopy(self.store.tables.domain())

    def close(self) -> None:
        """Nothing to release: the chat's state goes with it."""

    # input --------------------------------------------------------------------------------
    def _feed(self, line: str) -> None:
        if line.startswith(":"):
            word, _, rest = line.partition(" ")
            if word == ":admin":
                user, chat = [*rest.split(), "group"][:2]
                self.admins.add((user, chat))
            elif word in (":now", ":advance"):
                clock = self.console.clock
                if word == ":now":
                    moment = parse_moment(rest)
                else:
                    moment = self.console.now() + parse_duration(rest)
                if clock is not None and moment < clock:
                    raise ValueError(f"the clock only moves forward (it is {clock.isoformat()})")
                self._run_due(check_moment(moment, clock))
            else:
                raise ValueError(f"unknown directive {line!r}")
            return
        match = _SAYS.match(line)
        if match is None:
            raise ValueError(f"not a console line: {line!r}")
        user, chat, text = match["user"], match["chat"], match["text"]
        private = chat == PRIVATE_CHAT
        self.dispatcher.handle(
            Incoming(
                platform=PLATFORM,
                message_id=str(next(self._ids)),
                chat_id=user if private else chat,
                chat_is_private=private,
                chat_title="" if private else chat,
                user_id=user,
                user_name=user,
                text=text,
                sender_is_platform_admin=(user, chat) in self.admins,
            )
        )

    def _run_due(self, moment: datetime) -> None:
        with self.store.unit_of_work() as uow:
            if any(isinstance(item, PeriodClearing) for item in due_items(uow, moment)):
                raise NotImplementedError(
                    f"{moment.isoformat()} is past a period's end: its clearing is storage's "
                    "to test, on the databases (the chat fixture)"
                )
        self.console.clock = moment
        run_due(self.store.unit_of_work, moment, None)

    # output -------------------------------------------------------------------------------
    def _deliver(self) -> list[str]:
        printed = []
        for row in self.store.tables.outbox:
            message = row.message
            if row.delivered or message.address.platform != PLATFORM:
                continue
            row.delivered = True
            address = message.address
            prefix = f"[dm {address.address}]" if address.is_private else f"[{address.address}]"
            text = render(message.template, message.locale, message.context)
            printed.extend(f"{prefix} {line}" for line in text.splitlines())
        return printed
