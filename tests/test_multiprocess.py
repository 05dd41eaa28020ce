"""Several ``minga run`` processes on one PostgreSQL: each clearing once, each message once.

Real processes, started with subprocess and killed with SIGKILL. No chat platform:
the test-only file delivery (tests/file_delivery.py, ``MINGA_TEST_DELIVER``) makes
each process deliver the console's outbox to one shared file, claiming messages
with ``FOR UPDATE SKIP LOCKED`` and a lease, as a chat adapter would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from harness import ConsoleChat
from pauses import plugins
from sqlalchemy import text

from bot.clock import real_now
from domain.periods import Period
from handlers.jobs import run_due
from storage.uow import Database

MINGA = Path(sys.executable).parent / "minga"
PAST = """
:now 2025-01-05T09:00:00Z
:admin ana group
ana@group: /setup Terra EUR Europe/Madrid
ana@group: /coop new Tierra
ana@group: /join Tierra
ben@group: /join
ana@group: /propose Tractor 100 30 2025-01-31
ana@group: /pledge 1 100
"""

# Each process loads the test-only adapter and pauses from here (bot/bootstrap.py's plugins).
FILE_DELIVERY = plugins("file_delivery:register", "pauses:register")

pytestmark = pytest.mark.slow


@pytest.fixture
def url(postgres, request: pytest.FixtureRequest) -> str:  # type: ignore[no-untyped-def]
    name = f"mp_{request.node.name[:40].lower()}"
    created = postgres.create_database(name)
    chat = ConsoleChat(created)
    chat.script(PAST)
    chat.close()
    yield created
    postgres.drop_database(name)


def start(url: str, delivered: Path, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(MINGA), "run", "--db", url, "--tick", "0.2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **FILE_DELIVERY, "MINGA_TEST_DELIVER": f"console:{delivered}", **env},
    )


def stop(*workers: subprocess.Popen[bytes]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        assert worker.wait(30) == 0, worker.stderr.read() if worker.stderr else ""


def wait_for(condition, seconds: float = 40) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def query(url: str, sql: str) -> list[tuple]:
    database = Database(url)
    with database.engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(sql))]
    database.dispose()
    return rows


def cleared(url: str) -> list[str]:
    return sorted(period for (period,) in query(url, "SELECT period FROM clearing"))


def undelivered(url: str) -> int:
    return query(url, "SELECT count(*) FROM outbox WHERE delivered_at IS NULL")[0][0]


def lines(delivered: Path) -> list[tuple[int, int, str]]:
    if not delivered.exists():
        return []
    found = []
    for line in delivered.read_text(encoding="utf-8").splitlines():
        outbox_id, pid, shown = line.split("\t", 2)
        found.append((int(outbox_id), int(pid), shown))
    return found


def every_period_until_now() -> list[str]:
    periods, period = [], Period(2025, 1)
    last = Period.containing(real_now(), "Europe/Madrid").previous()
    while period <= last:
        periods.append(str(period))
        period = period.next()
    return periods


def test_a_clearing_killed_mid_way_is_taken_over_and_each_message_goes_once(
    url: str, tmp_path: Path
) -> None:
    delivered = tmp_path / "delivered.txt"
    paused = tmp_path / "paused"
    first = start(url, delivered, MINGA_TEST_PAUSE_CLEARING=f"2025-06:{paused}")
    wait_for(paused.exists)  # it holds the commune's row lock, mid-clearing of June
    others = [start(url, delivered), start(url, delivered)]
    time.sleep(2)  # ten ticks each: the commune is locked, June and later must wait
    assert cleared(url)[-1] == "2025-05"
    first.send_signal(signal.SIGKILL)
    first.wait(10)

    expected = every_period_until_now()
    wait_for(lambda: cleared(url) == expected)
    wait_for(lambda: undelivered(url) == 0)
    stop(*others)

    assert cleared(url) == expected  # each period once, in order, June by a survivor
    entries = query(url, "SELECT count(*) FROM journal_entry WHERE kind = 'clearing'")
    assert entries[0][0] == len(expected)
    roster = query(url, "SELECT count(*) FROM clearing_member")[0][0]
    statements = query(url, "SELECT count(*) FROM outbox WHERE template = 'statement'")[0][0]
    assert statements == roster
    # Each clearing's messages: the statements, the summary, and what it tells about
    # rent in arrears (the leases here pay nothing) and ends waiting for an assembly.
    sent = query(
        url,
        "SELECT id FROM outbox WHERE template IN "
        "('statement', 'clearing_summary', 'rent_arrears', 'lease_end_needs_assembly')",
    )
    shown = lines(delivered)
    assert Counter(outbox_id for outbox_id, _, _ in shown) == Counter(i for (i,) in sent)
    assert sum("Clearing for June 2025" in text for _, _, text in shown) == 1


def test_a_delivery_claim_dies_with_its_process_and_is_taken_over_after_the_lease(
    url: str, tmp_path: Path
) -> None:
    database = Database(url)
    run_due(database.unit_of_work, real_now())  # every missed month: messages to deliver
    database.dispose()
    queued = [i for (i,) in query(url, "SELECT id FROM outbox WHERE delivered_at IS NULL")]
    assert len(queued) > 20

    delivered = tmp_path / "delivered.txt"
    paused = tmp_path / "claimed"
    lease = {"MINGA_TEST_DELIVERY_LEASE": "3"}
    holder = start(url, delivered, MINGA_TEST_PAUSE_DELIVERY=str(paused), **lease)
    wait_for(lambda: paused.exists() and paused.read_text().strip() != "")
    claimed = [int(i) for i in paused.read_text().split()]
    holder.send_signal(signal.SIGKILL)  # dies holding its claim
    holder.wait(10)
    killed_at = time.monotonic()

    workers = [start(url, delivered, **lease), start(url, delivered, **lease)]
    wait_for(lambda: undelivered(url) == 0)
    taken_over_after = time.monotonic() - killed_at
    stop(*workers)

    shown = lines(delivered)
    assert Counter(outbox_id for outbox_id, _, _ in shown) == Counter(queued)  # once each
    by = {outbox_id: pid for outbox_id, pid, _ in shown}
    assert holder.pid not in set(by.values())
    assert {by[i] for i in claimed} <= {worker.pid for worker in workers}
    assert taken_over_after > 1  # the rest went at once; the claimed ones waited
    attempts = dict(query(url, f"SELECT id, attempts FROM outbox WHERE id IN {tuple(claimed)}"))
    assert set(attempts.values()) == {2}  # claimed twice: by the dead one, then a survivor
