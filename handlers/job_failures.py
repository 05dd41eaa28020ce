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
from typing import assert_never

from domain.due import (
    AssemblyClosing,
    AssemblyOpening,
    AssemblyReminder,
    BondDeadline,
    DueWork,
    PaymentWindow,
    PeriodClearing,
)
from domain.messages import Outgoing
from domain.model import Commune
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.retries import failed_again
from handlers.outbound import to_members

log = logging.getLogger("minga")


def waiting(uow: UnitOfWork, due: Iterable[DueWork], now: datetime) -> set[DueWork]:
    """Which of the ``due`` items still wait for their next attempt at ``now``.

    A failure whose item is no longer due at all (its bond was withdrawn, or another
    process did it) is forgotten here, so it never holds a commune's later periods.
    """
    due = set(due)
    failures = uow.job_failures.all()
    stale = [f for f in failures if f.work not in due and f.due_at <= now]
    for failure in stale:
        uow.job_failures.delete(failure.work)
        log.info("%s is no longer due; its failures are forgotten", failure.work)
    if stale:
        uow.commit()
    return {f.work for f in failures if f.work in due and f.waits(now)}


def failed(uow_factory: UnitOfWorkFactory, work: DueWork, now: datetime, error: Exception) -> None:
    """Count one more failure of ``work``, after its own transaction was rolled back.

    The commune row is locked first, so of two processes failing the same item only
    one starts the streak and its admins hear of it once.
    """
    summary = f"{type(error).__name__}: {(str(error).splitlines() or [''])[0]}"
    try:
        with uow_factory() as uow:
            commune = uow.communes.get(work.commune_id, lock=True)
            previous = uow.job_failures.get(work)
            failure = failed_again(previous, work, now, summary)
            uow.job_failures.save(failure)
            minutes = int((failure.retry_at - now).total_seconds()) // 60
            if previous is None:
                uow.outbox.add(_to_admins(uow, commune, "job_failed", work, minutes=minutes), now)
            uow.commit()
    except Exception:
        log.error("%s failed", work, exc_info=error)
        log.exception("and its failure could not be recorded; it is retried on the next tick")
        return
    if previous is None:
        log.error(
            "%s failed; nothing of it is kept, it is retried in %d min",
            work,
            minutes,
            exc_info=error,
        )
    else:
        log.warning(
            "%s failed again (%d in a row since %s): %s; retried in %d min",
            work,
            failure.failures,
            failure.first_failed_at.isoformat(),
            summary,
            minutes,
        )


def went_through(uow: UnitOfWork, work: DueWork, now: datetime) -> None:
    """In the item's own transaction, just before it commits: end its streak, if any."""
    previous = uow.job_failures.get(work)
    if previous is None or not uow.job_failures.delete(work):
        return
    commune = uow.communes.get(work.commune_id)
    attempts = previous.failures + 1
    uow.outbox.add(_to_admins(uow, commune, "job_recovered", work, attempts=attempts), now)
    log.info("%s went through on attempt %d", work, attempts)


def _about(work: DueWork) -> dict[str, str | int]:
    """What job_failed.j2 and job_recovered.j2 say the item is (the outbox keeps this)."""
    match work:
        case PeriodClearing():
            return {"what": "clearing", "period": str(work.period)}
        case BondDeadline() | PaymentWindow():  # a payment window's end is a deadline too
            return {"what": "deadline", "number": work.number}
        case AssemblyOpening():
            return {"what": "assembly", "step": "open", "number": work.number}
        case AssemblyReminder():
            return {"what": "assembly", "step": "remind", "number": work.number}
        case AssemblyClosing():
            return {"what": "assembly", "step": "close", "number": work.number}
        case _:
            assert_never(work)


def _to_admins(
    uow: UnitOfWork, commune: Commune, template: str, work: DueWork, **values: int
) -> list[Outgoing]:
    """A DM to each of the commune's admins, in their language, naming the item."""
    admins = uow.communes.admin_ids(commune.id)
    named = _about(work)
    context = {"what": named["what"], **values, **named}  # the order the outbox always had
    return to_members(uow, commune, template, {admin: dict(context) for admin in admins})
