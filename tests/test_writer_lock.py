"""SQLite's units of work in one process queue in order for the write lock.

Without the queue, eight threads pledging at once spend their time in SQLite's
busy handler, sleeping up to 100 ms a try; with it a command waits only for the
commands ahead of it (bench/: p99 from ~600 ms to a few ms).
"""

from __future__ import annotations

import threading
import time

import pytest

from storage.uow import Database
from storage.writer_lock import FairLock


def test_waiters_get_the_lock_in_the_order_they_came() -> None:
    lock = FairLock()
    lock.acquire()
    order: list[int] = []
    threads = []
    for n in range(6):
        thread = threading.Thread(
            target=lambda n=n: (lock.acquire(), order.append(n), lock.release())
        )
        thread.start()
        threads.append(thread)
        while len(lock._waiting) < n + 1:  # the next one queues only after this one
            time.sleep(0.001)
    lock.release()
    for thread in threads:
        thread.join(5)
    assert order == list(range(6))


def test_nobody_barges_in_between_a_release_and_the_next_waiter() -> None:
    lock = FairLock()
    lock.acquire()
    got: list[str] = []
    waiter = threading.Thread(target=lambda: (lock.acquire(), got.append("waiter"), lock.release()))
    waiter.start()
    while not lock._waiting:
        time.sleep(0.001)
    lock.release()
    lock.acquire()  # the releasing thread asks again at once: it queues behind the waiter
    got.append("again")
    lock.release()
    waiter.join(5)
    assert got == ["waiter", "again"]


def test_the_holder_may_take_it_again_and_only_the_holder_may_release() -> None:
    lock = FairLock()
    with lock, lock:
        errors: list[BaseException] = []

        def stranger() -> None:
            try:
                lock.release()
            except RuntimeError as error:
                errors.append(error)

        thread = threading.Thread(target=stranger)
        thread.start()
        thread.join(5)
        assert len(errors) == 1
    with lock:  # free again after both exits
        pass


def test_a_unit_of_work_gives_the_lock_back_even_when_it_fails(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    with pytest.raises(ZeroDivisionError), database.unit_of_work():
        raise ZeroDivisionError("a command that fails")
    done = threading.Event()

    def other() -> None:
        with database.unit_of_work():
            done.set()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(5)
    assert done.is_set()
    database.dispose()


def test_postgresql_units_of_work_do_not_queue_in_the_process(database_url: str) -> None:
    """PostgreSQL locks rows, not the database: its units of work run side by side."""
    database = Database(database_url)
    assert (database.writer is None) is (database.engine.dialect.name == "postgresql")
    database.dispose()
