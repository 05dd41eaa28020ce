"""A first-come, first-served lock for the units of work of one process on SQLite.

SQLite lets one transaction write at a time. A writer that finds the write lock
taken sleeps and retries (1 ms, then longer, up to 100 ms a try), so under load a
command waits for that sleeping rather than for the work ahead of it. Inside one
process the units of work queue here instead, in arrival order: the next starts
the moment the last has committed, and nobody is overtaken again and again
(``threading.Lock`` makes no promise of order, and a busy thread can keep winning
it). Other processes still meet SQLite's own lock and busy timeout.

Reentrant, like ``threading.RLock``: a thread that already holds it goes on.
"""

from __future__ import annotations

import threading
from collections import deque


class FairLock:
    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()
        self._owner: int | None = None
        self._depth = 0

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return
            if self._owner is None and not self._waiting:
                self._owner, self._depth = me, 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by the holder handing over to us
        with self._mutex:
            self._owner, self._depth = me, 1

    def release(self) -> None:
        with self._mutex:
            if self._owner != threading.get_ident():
                raise RuntimeError("release of a FairLock this thread does not hold")
            self._depth -= 1
            if self._depth:
                return
            self._owner = None
            if self._waiting:
                self._owner = -1  # handed over: nobody may barge in before the next wakes
                self._waiting.popleft().release()

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
