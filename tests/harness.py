"""Driving minga through its console adapter in-process, for scenario tests.

``ConsoleChat`` feeds console lines and returns what the bot printed, so a test
reads like a chat transcript. ``domain_snapshot`` dumps every table that holds
the commune's state, to prove that a refusal changed nothing.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from sqlalchemy import text

from bot.console import Console
from handlers.incoming import Incoming
from storage.uow import Database

# The commune's own state; inbox, outbox, accounts and settings are plumbing that
# a refused command may still touch (it is recorded, and answered).
DOMAIN_TABLES = (
    "commune",
    "chat",
    "cooperative",
    "member",
    "bond_issue",
    "pledge",
    "holding",
    "rent_receipt",
    "clearing",
    "clearing_lease",
    "clearing_member",
    "journal_entry",
    "journal_posting",
    "conversation",
    "assembly",
    "motion",
    "motion_support",
    "assembly_voter",
    "vote",
    "delegation",
    "pledge_payment",
    "policy",
    "change_record",
    "lease_term",
    "asset_sale",
    "asset_sale_line",
    "fund_grant",
    "clearing_owed",
    "payout",
)


class ConsoleChat:
    def __init__(self, url: str) -> None:
        self.url = url
        self.database = Database(url)
        self.out = io.StringIO()
        self.err = io.StringIO()
        self.console = Console(self.database, self.out, self.err)
        self._line = 0

    def say(self, *lines: str) -> list[str]:
        """Feed lines; return the bot's output lines they caused."""
        start = self.out.tell()
        for line in lines:
            self._line += 1
            self.console.feed(line, self._line)
        self.out.seek(start)
        produced = self.out.read().splitlines()
        self.out.seek(0, io.SEEK_END)
        return produced

    def script(self, text_block: str) -> list[str]:
        return self.say(*[line for line in text_block.strip().splitlines()])

    def restart(self) -> ConsoleChat:
        """A new process on the same database: a fresh console and engine."""
        self.database.dispose()
        return ConsoleChat(self.url)

    def snapshot(self) -> dict[str, list[tuple]]:
        return domain_snapshot(self.database)

    def close(self) -> None:
        self.database.dispose()


def says(user: str, text_: str, message_id: str, chat: str = "group") -> Incoming:
    """A message in a group chat, straight to a Dispatcher (no console in between)."""
    return Incoming(
        platform="console",
        message_id=message_id,
        chat_id=chat,
        chat_is_private=False,
        chat_title=chat,
        user_id=user,
        user_name=user,
        text=text_,
    )


def domain_snapshot(
    database: Database, tables: Iterable[str] = DOMAIN_TABLES
) -> dict[str, list[tuple]]:
    with database.engine.connect() as connection:
        return {
            table: [
                tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY 1"))
            ]
            for table in tables
        }


# Terra for assemblies: ana admin; ben, cai, dee members, no cooperatives.
ASSEMBLY_COMMUNE = """
:now 2027-01-25T09:00:00Z
:admin ana group
ana@group: /setup Terra EUR Europe/Madrid
ben@group: /join
cai@group: /join
dee@group: /join
"""

TERRA_SETUP = """
:now 2026-12-01T09:00:00Z
:admin ana group
ana@group: /setup Terra EUR Europe/Madrid
ana@group: /coop new Tierra
ana@group: /coop new Pan
ana@group: /join Tierra
ben@group: /join Tierra
cai@group: /join Pan
dee@group: /join Pan
ben@group: /propose Tractor 1000 333.33 2026-12-31
"""
