"""Scheduled work that failed: one small row per failing item, until it goes through.

A row names its item by two columns, ``what`` ("deadline", "clearing", "assembly")
and ``key`` (a bond number, a period, "<step>:<assembly number>"): the only place
that spelling exists. Everyone else sees the typed items of domain/due.py.
"""

from __future__ import annotations

from typing import assert_never

from sqlalchemy import delete, select
from sqlmodel import Session

from domain.due import (
    AssemblyClosing,
    AssemblyOpening,
    AssemblyReminder,
    BondDeadline,
    DueWork,
    PaymentWindow,
    PeriodClearing,
)
from domain.periods import Period
from domain.retries import JobFailure
from storage.tables import JobFailureRow

_REMINDER = "remind"  # "remind1:3": assembly #3's first reminder


def _columns(work: DueWork) -> tuple[int, str, str]:
    """The row's primary key for ``work``: (commune id, what, key)."""
    match work:
        case BondDeadline():
            return work.commune_id, "deadline", str(work.number)
        case PaymentWindow():
            return work.commune_id, "payment", str(work.number)
        case PeriodClearing():
            return work.commune_id, "clearing", str(work.period)
        case AssemblyReminder():
            return work.commune_id, "assembly", f"{_REMINDER}{work.which}:{work.number}"
        case AssemblyOpening():
            return work.commune_id, "assembly", f"open:{work.number}"
        case AssemblyClosing():
            return work.commune_id, "assembly", f"close:{work.number}"
        case _:
            assert_never(work)


def _work(row: JobFailureRow) -> DueWork:
    commune_id, when = row.commune_id, row.due_at
    if row.what == "deadline":
        return BondDeadline(commune_id=commune_id, number=int(row.key), when=when)
    if row.what == "payment":
        return PaymentWindow(commune_id=commune_id, number=int(row.key), when=when)
    if row.what == "clearing":
        return PeriodClearing(commune_id=commune_id, period=Period.parse(row.key), when=when)
    step, _, number_text = row.key.partition(":")
    number = int(number_text)
    if step == "open":
        return AssemblyOpening(commune_id=commune_id, number=number, when=when)
    if step == "close":
        return AssemblyClosing(commune_id=commune_id, number=number, when=when)
    which = int(step.removeprefix(_REMINDER))
    return AssemblyReminder(commune_id=commune_id, number=number, which=which, when=when)


def _failure(row: JobFailureRow) -> JobFailure:
    return JobFailure(
        work=_work(row),
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

    def get(self, work: DueWork) -> JobFailure | None:
        row = self.session.get(JobFailureRow, _columns(work))
        return _failure(row) if row else None

    def save(self, failure: JobFailure) -> None:
        commune_id, what, key = _columns(failure.work)
        values = {
            "due_at": failure.due_at,
            "failures": failure.failures,
            "first_failed_at": failure.first_failed_at,
            "retry_at": failure.retry_at,
            "error": failure.error,
        }
        row = self.session.get(JobFailureRow, (commune_id, what, key))
        if row is None:
            self.session.add(JobFailureRow(commune_id=commune_id, what=what, key=key, **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
        self.session.flush()

    def delete(self, work: DueWork) -> bool:
        commune_id, what, key = _columns(work)
        found = self.session.execute(
            delete(JobFailureRow).where(
                JobFailureRow.commune_id == commune_id,
                JobFailureRow.what == what,
                JobFailureRow.key == key,
            )
        )
        return bool(found.rowcount)
