"""Scheduled work that failed: one small row per failing item, until it goes through."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import delete, select
from sqlmodel import Session

from domain.retries import JobFailure
from storage.tables import JobFailureRow


def _failure(row: JobFailureRow) -> JobFailure:
    return JobFailure(
        commune_id=row.commune_id,
        what=row.what,
        key=row.key,
        due_at=row.due_at,
        failures=row.failures,
        first_failed_at=row.first_failed_at,
        retry_at=row.retry_at,
        error=row.error,
    )


class JobFailureRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[JobFailure]:
        """Every failing item: a handful at most, read on every tick."""
        rows = self.session.execute(select(JobFailureRow)).scalars()
        return [_failure(row) for row in rows]

    def get(self, commune_id: int, what: str, key: str) -> JobFailure | None:
        row = self.session.get(JobFailureRow, (commune_id, what, key))
        return _failure(row) if row else None

    def save(self, failure: JobFailure) -> None:
        row = self.session.get(JobFailureRow, failure.job)
        if row is None:
            self.session.add(JobFailureRow(**asdict(failure)))
        else:
            for name, value in asdict(failure).items():
                setattr(row, name, value)
        self.session.flush()

    def delete(self, commune_id: int, what: str, key: str) -> bool:
        found = self.session.execute(
            delete(JobFailureRow).where(
                JobFailureRow.commune_id == commune_id,
                JobFailureRow.what == what,
                JobFailureRow.key == key,
            )
        )
        return bool(found.rowcount)
