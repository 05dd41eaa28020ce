"""One piece of work in one transaction, off the event loop: for the chat adapters.

The adapters run on asyncio; a unit of work blocks (SQL, the writer lock). Each
piece of their bookkeeping (store updates, claim a row, mark it delivered) runs in
a thread, in its own transaction, committed when it returns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from storage.uow import Database, SqlUnitOfWork

T = TypeVar("T")


def in_transaction(database: Database, work: Callable[[SqlUnitOfWork], T]) -> T:
    """``work`` in a new unit of work, committed unless it raises."""
    with database.unit_of_work() as uow:
        result = work(uow)
        uow.commit()
        return result


async def in_thread(database: Database, work: Callable[[SqlUnitOfWork], T]) -> T:
    """``in_transaction`` in a worker thread, so the event loop keeps running."""
    return await asyncio.to_thread(in_transaction, database, work)
