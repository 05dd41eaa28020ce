"""Rent due and arrears at each clearing (domain.arrears), and ending a lease whose
rent goes unpaid.

The clearing reads every lease running in the period at once (``lease_dues``),
keeps each one's line (what it owed, paid, its cumulative arrears and its run of
periods in arrears) and tells, by DM, the members of each cooperative behind on a
lease and the treasurers: one message each, naming every lease they are told of.

When a run reaches the ``default-months`` policy, ``end lease <n>`` with the reason
"rent unpaid" joins the next assembly that has not opened, once per run and not
while a motion to end that lease waits for its vote; with none scheduled the admins
are told, and the next assembly set up takes it (handlers/waiting_motions.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from domain.actions import EndLease
from domain.arrears import (
    Ending,
    LeaseArrears,
    LeaseDue,
    arrears_in,
    listed,
    needs_ending,
)
from domain.bonds import ended_from
from domain.model import Commune
from domain.periods import Period
from domain.policies import DEFAULT_MONTHS
from domain.ports import UnitOfWork
from handlers.outbound import to_members
from handlers.policy_changes import policies_of
from handlers.waiting_motions import add_end, next_scheduled, undecided


def clear_arrears(
    uow: UnitOfWork,
    commune: Commune,
    period: Period,
    clearing_id: int,
    previous: int | None,
    now: datetime,
) -> list[LeaseArrears]:
    """Each running lease's line for the cleared ``period`` (and of each lease whose
    asset was sold in it), kept (``tell_arrears`` then tells those behind)."""
    tz = commune.timezone
    dues = uow.clearings.lease_dues(commune.id, str(period), period.starts_at(tz), previous)
    running_now = [due for due in dues if listed(due, str(period), tz)]
    lines = [arrears_in(due, str(period), tz) for due in running_now]
    if any(line.months for line in lines):
        lines = _endings(uow, commune, running_now, lines, now)
    uow.clearings.record_arrears(clearing_id, lines)
    return lines


def _endings(
    uow: UnitOfWork,
    commune: Commune,
    dues: list[LeaseDue],
    lines: list[LeaseArrears],
    now: datetime,
) -> list[LeaseArrears]:
    """Put ``end lease`` on the next assembly for each lease whose run reached the
    policy; the lines say where each motion went."""
    limit = int(policies_of(uow, commune.id)[DEFAULT_MONTHS])
    pending = undecided(uow, commune.id, EndLease)
    decided = {due.issue_id for due in dues if ended_from(due.terms) is not None}
    due_now = [
        line
        for line in lines
        if needs_ending(line, limit, line.issue_id in decided or line.number in pending)
    ]
    if not due_now:
        return lines
    assembly = next_scheduled(uow, commune.id, now)
    ending = Ending.WAITING if assembly is None else Ending.ON_AGENDA
    if assembly is not None:
        for line in due_now:
            add_end(uow, assembly, line.number)
    else:
        labels = uow.bonds.labels(commune.id)
        told = {
            "leases": [{"number": n.number, "asset": labels[n.issue_id][1]} for n in due_now],
            "months": limit,
        }
        admins = {admin: told for admin in uow.communes.admin_ids(commune.id)}
        uow.outbox.add(to_members(uow, commune, "lease_end_needs_assembly", admins), now)
    moved = {line.issue_id for line in due_now}
    return [replace(line, ending=ending) if line.issue_id in moved else line for line in lines]


def tell_arrears(
    uow: UnitOfWork, commune: Commune, period: Period, lines: list[LeaseArrears], now: datetime
) -> None:
    """One DM to each member of a cooperative behind on a lease and each treasurer."""
    behind = [line for line in lines if line.behind]
    if not behind:
        return
    labels = uow.bonds.labels(commune.id)
    names = {c.id: c.name for c in uow.communes.cooperatives(commune.id)}
    views = [
        _view(line, labels[line.issue_id][1], names.get(line.cooperative_id)) for line in behind
    ]
    by_coop: dict[int, list[dict[str, Any]]] = {}
    for line, view in zip(behind, views, strict=True):
        by_coop.setdefault(line.cooperative_id, []).append(view)
    told: dict[int, dict[str, Any]] = {}
    for reader in uow.clearings.arrears_readers(commune.id, by_coop):
        leases = views if reader.treasurer else by_coop.get(reader.cooperative_id or 0, [])
        if leases:
            told[reader.member_id] = {"period": str(period), "leases": leases}
    uow.outbox.add(to_members(uow, commune, "rent_arrears", told), now)


def _view(line: LeaseArrears, asset: str, cooperative: str) -> dict[str, Any]:
    return {
        "number": line.number,
        "asset": asset,
        "cooperative": cooperative,
        "due": line.rent_due,
        "paid": line.paid,
        "arrears": line.arrears,
        "months": line.months,
        "ending": line.ending is not Ending.NONE,
    }
