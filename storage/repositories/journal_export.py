"""The journal as an accountant's rows: each posting with its entry, and the member's
name or the bond's number its account points at (domain/open_books.py's SUBJECT).

One query, streamed a chunk at a time: a year of a federation's journal is millions
of postings, and the delivery worker writes them to the file as they come.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from domain.open_books import SUBJECT, ExportRow, Subject
from storage.connection import connection_of
from storage.repositories.clearings.shared import FETCH
from storage.tables import BondIssueRow, HoldingRow, JournalEntryRow, JournalPostingRow, MemberRow


def _points_at(subject: Subject, posting_ref: Any, row_id: Any) -> ColumnElement[bool]:
    """The join condition: the posting's account is of a kind that names ``subject``."""
    kinds = [kind for kind, points_at in SUBJECT.items() if points_at is subject]
    return and_(JournalPostingRow.account_kind.in_(kinds), row_id == posting_ref)


def last_entry(session: Session, commune_id: int) -> int:
    return session.execute(
        select(func.coalesce(func.max(JournalEntryRow.id), 0)).where(
            JournalEntryRow.commune_id == commune_id
        )
    ).scalar_one()


def export_rows(
    session: Session,
    commune_id: int,
    since: datetime | None,
    until: datetime | None,
    up_to: int,
) -> Iterator[ExportRow]:
    posting, entry = JournalPostingRow, JournalEntryRow
    holding = aliased(HoldingRow)
    holder, member = aliased(MemberRow), aliased(MemberRow)
    bond, holding_bond = aliased(BondIssueRow), aliased(BondIssueRow)
    query = (
        select(
            entry.id,
            entry.created_at,
            entry.kind,
            posting.account_kind,
            func.coalesce(member.name, holder.name),
            func.coalesce(bond.number, holding_bond.number),
            posting.amount,
        )
        .join(entry, entry.id == posting.entry_id)
        .outerjoin(holding, _points_at(Subject.HOLDING, posting.account_ref, holding.id))
        .outerjoin(holder, holder.id == holding.member_id)
        .outerjoin(holding_bond, holding_bond.id == holding.issue_id)
        .outerjoin(member, _points_at(Subject.MEMBER, posting.account_ref, member.id))
        .outerjoin(bond, _points_at(Subject.BOND, posting.account_ref, bond.id))
        .where(posting.commune_id == commune_id, entry.id <= up_to)
        .order_by(entry.id, posting.id)
    )
    if since is not None:
        query = query.where(entry.created_at >= since)
    if until is not None:
        query = query.where(entry.created_at < until)
    rows = connection_of(session).execute(query)
    for chunk in rows.partitions(FETCH):
        for entry_id, at, kind, account, name, number, amount in chunk:
            if at.tzinfo is None:  # SQLite hands UTC back without its zone
                at = at.replace(tzinfo=UTC)
            yield ExportRow(entry_id, at, kind, account, name, number, int(amount))
