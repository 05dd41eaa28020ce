"""The append-only journal: entries are inserted, never updated or deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select
from sqlmodel import Session

from domain.journal import JournalEntry
from domain.model import LedgerSummary
from storage.tables import JournalEntryRow, JournalPostingRow


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
