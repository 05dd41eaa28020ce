"""Several workers share the outbox: each message is claimed by one, leases expire."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from domain.messages import Outgoing
from domain.model import Address
from storage.uow import Database

NOW = datetime(2027, 1, 1, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def fill(database: Database, count: int) -> None:
    with database.unit_of_work() as uow:
        uow.outbox.add(
            [
                Outgoing(Address("telegram", str(n), True), "statement", "en", {"n": n})
                for n in range(count)
            ],
            NOW,
        )
        uow.commit()


def claim(database: Database, at: datetime, limit: int = 10) -> list[int]:
    with database.unit_of_work() as uow:
        claimed = [m.id for m in uow.outbox.claim("telegram", at, LEASE, limit)]
        uow.commit()
    return claimed


def test_concurrent_workers_never_claim_the_same_message(database_url: str) -> None:
    database = Database(database_url)
    fill(database, 200)
    seen: list[list[int]] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        mine: list[int] = []
        own = Database(database_url)
        barrier.wait()
        while batch := claim(own, NOW, limit=7):
            mine += batch
        seen.append(mine)
        own.dispose()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    everything = [i for mine in seen for i in mine]
    assert len(everything) == 200
    assert len(set(everything)) == 200
    database.dispose()


def test_a_dead_workers_claim_is_taken_over_after_the_lease(database_url: str) -> None:
    database = Database(database_url)
    fill(database, 3)
    first = claim(database, NOW)
    assert len(first) == 3
    assert claim(database, NOW + LEASE - timedelta(seconds=1)) == []  # still held
    assert claim(database, NOW + LEASE) == first  # the holder died: taken over
    with database.unit_of_work() as uow:
        uow.outbox.mark_delivered(first[:2], NOW + LEASE)
        uow.outbox.release(first[2:], NOW + timedelta(minutes=5))  # e.g. a 429 retry_after
        uow.commit()
    assert claim(database, NOW + timedelta(minutes=4)) == []
    assert claim(database, NOW + timedelta(minutes=5)) == first[2:]
    database.dispose()
