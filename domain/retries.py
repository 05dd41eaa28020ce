"""Scheduled work that failed: when to try it again.

A clearing, a bond's deadline or an assembly step that raises is rolled back and
tried again later, each pause twice the one before, so a passing fault (a lock, a
database restart) is retried within minutes while a lasting one (a bug, data no
clearing can sum) costs one attempt an hour, not one every tick. The streak of
failures is kept, so the commune's admins hear of it once when it starts and once
when it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.due import DueWork

FIRST_PAUSE = timedelta(minutes=1)
LONGEST_PAUSE = timedelta(hours=1)
ERROR_LENGTH = 500  # what the failure row keeps of the error; the log has it whole


def pause_after(failures: int) -> timedelta:
    """1, 2, 4, … minutes after the 1st, 2nd, 3rd … failure in a row, at most an hour."""
    if failures < 1:
        raise ValueError("a pause follows at least one failure")
    doublings = min(failures - 1, 16)  # 2**16 minutes is far past the hour already
    return min(FIRST_PAUSE * 2**doublings, LONGEST_PAUSE)


@dataclass(frozen=True)
class JobFailure:
    """One scheduled item's streak of failures, until it goes through.

    ``work`` is the item, as it was due when it last failed.
    """

    work: DueWork
    failures: int
    first_failed_at: datetime
    retry_at: datetime
    error: str

    @property
    def due_at(self) -> datetime:
        return self.work.when

    def waits(self, now: datetime) -> bool:
        return now < self.retry_at


def failed_again(
    previous: JobFailure | None, work: DueWork, now: datetime, error: str
) -> JobFailure:
    """The streak after one more failure at ``now``: the first one when ``previous`` is None."""
    failures = previous.failures + 1 if previous else 1
    return JobFailure(
        work=work,
        failures=failures,
        first_failed_at=previous.first_failed_at if previous else now,
        retry_at=now + pause_after(failures),
        error=error[:ERROR_LENGTH],
    )
