"""The unit of work: one transaction, with every repository bound to it.

A command, a clearing or a deadline runs inside one of these: its effects, its
inbox row and the messages it causes commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from types import TracebackType

from sqlalchemy import Engine
from sqlmodel import Session

from storage.engine import make_engine
from storage.migrate import upgrade
from storage.repositories.assemblies import AssemblyRepository
from storage.repositories.audit import AuditRepository
from storage.repositories.bonds import BondRepository
from storage.repositories.clearings import ClearingRepository
from storage.repositories.communes import CommuneRepository
from storage.repositories.flood import FloodRepository
from storage.repositories.fund import FundRepository
from storage.repositories.jobs import JobFailureRepository
from storage.repositories.journal import JournalRepository
from storage.repositories.links import LinkRepository
from storage.repositories.matrix import MatrixRepository
from storage.repositories.messaging import (
    ConversationRepository,
    InboxRepository,
    OutboxRepository,
    SettingRepository,
)
from storage.repositories.payouts import PayoutRepository
from storage.repositories.policies import PolicyRepository
from storage.repositories.sales import SaleRepository
from storage.repositories.telegram import TelegramRepository
from storage.writer_lock import FairLock


class SqlUnitOfWork:
    def __init__(
        self, engine: Engine, writer: AbstractContextManager[object] | None = None
    ) -> None:
        self.engine = engine
        self.writer = writer if writer is not None else nullcontext()

    def __enter__(self) -> SqlUnitOfWork:
        self.writer.__enter__()
        try:
            self.session = Session(self.engine, expire_on_commit=False, autoflush=True)
            self.session.begin()
        except BaseException:
            self.writer.__exit__(None, None, None)
            raise
        if self.engine.dialect.name == "sqlite":
            # BEGIN IMMEDIATE now, not at the first statement: whatever the caller
            # does next (reading the clock) happens while it holds the write lock.
            try:
                self.session.connection()
            except BaseException:
                self.__exit__(None, None, None)
                raise
        self.communes = CommuneRepository(self.session)
        self.bonds = BondRepository(self.session)
        self.assemblies = AssemblyRepository(self.session)
        self.clearings = ClearingRepository(self.session)
        self.journal = JournalRepository(self.session)
        self.policies = PolicyRepository(self.session)  # policies, record of decisions
        self.sales = SaleRepository(self.session)  # ended leases' assets sold
        self.fund = FundRepository(self.session)  # the common fund and its grants
        self.payouts = PayoutRepository(self.session)  # what is owed to members, paid
        self.audit = AuditRepository(self.session)  # minga check: the books' invariants
        self.inbox = InboxRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.conversations = ConversationRepository(self.session)
        self.settings = SettingRepository(self.session)
        self.matrix = MatrixRepository(self.session)  # bot/matrix's bookkeeping
        self.links = LinkRepository(self.session)  # /link: one person, several accounts
        self.flood = FloodRepository(self.session)  # flood control's buckets
        self.telegram = TelegramRepository(self.session)  # bot/telegram's bookkeeping
        self.job_failures = JobFailureRepository(self.session)  # scheduled work to retry
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if kind is None and self.session.in_transaction():
                self.session.rollback()  # only commit() makes anything durable
            elif kind is not None:
                self.session.rollback()
        finally:
            try:
                self.session.close()
            finally:
                self.writer.__exit__(None, None, None)

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo everything inside on an exception (a refusal changes nothing)."""
        with self.session.begin_nested():
            yield

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


class Database:
    """The process's handle on its database: migrates once, hands out units of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        upgrade(self.engine)
        # SQLite: this process's units of work queue for the one write lock in order,
        # instead of sleeping in SQLite's busy handler (see storage/writer_lock.py).
        self.writer = FairLock() if self.engine.dialect.name == "sqlite" else None

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.writer)

    @property
    def uow_factory(self) -> Callable[[], SqlUnitOfWork]:
        return self.unit_of_work

    def dispose(self) -> None:
        self.engine.dispose()
