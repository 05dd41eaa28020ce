"""The append-only journal: entries are inserted, never updated or deleted."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import func, insert, literal, select
from sqlmodel import Session

from domain.journal import AccountKind, JournalEntry, Posting, UnbalancedEntry
from domain.model import LedgerSummary
from domain.open_books import ExportRow
from storage.bulk import bulk_insert
from storage.repositories import journal_export
from storage.tables import ClearingMemberRow, JournalEntryRow, JournalPostingRow


class JournalRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, commune_id: int, entry: JournalEntry, now: datetime) -> int:
        row = JournalEntryRow(commune_id=commune_id, kind=entry.kind, ref=entry.ref, created_at=now)
        self.session.add(row)
        self.session.flush()
        if entry.postings:
            self.session.execute(
                insert(JournalPostingRow.__table__),
                [
                    {
                        "entry_id": row.id,
                        "commune_id": commune_id,
                        "account_kind": p.kind.value,
                        "account_ref": p.ref,
                        "amount": p.amount,
                    }
                    for p in entry.postings
                ],
            )
        return row.id

    # a clearing's entry, written piecewise: a federation's has 600,000 postings -------
    def start_entry(self, commune_id: int, kind: str, ref: str, now: datetime) -> int:
        """An entry with no postings yet; ``add_postings`` and ``close_clearing`` fill it."""
        row = JournalEntryRow(commune_id=commune_id, kind=kind, ref=ref, created_at=now)
        self.session.add(row)
        self.session.flush()
        assert row.id is not None
        return row.id

    def add_postings(self, entry_id: int, commune_id: int, postings: Iterable[Posting]) -> None:
        """Bulk-insert postings of an entry (COPY on PostgreSQL)."""
        bulk_insert(
            self.session,
            JournalPostingRow.__table__,
            ("entry_id", "commune_id", "account_kind", "account_ref", "amount"),
            ((entry_id, commune_id, p.kind.value, p.ref, p.amount) for p in postings),
        )

    def add_account_postings(
        self,
        entry_id: int,
        commune_id: int,
        kind: AccountKind,
        amounts: Iterable[tuple[int, int]],
    ) -> None:
        """Bulk-insert postings to accounts of one kind: (account ref, amount) pairs."""
        bulk_insert(
            self.session,
            JournalPostingRow.__table__,
            ("entry_id", "commune_id", "account_kind", "account_ref", "amount"),
            ((entry_id, commune_id, kind.value, ref, amount) for ref, amount in amounts),
        )

    def close_clearing(
        self, entry_id: int, commune_id: int, clearing_id: int, cash: Posting
    ) -> None:
        """Post the dividends and the cash, then check the entry as ``entry()`` would.

        The dividends are ``domain.clearing.dividend_postings`` written set-based: the
        clearing's roster holds each eligible member's dividend (others' are 0, and a
        zero is never posted), by member id.
        """
        self.session.execute(
            insert(JournalPostingRow.__table__).from_select(
                ["entry_id", "commune_id", "account_kind", "account_ref", "amount"],
                select(
                    literal(entry_id),
                    literal(commune_id),
                    literal(AccountKind.DIVIDEND.value),
                    ClearingMemberRow.member_id,
                    ClearingMemberRow.dividend,
                )
                .where(
                    ClearingMemberRow.clearing_id == clearing_id, ClearingMemberRow.dividend != 0
                )
                .order_by(ClearingMemberRow.member_id),
            )
        )
        if cash.amount:
            self.add_postings(entry_id, commune_id, [cash])
        total, count = self.session.execute(
            select(func.coalesce(func.sum(JournalPostingRow.amount), 0), func.count()).where(
                JournalPostingRow.entry_id == entry_id
            )
        ).one()
        if int(total) != 0:
            raise UnbalancedEntry(f"journal entry {entry_id} does not balance ({count} postings)")

    def entry_id(self, commune_id: int, kind: str, ref: str) -> int | None:
        """The id of the entry of this kind and reference (a period's clearing has one)."""
        return self.session.execute(
            select(func.min(JournalEntryRow.id)).where(
                JournalEntryRow.commune_id == commune_id,
                JournalEntryRow.kind == kind,
                JournalEntryRow.ref == ref,
            )
        ).scalar_one()

    def summary(self, commune_id: int) -> LedgerSummary:
        """Balances per account kind, and how many entries fail to balance (never any)."""
        balances = dict(
            self.session.execute(
                select(JournalPostingRow.account_kind, func.sum(JournalPostingRow.amount))
                .where(JournalPostingRow.commune_id == commune_id)
                .group_by(JournalPostingRow.account_kind)
            ).all()
        )
        entries = self.session.execute(
            select(func.count())
            .select_from(JournalEntryRow)
            .where(JournalEntryRow.commune_id == commune_id)
        ).scalar_one()
        unbalanced = self.session.execute(
            select(func.count()).select_from(
                select(JournalPostingRow.entry_id)
                .where(JournalPostingRow.commune_id == commune_id)
                .group_by(JournalPostingRow.entry_id)
                .having(func.sum(JournalPostingRow.amount) != 0)
                .subquery()
            )
        ).scalar_one()
        return LedgerSummary(
            entries=entries,
            unbalanced_entries=unbalanced,
            balances={k: int(v) for k, v in balances.items()},
        )

    def last_entry(self, commune_id: int) -> int:
        return journal_export.last_entry(self.session, commune_id)

    def export(
        self, commune_id: int, since: datetime | None, until: datetime | None, up_to: int
    ) -> Iterator[ExportRow]:
        return journal_export.export_rows(self.session, commune_id, since, until, up_to)

    def dump(self, commune_id: int) -> list[tuple[str, str, str, int, int]]:
        """Every posting in order, for comparing two runs in tests."""
        return [
            tuple(r)
            for r in self.session.execute(
                select(
                    JournalEntryRow.kind,
                    JournalEntryRow.ref,
                    JournalPostingRow.account_kind,
                    JournalPostingRow.account_ref,
                    JournalPostingRow.amount,
                )
                .join(JournalPostingRow, JournalPostingRow.entry_id == JournalEntryRow.id)
                .where(JournalEntryRow.commune_id == commune_id)
                .order_by(JournalEntryRow.id, JournalPostingRow.id)
            ).all()
        ]
