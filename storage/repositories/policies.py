"""A commune's policies and the append-only record of its decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from domain.model import ChangeRecord
from storage.decision_tables import ChangeRecordRow, PolicyRow
from storage.repositories.parts import SessionPart


class PolicyRepository(SessionPart):
    def stored(self, commune_id: int) -> dict[str, str]:
        rows = self.session.execute(
            select(PolicyRow.name, PolicyRow.value).where(PolicyRow.commune_id == commune_id)
        )
        return {name: value for name, value in rows}

    def put(self, commune_id: int, name: str, value: str, at: datetime) -> None:
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(PolicyRow).values(
            commune_id=commune_id, name=name, value=value, changed_at=at
        )
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["commune_id", "name"],
                set_={"value": value, "changed_at": at},
            )
        )

    def record(self, change: ChangeRecord) -> None:
        self.session.add(
            ChangeRecordRow(
                commune_id=change.commune_id,
                at=change.at,
                kind=change.kind,
                subject=change.subject,
                before=change.before,
                after=change.after,
                member_id=change.member_id,
                motion_id=change.motion_id,
            )
        )
        self.session.flush()

    def records(self, commune_id: int) -> list[ChangeRecord]:
        rows = self.session.scalars(
            select(ChangeRecordRow)
            .where(ChangeRecordRow.commune_id == commune_id)
            .order_by(ChangeRecordRow.id)
        )
        return [
            ChangeRecord(
                row.commune_id,
                row.at,
                row.kind,
                row.subject,
                row.before,
                row.after,
                row.member_id,
                row.motion_id,
            )
            for row in rows
        ]
