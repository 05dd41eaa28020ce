"""An in-memory unit of work, so tests about the commune's rules run without a database.

``FakeUnitOfWork`` implements domain/ports.py's ``UnitOfWork`` over plain dicts
(tests/fake_tables.py), with the transaction semantics the dispatcher relies on:
nothing is kept unless ``commit`` is called, and a savepoint left by an exception (a
refusal) puts everything back as it was. ``MemoryStore`` is the "database": it holds
what was committed and hands out units of work, like storage.uow.Database.

What handlers do with a bond, an assembly or a member is in memory; the period's
clearing, the audit, /link and flood control are storage's to test (set-based SQL
is their point), so their methods here only say so. tests/test_fakes.py keeps every
fake in step with its port, as tests/test_ports.py does for storage.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import fields, replace
from datetime import datetime, timedelta
from typing import Any, NoReturn

from fake_bonds import FakeAssemblies, FakeBonds
from fake_people import FakeCommunes, Rows
from fake_tables import EntryRow, OutboxRow, Tables

from domain.arrears import ArrearsLine, ArrearsReader, LeaseArrears, LeaseDue
from domain.audit import Discrepancy
from domain.clearing import (
    ClearingOutcome,
    ClearingRecord,
    HoldingBalance,
    LeaseHoldings,
    LeaseTotal,
)
from domain.clearing_reads import (
    CooperativeRent,
    LeaseLine,
    MemberHoldings,
    MemberLine,
    MemberRange,
    MemberRedemption,
    Recipient,
    YearToDate,
)
from domain.due import DueWork
from domain.flood import Bucket, FloodLimit
from domain.fund import FundFlows, FundGrant
from domain.journal import AccountKind, JournalEntry, Posting
from domain.messages import Outgoing
from domain.model import ChangeRecord, LedgerSummary
from domain.open_books import ExportRow
from domain.payouts import MemberPayouts, PayoutTotals
from domain.retries import JobFailure
from domain.sales import NO_SALES, Sale, SaleShare, SaleTotals


def _storage_only(what: str) -> NoReturn:
    raise NotImplementedError(f"{what} is storage's to test: use the database chat for it")


class _Repository:
    def __init__(self, rows: Rows) -> None:
        self._rows = rows

    @property
    def t(self) -> Tables:
        return self._rows()


class FakeClearings(_Repository):
    """No clearing is ever recorded in memory: a test that reaches one uses a database."""

    def get(self, commune_id: int, period: str) -> ClearingRecord | None:
        return None

    def latest(self, commune_id: int) -> ClearingRecord | None:
        return None

    def recent(self, commune_id: int, count: int) -> list[ClearingRecord]:
        return []

    def large(self) -> AbstractContextManager[None]:
        _storage_only("the period clearing")

    def lease_totals(self, commune_id: int, period: str) -> list[LeaseTotal]:
        _storage_only("the period clearing")

    def owed_by_lease(
        self, leases: Sequence[LeaseTotal], batch: int = 1000
    ) -> Iterator[LeaseHoldings]:
        _storage_only("the period clearing")

    def eligible_count(self, commune_id: int, period_start: datetime) -> int:
        _storage_only("the period clearing")

    def record(self, commune_id: int, period: str, now: datetime, outcome: ClearingOutcome) -> int:
        _storage_only("the period clearing")

    def finish(
        self, clearing_id: int, entry_id: int, commune_id: int, period_start: datetime
    ) -> None:
        _storage_only("the period clearing")

    def recipients(self, clearing_id: int) -> list[Recipient]:
        _storage_only("the period clearing")

    def recipients_among(self, clearing_id: int, members: MemberRange) -> list[Recipient]:
        _storage_only("the period clearing")

    def cooperative_rents(self, commune_id: int, period: str) -> dict[int, CooperativeRent]:
        _storage_only("the period clearing")

    def cooperative_rents_among(
        self, commune_id: int, period: str, cooperative_ids: Collection[int]
    ) -> dict[int, CooperativeRent]:
        _storage_only("the period clearing")

    def cooperative_sizes(self, commune_id: int, clearing_id: int) -> dict[int, int]:
        _storage_only("the period clearing")

    def cooperative_sizes_among(
        self, commune_id: int, clearing_id: int, cooperative_ids: Collection[int]
    ) -> dict[int, int]:
        _storage_only("the period clearing")

    def year_to_date(self, commune_id: int, first: str, last: str) -> dict[int, YearToDate]:
        _storage_only("the period clearing")

    def year_to_date_among(
        self, commune_id: int, first: str, last: str, members: MemberRange
    ) -> dict[int, YearToDate]:
        _storage_only("the period clearing")

    def holding_lines(
        self, commune_id: int, clearing_id: int, period: str, period_end: datetime
    ) -> Iterator[MemberHoldings]:
        _storage_only("the period clearing")

    def holding_lines_just_cleared(
        self, commune_id: int, period: str, period_end: datetime, repaid_now: Mapping[int, int]
    ) -> Iterator[MemberHoldings]:
        _storage_only("the period clearing")

    def holding_lines_among(
        self,
        commune_id: int,
        clearing_id: int,
        period: str,
        period_end: datetime,
        members: MemberRange,
    ) -> Iterator[MemberHoldings]:
        _storage_only("the period clearing")

    def lease_lines(self, clearing_id: int) -> list[LeaseLine]:
        _storage_only("the period clearing")

    def member_lines(self, clearing_id: int) -> list[MemberLine]:
        _storage_only("the period clearing")

    def redemptions_by_member(self, clearing_id: int) -> list[MemberRedemption]:
        _storage_only("the period clearing")

    def lease_dues(
        self, commune_id: int, period: str, period_start: datetime, previous: int | None
    ) -> list[LeaseDue]:
        _storage_only("the period clearing")

    def record_arrears(self, clearing_id: int, lines: Sequence[LeaseArrears]) -> None:
        _storage_only("the period clearing")

    def arrears_lines(self, clearing_id: int) -> list[ArrearsLine]:
        _storage_only("the period clearing")

    def arrears_readers(
        self, commune_id: int, cooperative_ids: Collection[int]
    ) -> list[ArrearsReader]:
        _storage_only("the period clearing")

    def take_waiting_ends(self, commune_id: int) -> list[int]:
        return []  # no clearing in memory, so no lease waits to end


class FakeJournal(_Repository):
    def append(self, commune_id: int, entry: JournalEntry, now: datetime) -> int:
        entry_id = self.t.next_id("journal_entry")
        self.t.journal[entry_id] = EntryRow(commune_id, copy.deepcopy(entry), now)
        return entry_id

    def start_entry(self, commune_id: int, kind: str, ref: str, now: datetime) -> int:
        _storage_only("the period clearing's entry")

    def add_account_postings(
        self, entry_id: int, commune_id: int, kind: AccountKind, amounts: Iterable[tuple[int, int]]
    ) -> None:
        _storage_only("the period clearing's entry")

    def close_clearing(
        self, entry_id: int, commune_id: int, clearing_id: int, cash: Posting
    ) -> None:
        _storage_only("the period clearing's entry")

    def summary(self, commune_id: int) -> LedgerSummary:
        entries = [row.entry for row in self.t.journal.values() if row.commune_id == commune_id]
        balances: dict[str, int] = {}
        for posting in (p for entry in entries for p in entry.postings):
            balances[posting.kind.value] = balances.get(posting.kind.value, 0) + posting.amount
        unbalanced = sum(1 for e in entries if e.postings and sum(p.amount for p in e.postings))
        return LedgerSummary(len(entries), unbalanced, balances)

    def last_entry(self, commune_id: int) -> int:
        return max(
            (i for i, row in self.t.journal.items() if row.commune_id == commune_id), default=0
        )

    def export(
        self, commune_id: int, since: datetime | None, until: datetime | None, up_to: int
    ) -> Iterator[ExportRow]:
        _storage_only("the journal export")


class FakeAudit(_Repository):
    def discrepancies(self, commune_id: int | None = None) -> list[Discrepancy]:
        _storage_only("the audit of the books")


class FakeInbox(_Repository):
    def record(
        self, platform: str, external_id: str, now: datetime, payload: str | None = None
    ) -> bool:
        if (platform, external_id) in self.t.inbox:
            return False
        self.t.inbox.add((platform, external_id))
        return True


class FakeOutbox(_Repository):
    def add(self, messages: list[Outgoing], now: datetime) -> None:
        keys = {row.message.dedup_key for row in self.t.outbox if row.message.dedup_key}
        for message in messages:
            if message.dedup_key is not None and message.dedup_key in keys:
                continue  # storage's unique dedup key: queued once
            # Through JSON as storage keeps it: what is not serialisable fails here too.
            context = json.loads(json.dumps(message.context, sort_keys=True))
            self.t.outbox.append(
                OutboxRow(self.t.next_id("outbox"), replace(message, context=context))
            )
            if message.dedup_key:
                keys.add(message.dedup_key)


class FakeConversations(_Repository):
    def get(self, platform: str, chat_id: str, user_id: str) -> tuple[str, dict[str, Any]] | None:
        found = self.t.conversations.get((platform, chat_id, user_id))
        return None if found is None else (found[0], json.loads(json.dumps(found[2])))

    def save(
        self,
        platform: str,
        chat_id: str,
        user_id: str,
        name: str,
        step: str,
        data: dict[str, Any],
        now: datetime,
    ) -> None:
        stored = json.loads(json.dumps(data, sort_keys=True))
        self.t.conversations[(platform, chat_id, user_id)] = (name, step, stored)

    def end(self, platform: str, chat_id: str, user_id: str) -> bool:
        return self.t.conversations.pop((platform, chat_id, user_id), None) is not None


class FakeSettings(_Repository):
    def get(self, key: str) -> str | None:
        return self.t.settings.get(key)

    def set(self, key: str, value: str) -> None:
        self.t.settings[key] = value


def _failure_key(work: DueWork) -> tuple[object, ...]:
    """Storage's primary key: the kind of work and what it is about, not when it was due."""
    return (type(work), *(getattr(work, f.name) for f in fields(work) if f.name != "when"))


class FakeJobFailures(_Repository):
    def all(self) -> list[JobFailure]:
        return list(self.t.job_failures.values())

    def get(self, work: DueWork) -> JobFailure | None:
        return self.t.job_failures.get(_failure_key(work))

    def save(self, failure: JobFailure) -> None:
        self.t.job_failures[_failure_key(failure.work)] = failure

    def delete(self, work: DueWork) -> bool:
        return self.t.job_failures.pop(_failure_key(work), None) is not None


class FakeLinks(_Repository):
    def new_code(self, person_id: int, platform: str, now: datetime, ttl: timedelta) -> str:
        _storage_only("/link")

    def take(self, code: str, now: datetime) -> tuple[int, str] | None:
        _storage_only("/link")

    def shared_communes(self, one: int, other: int) -> list[str]:
        _storage_only("/link")

    def merge(self, source: int, target: int) -> None:
        _storage_only("/link")


class FakeFlood(_Repository):
    def take(
        self, platform: str, chat_id: str, user_id: str, now: datetime, limit: FloodLimit
    ) -> Bucket:
        _storage_only("flood control")


class FakePolicies(_Repository):
    def stored(self, commune_id: int) -> dict[str, str]:
        return {
            name: value
            for (commune, name), value in self.t.policies.items()
            if commune == commune_id
        }

    def put(self, commune_id: int, name: str, value: str, at: datetime) -> None:
        self.t.policies[(commune_id, name)] = value

    def record(self, change: ChangeRecord) -> None:
        self.t.changes.append(change)

    def records(self, commune_id: int) -> list[ChangeRecord]:
        return [change for change in self.t.changes if change.commune_id == commune_id]


class FakeSales(_Repository):
    def sold(self, issue_id: int) -> tuple[str, int] | None:
        found = [(p, sale) for _, p, sale in self.t.sales.values() if sale.issue_id == issue_id]
        return (found[0][0], found[0][1].proceeds) if found else None

    def owed(self, issue_id: int) -> list[HoldingBalance]:
        held = sorted(
            (h for h in self.t.holdings.values() if h.issue_id == issue_id and h.outstanding > 0),
            key=lambda h: (h.seq, h.id),
        )
        return [HoldingBalance(h.id, h.member_id, h.outstanding) for h in held]

    def record(
        self, commune_id: int, sale: Sale, period: str, at: datetime, recorded_by: int
    ) -> int:
        sale_id = self.t.next_id("asset_sale")
        self.t.sales[sale_id] = (commune_id, period, sale)
        for line in sale.lines:
            holding = self.t.holdings[line.holding_id]
            holding.redeemed += line.repaid + line.written_off
        return sale_id

    def _of(self, commune_id: int, period: str) -> list[Sale]:
        return [sale for c, p, sale in self.t.sales.values() if (c, p) == (commune_id, period)]

    def totals(self, commune_id: int, period: str) -> SaleTotals:
        sales = self._of(commune_id, period)
        if not sales:
            return NO_SALES
        return SaleTotals(*(sum(getattr(s, name) for s in sales) for name in SaleTotals._fields))

    def sold_in(self, commune_id: int, period: str) -> set[int]:
        return {sale.issue_id for sale in self._of(commune_id, period)}

    def shares(
        self, commune_id: int, period: str, members: MemberRange | None = None
    ) -> dict[int, list[SaleShare]]:
        _storage_only("statements")


class FakeFund(_Repository):
    """Grants in memory; no clearing is (so nothing comes into the fund but by hand)."""

    def balance(self, commune_id: int) -> int:
        return sum(
            p.amount
            for row in self.t.journal.values()
            if row.commune_id == commune_id
            for p in row.entry.postings
            if p.kind is AccountKind.FUND
        )

    def grant(self, commune_id: int, grant: FundGrant) -> int:
        grant_id = self.t.next_id("fund_grant")
        self.t.fund_grants[grant_id] = (commune_id, grant)
        return grant_id

    def flows(self, commune_id: int, period: str | None = None) -> FundFlows:
        grants = [g for c, g in self.t.fund_grants.values() if c == commune_id]
        out = sum(g.amount for g in grants if period is None or g.period == period)
        return FundFlows(0, out, -sum(g.amount for g in grants if not period or g.period <= period))


class FakePayouts(_Repository):
    def keep_clearing_owed(self, commune_id: int, entry_id: int, period: str) -> None:
        _storage_only("the period clearing")

    def keep_sale_owed(self, commune_id: int, entry_id: int, sale_id: int, period: str) -> None:
        for line in self.t.sales[sale_id][2].lines:
            if line.repaid:
                _, _, before = self.t.owed.get((entry_id, line.member_id), (0, "", 0))
                self.t.owed[(entry_id, line.member_id)] = (commune_id, period, before + line.repaid)

    def owed(self, commune_id: int, member_id: int) -> int:
        earned = sum(
            a for (_, m), (c, _, a) in self.t.owed.items() if (c, m) == (commune_id, member_id)
        )
        paid = sum(a for c, m, a, _ in self.t.payouts.values() if (c, m) == (commune_id, member_id))
        return max(0, earned - paid)

    def pay(
        self,
        commune_id: int,
        member_id: int,
        amount: int,
        period: str,
        at: datetime,
        recorded_by: int,
    ) -> int:
        payout_id = self.t.next_id("payout")
        self.t.payouts[payout_id] = (commune_id, member_id, amount, period)
        return payout_id

    def pay_all(
        self, commune_id: int, up_to: str | None, period: str, at: datetime, recorded_by: int
    ) -> tuple[int, int]:
        _storage_only("paying everyone")

    def totals(self, commune_id: int, period: str) -> PayoutTotals:
        _storage_only("the ledger's payouts")

    def by_member(
        self, commune_id: int, period: str | None, members: MemberRange | None = None
    ) -> dict[int, MemberPayouts]:
        _storage_only("statements")

    def names(self, member_ids: set[int]) -> dict[int, str]:
        return {m: self.t.members[m].name for m in member_ids}


class MemoryStore:
    """What was committed; like storage.uow.Database, it hands out units of work."""

    def __init__(self) -> None:
        self.tables = Tables()

    def unit_of_work(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)


class FakeUnitOfWork:
    """A copy of the store's tables to work on; ``commit`` hands it back."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.tables = copy.deepcopy(store.tables)
        rows: Rows = lambda: self.tables  # noqa: E731  (the repositories follow a rollback)
        self.communes = FakeCommunes(rows)
        self.bonds = FakeBonds(rows)
        self.assemblies = FakeAssemblies(rows)
        self.clearings = FakeClearings(rows)
        self.journal = FakeJournal(rows)
        self.policies = FakePolicies(rows)
        self.sales = FakeSales(rows)
        self.fund = FakeFund(rows)
        self.payouts = FakePayouts(rows)
        self.audit = FakeAudit(rows)
        self.inbox = FakeInbox(rows)
        self.outbox = FakeOutbox(rows)
        self.conversations = FakeConversations(rows)
        self.settings = FakeSettings(rows)
        self.links = FakeLinks(rows)
        self.job_failures = FakeJobFailures(rows)
        self.flood = FakeFlood(rows)

    def __enter__(self) -> FakeUnitOfWork:
        self.tables = copy.deepcopy(self.store.tables)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.rollback()  # only commit() makes anything durable

    def commit(self) -> None:
        self.store.tables = copy.deepcopy(self.tables)

    def rollback(self) -> None:
        self.tables = copy.deepcopy(self.store.tables)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo everything inside on an exception (a refusal changes nothing)."""
        before = copy.deepcopy(self.tables)
        try:
            yield
        except BaseException:
            self.tables = before
            raise
