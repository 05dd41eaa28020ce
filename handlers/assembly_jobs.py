"""The assembly's clock: open voting, remind, close and publish, repeat.

handlers/jobs.py decides when each step is due and that it still is; these do it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from domain.assemblies import Assembly, AssemblyStatus, Outcome
from domain.ports import UnitOfWork
from handlers import carried_actions  # noqa: F401  (registers rent, lease, role, policy)
from handlers.assembly_results import (
    assembly_view,
    count,
    motion_view,
    results_values,
    supporters_of,
)
from handlers.ballots import ballots
from handlers.fund_grants import in_settling_order
from handlers.motion_actions import settle
from handlers.outbound import to_groups, to_members
from handlers.proposals import settle_proposals
from handlers.waiting_motions import attach_waiting


def open_voting(uow: UnitOfWork, assembly: Assembly, when: datetime) -> None:
    commune = uow.communes.get(assembly.commune_id)
    settle_proposals(uow, assembly)
    assembly.status = AssemblyStatus.OPEN
    assembly.eligible = uow.assemblies.snapshot_voters(assembly)
    uow.assemblies.save(assembly)
    view = assembly_view(uow, assembly)
    uow.outbox.add(to_groups(uow, commune, "assembly_open", assembly=view), when)
    uow.outbox.add(ballots(uow, commune, assembly, view["motions"]), when)


def remind(uow: UnitOfWork, assembly: Assembly, which: int, when: datetime, now: datetime) -> None:
    """DM the voters whose vote does not yet count on every motion.

    After downtime only the latest reminder due is sent: two at once is noise.
    """
    commune = uow.communes.get(assembly.commune_id)
    later_due = which == 1 and assembly.closes_at - timedelta(hours=1) <= now
    assembly.reminded = which
    uow.assemblies.save(assembly)
    if later_due or assembly.closes_at <= now:
        return
    results = count(uow, assembly)
    view = assembly_view(uow, assembly)
    hours = 24 if which == 1 else 1
    still_to_count: dict[int, dict[str, Any]] = {}
    for member_id in uow.assemblies.voters(assembly.id):
        missing = [
            shown
            for shown, (_, result) in zip(view["motions"], results, strict=True)
            if member_id not in result.counted_members
        ]
        if missing:
            still_to_count[member_id] = {"assembly": view, "hours": hours, "motions": missing}
    messages = to_members(uow, commune, "assembly_reminder", still_to_count)
    uow.outbox.add(messages, when)


def close_voting(uow: UnitOfWork, assembly: Assembly, when: datetime) -> None:
    commune = uow.communes.get(assembly.commune_id)
    results = count(uow, assembly)
    for motion, result in in_settling_order(assembly, results):
        view = motion_view(motion, result, supporters_of(uow, motion))
        done = settle(uow, commune, motion, result.outcome is Outcome.CARRIED, when)
        if done is not None:
            view.update(done.as_json())
        uow.assemblies.save_result(motion.id, json.dumps(view))
    assembly.status = AssemblyStatus.CLOSED
    uow.assemblies.save(assembly)
    messages = to_groups(
        uow, commune, "assembly_results", **results_values(uow, assembly, published=True)
    )
    if assembly.repeat_weeks:
        opens_at, closes_at = assembly.repeat_times(commune.timezone)
        following = uow.assemblies.add(
            replace(
                assembly,
                id=0,
                number=0,
                opens_at=opens_at,
                closes_at=closes_at,
                status=AssemblyStatus.SCHEDULED,
                reminded=0,
                eligible=None,
                created_at=when,
            )
        )
        for motion in uow.assemblies.motions(assembly.id):
            if motion.action is None:  # an action is decided once, not every time
                uow.assemblies.add_motion(following, motion.text, motion.threshold)
        attach_waiting(uow, following)
        messages += to_groups(
            uow, commune, "assembly_created", assembly=assembly_view(uow, following)
        )
    uow.outbox.add(messages, when)
