"""The console adapter: a chat simulated line by line, for trying minga and for tests.

Input lines:
  <user>@<chat>: <text>    <user> says <text> in <chat> (``dm``: their private chat)
  :now <ISO 8601>          set the simulated clock (forward only)
  :advance <N>(s|m|h|d)    move the clock forward, running every job that falls due
  :admin <user> [<chat>]   make <user> a platform admin of <chat> (default ``group``)
  # …                      a comment

Output: ``[<chat>] <line>`` for a group, ``[dm <user>] <line>`` for a private
message, one output line per line of the message. The clock, the admins and a
run counter live in the database, so a later run continues the same commune.

Flood control is off unless ``flood`` is given (``minga console --flood``): a
script's lines all share one simulated instant, and setting up a commune takes
more than a burst of commands.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TextIO

from bot.clock import parse_duration, parse_moment, real_now
from bot.delivery import deliver_pending
from domain.flood import FloodLimit
from handlers.dispatch import Dispatcher
from handlers.incoming import Incoming
from handlers.jobs import DueItem, run_due
from storage.repositories.messaging import PendingMessage
from storage.uow import Database

PLATFORM = "console"
PRIVATE_CHAT = "dm"
_SAYS = re.compile(r"^(?P<user>[^\s@:]+)@(?P<chat>[^\s:]+):\s?(?P<text>.*)$")


class Console:
    def __init__(
        self,
        database: Database,
        out: TextIO = sys.stdout,
        err: TextIO = sys.stderr,
        before_commit: Callable[[DueItem], None] | None = None,
        flood: FloodLimit | None = None,
    ) -> None:
        self.database = database
        self.out, self.err = out, err
        self.before_commit = before_commit
        with database.unit_of_work() as uow:
            stored = uow.settings.get("console.clock")
            # Until the first :now (or the first message) the clock is unset, so a
            # script may start at any date, past or future.
            self.clock: datetime | None = parse_moment(stored) if stored else None
            self.run = int(uow.settings.get("console.runs") or 0) + 1
            uow.settings.set("console.runs", str(self.run))
            self.admins = {
                tuple(pair) for pair in json.loads(uow.settings.get("console.admins") or "[]")
            }
            uow.commit()
        self.dispatcher = Dispatcher(database.unit_of_work, self.now, flood)

    def now(self) -> datetime:
        """The simulated time; the real time, from then on simulated, if never set."""
        if self.clock is None:
            self.clock = real_now().replace(microsecond=0)
            self._save("console.clock", self.clock.isoformat())
        return self.clock

    # input -------------------------------------------------------------------------------
    def feed_lines(self, lines: Iterable[str]) -> None:
        for number, line in enumerate(lines, start=1):
            self.feed(line, number)

    def feed(self, line: str, number: int) -> None:
        line = line.rstrip("\n").strip()
        if not line or line.startswith("#"):
            return
        try:
            if line.startswith(":"):
                self._directive(line)
            else:
                self._says(line, number)
        except ValueError as error:
            print(f"line {number}: {error}", file=self.err)
        self.deliver()

    def _says(self, line: str, number: int) -> None:
        match = _SAYS.match(line)
        if match is None:
            raise ValueError("expected '<user>@<chat>: <text>', ':now', ':advance' or ':admin'")
        user, chat, text = match["user"], match["chat"], match["text"]
        private = chat == PRIVATE_CHAT
        self.dispatcher.handle(
            Incoming(
                platform=PLATFORM,
                message_id=f"{self.run}:{number}",
                chat_id=user if private else chat,
                chat_is_private=private,
                chat_title="" if private else chat,
                user_id=user,
                user_name=user,
                text=text,
                sender_is_platform_admin=(user, chat) in self.admins,
            )
        )

    def _directive(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        if word == ":now":
            moment = parse_moment(rest)
            if self.clock is not None and moment < self.clock:
                raise ValueError(f"the clock only moves forward (it is {self.clock.isoformat()})")
            self._move_clock(moment)
        elif word == ":advance":
            self._move_clock(self.now() + parse_duration(rest))
        elif word == ":admin":
            parts = rest.split()
            if len(parts) not in (1, 2):
                raise ValueError("use ':admin <user> [<chat>]'")
            self.admins.add((parts[0], parts[1] if len(parts) == 2 else "group"))
            self._save("console.admins", json.dumps(sorted(self.admins)))
        else:
            raise ValueError(f"unknown directive {word}")

    def _move_clock(self, moment: datetime) -> None:
        self.clock = moment
        self._save("console.clock", moment.isoformat())
        run_due(self.database.unit_of_work, moment, self.before_commit)

    def _save(self, key: str, value: str) -> None:
        with self.database.unit_of_work() as uow:
            uow.settings.set(key, value)
            uow.commit()

    # output ------------------------------------------------------------------------------
    def deliver(self) -> None:
        deliver_pending(self.database, PLATFORM, self._print, now_factory=self.now)

    def _print(self, message: PendingMessage, text: str) -> None:
        prefix = f"[dm {message.address}]" if message.is_private else f"[{message.address}]"
        for line in text.splitlines():
            print(f"{prefix} {line}", file=self.out)
        self.out.flush()
