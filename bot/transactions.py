"""Database work from an adapter's event loop: one committed transaction, in a thread.

The chat adapters are asyncio programs and the repositories are synchronous: each
piece of work runs on a worker thread so a slow query never stalls the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from storage.uow import Database, SqlUnitOfWork

T = TypeVar("T")


def _commit(database: Database, work: Callable[[SqlUnitOfWork], T]) -> T:
    with database.unit_of_work() as uow:
        result = work(uow)
        uow.commit()
        return result


async def committed(database: Database, work: Callable[[SqlUnitOfWork], T]) -> T:
    """``work`` in its own unit of work, committed, run off the event loop."""
    return await asyncio.to_thread(_commit, database, work)
