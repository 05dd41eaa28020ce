"""Telling many members something costs the same few queries as telling a few.

A bond that clears tells each holder, a withdrawn or expired one each pledger, an
assembly reminds each voter whose vote does not count yet. Their addresses and
languages are looked up for all of them at once (``communes.contacts``), not three
queries a member: counted here with a statement hook, for a small and a three times
larger crowd (on SQLite: the count is the same on PostgreSQL plus its row locks).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from harness import ConsoleChat
from sqlalchemy import event

SETUP = """
:now 2026-12-01T09:00:00Z
:admin ana group
ana@group: /setup Terra EUR Europe/Madrid
ana@group: /coop new Tierra
ana@group: /join Tierra
"""


@contextmanager
def counting(chat: ConsoleChat) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(chat.database.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(chat.database.engine, "before_cursor_execute", count)


def commune_of(chat: ConsoleChat, members: int) -> list[str]:
    names = [f"m{n}" for n in range(members)]
    chat.script(SETUP)
    chat.say(*[f"{name}@group: /join Tierra" for name in names])
    return names


def statements_for_the_pledge_that_clears(chat: ConsoleChat, pledgers: int) -> int:
    names = commune_of(chat, pledgers)
    chat.say(f"ana@group: /propose Tractor {pledgers} 10 2026-12-31")
    chat.say(*[f"{name}@group: /pledge 1 1" for name in names[:-1]])
    with counting(chat) as statements:
        out = chat.say(f"{names[-1]}@group: /pledge 1 1")
    assert sum(line.startswith("[dm m") for line in out) == pledgers  # each holder told
    return len(statements)


def counts_for(tmp_path, sizes: tuple[int, ...], measure) -> list[int]:  # type: ignore[no-untyped-def]
    """``measure(chat, size)``'s statement count for each size, each in its own commune."""
    counts = []
    for size in sizes:
        chat = ConsoleChat(f"sqlite:///{tmp_path}/{measure.__name__}{size}.sqlite")
        try:
            counts.append(measure(chat, size))
        finally:
            chat.close()
    return counts


def test_a_bond_clearing_tells_its_holders_in_a_fixed_number_of_queries(tmp_path) -> None:
    counts = counts_for(tmp_path, (10, 30), statements_for_the_pledge_that_clears)
    assert counts[0] == counts[1]


def test_a_withdrawn_bond_tells_its_pledgers_in_a_fixed_number_of_queries(tmp_path) -> None:
    counts = []
    for pledgers in (10, 30):
        chat = ConsoleChat(f"sqlite:///{tmp_path}/w{pledgers}.sqlite")
        try:
            names = commune_of(chat, pledgers)
            chat.say("ana@group: /propose Tractor 1000 10 2026-12-31")
            chat.say(*[f"{name}@group: /pledge 1 1" for name in names])
            with counting(chat) as statements:
                out = chat.say("ana@group: /withdraw 1")
            assert sum(line.startswith("[dm m") for line in out) >= pledgers
            counts.append(len(statements))
        finally:
            chat.close()
    assert counts[0] == counts[1]


def test_assembly_reminders_go_out_in_a_fixed_number_of_queries(tmp_path) -> None:
    counts = []
    for voters in (10, 30):
        chat = ConsoleChat(f"sqlite:///{tmp_path}/a{voters}.sqlite")
        try:
            commune_of(chat, voters)
            chat.say(
                'ana@group: /assembly new "Spring" 2027-02-01T18:00 2027-02-01T20:00',
                'ana@group: /motion 1 "Buy a tractor"',
                ":now 2027-02-01T17:30:00Z",
            )
            with counting(chat) as statements:
                out = chat.say(":now 2027-02-01T18:00:00Z")  # an hour before closing
            assert sum("⏰" in line for line in out) == voters + 1  # ana too
            counts.append(len(statements))
        finally:
            chat.close()
    assert counts[0] == counts[1]


def statements_for_the_ledger(chat: ConsoleChat, leases: int) -> int:
    commune_of(chat, 2)
    for number in range(1, leases + 1):
        chat.say(
            f"ana@group: /propose Tool{number} 2 1 2026-12-31",
            f"m0@group: /pledge {number} 1",
            f"m1@group: /pledge {number} 1",
            f"ana@group: /rent {number} 1",
        )
    with counting(chat) as statements:
        out = chat.say("m0@group: /ledger")
    assert sum("Tool" in line for line in out) == leases  # every lease has its line
    return len(statements)


def test_the_ledger_reads_every_lease_in_a_fixed_number_of_queries(tmp_path) -> None:
    counts = counts_for(tmp_path, (2, 6), statements_for_the_ledger)
    assert counts[0] == counts[1]
