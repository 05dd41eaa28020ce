"""What the service layer needs from storage, as structural interfaces.

storage/ implements these; handlers/ depends only on them, so the commands can be
tested against any implementation and never import SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol


class UnitOfWork(Protocol):
    """One transaction with its repositories (see storage.uow.SqlUnitOfWork)."""

    communes: Any
    bonds: Any
    assemblies: Any
    clearings: Any
    journal: Any
    inbox: Any
    outbox: Any
    conversations: Any
    settings: Any
    links: Any  # /link: one person, several accounts (storage/repositories/links.py)

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def savepoint(self) -> AbstractContextManager[None]: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
Clock = Callable[[], Any]
