"""An issue's running totals always equal its pledges.

A pledge reads one row, the issue with its totals (pledged, pledgers, the newest
place in the queue), and writes the member's pledge and those totals back in the
same transaction (migration 0006). These tests hold the totals to the pledges
themselves: after any sequence of pledges, top-ups, unpledges and refusals, when
one member races themself from several connections (PostgreSQL's READ COMMITTED
is where a stale read would hide), and when migration 0006 fills the totals in
for a database that had pledges before it.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from alembic import command
from harness import TERRA_SETUP, ConsoleChat, says
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from handlers.dispatch import Dispatcher
from storage.migrate import alembic_config
from storage.uow import Database

NOON = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
MEMBERS = ("ana", "ben", "cai", "dee")


def totals_against_pledges(database: Database) -> list[tuple]:
    """Issues whose totals differ from their pledges: (number, totals, what the pledges say)."""
    with database.engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                text(
                    """
                    SELECT i.number, i.pledged, i.pledgers, i.last_seq,
                           coalesce(sum(p.amount), 0), count(p.id), coalesce(max(p.seq), 0)
                    FROM bond_issue i LEFT JOIN pledge p ON p.issue_id = i.id
                    GROUP BY i.id, i.number, i.pledged, i.pledgers, i.last_seq
                    HAVING i.pledged <> coalesce(sum(p.amount), 0)
                        OR i.pledgers <> count(p.id)
                        OR i.last_seq < coalesce(max(p.seq), 0)
                    """
                )
            )
        ]


def scalar(database: Database, sql: str) -> int:
    with database.engine.connect() as connection:
        return int(connection.execute(text(sql)).scalar_one())


steps = st.lists(
    st.tuples(
        st.sampled_from(MEMBERS),
        st.sampled_from(["pledge", "pledge", "pledge", "unpledge"]),
        st.sampled_from(["1", "2", "9"]),  # issue 9 does not exist
        st.sampled_from(["0.01", "10", "250", "999.99", "-5", "abc", "1000"]),
    ),
    min_size=1,
    max_size=20,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=steps)
def test_totals_equal_the_pledges_after_any_sequence(sqlite_url: str, plan: list) -> None:
    chat = ConsoleChat(f"{sqlite_url[: -len('.sqlite')]}-{abs(hash(str(plan)))}.sqlite")
    try:
        chat.script(TERRA_SETUP)
        chat.say("ana@group: /propose Oven 500 5 2026-12-31")
        for member, verb, number, amount in plan:
            line = f"/pledge {number} {amount}" if verb == "pledge" else f"/unpledge {number}"
            chat.say(f"{member}@group: {line}")
            assert totals_against_pledges(chat.database) == []
        assert scalar(chat.database, "SELECT count(*) FROM bond_issue WHERE pledged > price") == 0
    finally:
        chat.close()


def test_one_member_racing_themself_is_counted_once_each_time(terra: ConsoleChat) -> None:
    """Eight connections, one member, one issue, 0.01 at a time: every cent lands.

    On PostgreSQL the member's pledge is read after the issue's lock is granted; read
    in the same statement, a waiter would see the pledge as it was before the holder
    topped it up, and write a total that forgets the holder's cent.
    """
    senders, each = 8, 15
    barrier = threading.Barrier(senders)
    errors: list[BaseException] = []

    def send(sender: int) -> None:
        database = Database(terra.url)  # an engine of its own: another process
        dispatcher = Dispatcher(database.unit_of_work, lambda: NOON)
        try:
            barrier.wait()
            for n in range(each):
                dispatcher.handle(says("cai", "/pledge 1 0.01", f"race-{sender}-{n}"))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            database.dispose()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert scalar(terra.database, "SELECT count(*) FROM pledge") == 1
    assert scalar(terra.database, "SELECT amount FROM pledge") == senders * each
    assert scalar(terra.database, "SELECT pledged FROM bond_issue WHERE number = 1") == (
        senders * each
    )
    assert totals_against_pledges(terra.database) == []


def test_migration_0006_fills_in_the_totals_of_existing_pledges(sqlite_url: str) -> None:
    chat = ConsoleChat(sqlite_url)
    chat.script(TERRA_SETUP)
    chat.say("ana@group: /pledge 1 300", "cai@group: /pledge 1 200", "ana@group: /pledge 1 50")
    chat.close()
    database = Database(sqlite_url)
    config = alembic_config(sqlite_url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
        command.upgrade(config, "head")
    assert totals_against_pledges(database) == []
    assert scalar(database, "SELECT pledged FROM bond_issue") == 55000
    assert scalar(database, "SELECT pledgers FROM bond_issue") == 2
    database.dispose()


def test_holdings_are_made_in_the_pledges_queue_order(terra: ConsoleChat) -> None:
    """Who gave up a place and pledged again queues last; a top-up keeps its place."""
    terra.say(
        "ana@group: /pledge 1 100",
        "cai@group: /pledge 1 200",
        "ben@group: /pledge 1 300",
        "ana@group: /unpledge 1",
        "dee@group: /pledge 1 100",
        "cai@group: /pledge 1 50",
        "ana@group: /pledge 1 350",  # reaches 1000: clears
    )
    with terra.database.engine.connect() as connection:
        holdings = connection.execute(
            text(
                "SELECT m.name, h.principal FROM holding h JOIN member m ON m.id = h.member_id"
                " ORDER BY h.seq, h.id"
            )
        ).all()
        by_id = connection.execute(text("SELECT member_id FROM holding ORDER BY id")).all()
        by_seq = connection.execute(text("SELECT member_id FROM holding ORDER BY seq")).all()
    assert [tuple(h) for h in holdings] == [
        ("cai", 25000),
        ("ben", 30000),
        ("dee", 10000),
        ("ana", 35000),
    ]
    assert by_id == by_seq
