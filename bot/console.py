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

A script run from a file (``script=``) names each line by the file's resolved
path, its line number and a hash of its text: the inbox then skips a message
already handled, and a ``:now`` or ``:advance`` already applied only finishes
whatever its jobs left undone. So a script killed part-way and run again from
the start carries on where it stopped instead of repeating what was committed.
Lines from stdin (or ``minga demo``) are named by run and line number instead.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.clock import check_moment, parse_duration, parse_moment, real_now
from bot.delivery import deliver_pending
from domain.due import DueWork
from domain.flood import FloodLimit
from handlers.attachments import Attachment
from handlers.dispatch import Dispatcher
from handlers.incoming import Incoming
from handlers.jobs import run_due
from storage.repositories.messaging import PendingMessage
from storage.uow import Database

PLATFORM = "console"
PRIVATE_CHAT = "dm"
_SAYS = re.compile(r"^(?P<user>[^\s@:]+)@(?P<chat>[^\s:]+):\s?(?P<text>.*)$")
_USER, _CHAT = re.compile(r"[^\s@:]{1,64}"), re.compile(r"[^\s:]{1,64}")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class Console:
    def __init__(
        self,
        database: Database,
        out: TextIO = sys.stdout,
        err: TextIO = sys.stderr,
        before_commit: Callable[[DueWork], None] | None = None,
        flood: FloodLimit | None = None,
        script: Path | None = None,
        files: Path | None = None,
    ) -> None:
        self.database = database
        self.files = files  # where sent files are written (``--files``); None: not kept
        # Where the lines come from, when they can be named again on a re-run.
        self.script = _digest(str(script.resolve())) if script is not None else None
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
            if "\x00" in line:
                raise ValueError("a NUL character: no chat sends one")
            if line.startswith(":"):
                self._directive(line, number)
            else:
                self._says(line, number)
        except (ValueError, OverflowError) as error:  # the line, not the commune, is wrong
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
                message_id=self._line_id(line, number),
                chat_id=user if private else chat,
                chat_is_private=private,
                chat_title="" if private else chat,
                user_id=user,
                user_name=user,
                text=text,
                sender_is_platform_admin=(user, chat) in self.admins,
            )
        )

    def _line_id(self, line: str, number: int) -> str:
        """The line's name: the same on a re-run of the same script, else new per run."""
        if self.script is None:
            return f"{self.run}:{number}"
        return f"{self.script}:{number}:{_digest(line)}"

    def _directive(self, line: str, number: int) -> None:
        word, rest = [*line.split(maxsplit=1), ""][:2]
        if word == ":now":
            self._move_clock(line, number, lambda: self._moment(rest))
        elif word == ":advance":
            self._move_clock(line, number, lambda: self.now() + parse_duration(rest))
        elif word == ":admin":
            parts = rest.split()
            if len(parts) not in (1, 2):
                raise ValueError("use ':admin <user> [<chat>]'")
            user, chat = parts[0], parts[1] if len(parts) == 2 else "group"
            if not (_USER.fullmatch(user) and _CHAT.fullmatch(chat) and rest.isprintable()):
                raise ValueError(f"not a user and chat as messages name them: {rest[:80]!r}")
            self.admins.add((user, chat))
            self._save("console.admins", json.dumps(sorted(self.admins)))
        else:
            raise ValueError(f"unknown directive {word[:40]!r}")

    def _moment(self, text: str) -> datetime:
        moment = parse_moment(text)
        if self.clock is not None and moment < self.clock:
            raise ValueError(f"the clock only moves forward (it is {self.clock.isoformat()})")
        return moment

    def _move_clock(self, line: str, number: int, target: Callable[[], datetime]) -> None:
        """Set the clock and run what falls due up to it.

        From a script, the moment is stored under the line's name in the same
        transaction as the clock: run again, the line does not move the clock a
        second time (an ``:advance`` would otherwise advance twice, a ``:now`` be
        refused as going backwards); it only runs what is still due up to that
        moment, which is nothing, or what a killed run left unfinished.
        """
        key = None if self.script is None else f"console.line:{self._line_id(line, number)}"
        stored = self._setting(key) if key else None
        if stored is not None:
            moment = parse_moment(stored)
        else:
            moment = check_moment(target(), self.clock)
            with self.database.unit_of_work() as uow:
                uow.settings.set("console.clock", moment.isoformat())
                if key:
                    uow.settings.set(key, moment.isoformat())
                uow.commit()
            self.clock = moment
        run_due(self.database.unit_of_work, moment, self.before_commit)

    def _setting(self, key: str) -> str | None:
        with self.database.unit_of_work() as uow:
            return uow.settings.get(key)

    def _save(self, key: str, value: str) -> None:
        with self.database.unit_of_work() as uow:
            uow.settings.set(key, value)
            uow.commit()

    # output ------------------------------------------------------------------------------
    def deliver(self) -> None:
        deliver_pending(
            self.database, PLATFORM, self._print, now_factory=self.now, send_file=self._file
        )

    def _file(self, message: PendingMessage, text: str, attachment: Attachment) -> None:
        """The caption, then ``📎 name (N bytes)``; the file itself under ``files``."""
        self._print(message, text)
        self._print(message, f"📎 {attachment.filename} ({len(attachment.data)} bytes)")
        if self.files is not None:
            folder = self.files / (
                f"dm-{message.address}" if message.is_private else message.address
            )
            folder.mkdir(parents=True, exist_ok=True)
            (folder / attachment.filename).write_bytes(attachment.data)

    def _print(self, message: PendingMessage, text: str) -> None:
        prefix = f"[dm {message.address}]" if message.is_private else f"[{message.address}]"
        for line in text.splitlines():
            print(f"{prefix} {line}", file=self.out)
        self.out.flush()
