"""Scheduled work that fails: paused, retried, told once, never in anyone else's way.

An item (a bond's deadline, a period's clearing, an assembly step) that raises has
its transaction rolled back, so the books hold nothing of it. Its failure is then
written in a transaction of its own (a ``job_failure`` row: the pause survives a
restart and every process sees it), and the item waits ``domain.retries.pause_after``
before its next attempt while every other item, of its commune and of the others,
runs on time. The commune's admins get one DM when a streak starts and one when
the item finally goes through; the log gets the first traceback and a line per retry.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from domain.messages import Outgoing
from domain.model import Commune
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.retries import failed_again
from handlers.outbound import to_members

log = logging.getLogger("minga")

Job = tuple[int, str, str]  # (commune id, "deadline" | "clearing" | "assembly", key)


def describe(job: Job) -> str:
    """For the log: 'clearing for commune 1: 2027-01', 'assembly close for commune 2: #3'."""
    commune_id, what, key = job
    if what == "assembly":
        step, _, number = key.partition(":")
        which = f" (reminder {step[-1]})" if step.startswith("remind") else ""
        return f"assembly {step.rstrip('12')} for commune {commune_id}: #{number}{which}"
    subject = f"bond #{key}" if what == "deadline" else key
    return f"{what} for commune {commune_id}: {subject}"


def waiting(uow: UnitOfWork, due: Iterable[Job], now: datetime) -> set[Job]:
    """Which of the ``due`` items still wait for their next attempt at ``now``.

    A failure whose item is no longer due at all (its bond was withdrawn, or another
    process did it) is forgotten here, so it never holds a commune's later periods.
    """
    due = set(due)
    failures = uow.job_failures.all()
    stale = [f for f in failures if f.job not in due and f.due_at <= now]
    for failure in stale:
        uow.job_failures.delete(*failure.job)
        log.info("%s is no longer due; its failures are forgotten", describe(failure.job))
    if stale:
        uow.commit()
    return {f.job for f in failures if f.job in due and f.waits(now)}


def failed(
    uow_factory: UnitOfWorkFactory, job: Job, due_at: datetime, now: datetime, error: Exception
) -> None:
    """Count one more failure of ``job``, after its own transaction was rolled back.

    The commune row is locked first, so of two processes failing the same item only
    one starts the streak and its admins hear of it once.
    """
    summary = f"{type(error).__name__}: {(str(error).splitlines() or [''])[0]}"
    try:
        with uow_factory() as uow:
            commune = uow.communes.get(job[0], lock=True)
            previous = uow.job_failures.get(*job)
            failure = failed_again(previous, job, due_at, now, summary)
            uow.job_failures.save(failure)
            minutes = int((failure.retry_at - now).total_seconds()) // 60
            if previous is None:
                uow.outbox.add(_to_admins(uow, commune, "job_failed", job, minutes=minutes), now)
            uow.commit()
    except Exception:
        log.error("%s failed", describe(job), exc_info=error)
        log.exception("and its failure could not be recorded; it is retried on the next tick")
        return
    if previous is None:
        log.error(
            "%s failed; nothing of it is kept, it is retried in %d min",
            describe(job),
            minutes,
            exc_info=error,
        )
    else:
        log.warning(
            "%s failed again (%d in a row since %s): %s; retried in %d min",
            describe(job),
            failure.failures,
            failure.first_failed_at.isoformat(),
            summary,
            minutes,
        )


def went_through(uow: UnitOfWork, job: Job, now: datetime) -> None:
    """In the item's own transaction, just before it commits: end its streak, if any."""
    previous = uow.job_failures.get(*job)
    if previous is None or not uow.job_failures.delete(*job):
        return
    commune = uow.communes.get(job[0])
    attempts = previous.failures + 1
    uow.outbox.add(_to_admins(uow, commune, "job_recovered", job, attempts=attempts), now)
    log.info("%s went through on attempt %d", describe(job), attempts)


def _to_admins(
    uow: UnitOfWork, commune: Commune, template: str, job: Job, **values: Any
) -> list[Outgoing]:
    """A DM to each of the commune's admins, in their language, naming the item."""
    _, what, key = job
    about: dict[str, Any] = {"what": what, **values}
    if what == "clearing":
        about["period"] = key
    elif what == "deadline":
        about["number"] = int(key)
    else:
        step, _, number = key.partition(":")
        about["step"], about["number"] = step.rstrip("12"), int(number)
    admins = uow.communes.admin_ids(commune.id)
    return to_members(uow, commune, template, {admin: dict(about) for admin in admins})
