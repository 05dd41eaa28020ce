"""Counting an assembly's motions and presenting the results.

The same numbers feed the group's results message, ``/assembly <n>`` and the
``minga assembly-report`` JSON, so all three always agree.
"""

from __future__ import annotations

import json
from typing import Any

from domain.assemblies import Assembly, Motion, MotionResult, MotionStatus, count_motion
from domain.policies import SUPPORT, supporters_needed
from domain.ports import UnitOfWork
from handlers.policy_changes import policies_of


def count(uow: UnitOfWork, assembly: Assembly) -> list[tuple[Motion, MotionResult]]:
    """Each motion with its result as things stand (final once the assembly closed)."""
    voters = uow.assemblies.voters(assembly.id)
    delegations = uow.assemblies.delegations(assembly.commune_id)
    present = uow.assemblies.present(assembly.id)
    return [
        (
            motion,
            count_motion(
                motion.threshold,
                voters,
                uow.assemblies.votes(motion.id),
                delegations,
                present,
                assembly.quorum_percent,
                assembly.binding_present,
            ),
        )
        for motion in uow.assemblies.motions(assembly.id)
    ]


def motion_view(
    motion: Motion, result: MotionResult, supporters: int | None = None
) -> dict[str, Any]:
    """A motion's result as JSON: what is stored at closing and what the report prints.

    ``supporters``: how many supported it, for a member's proposal; None for an admin's.
    """
    return {
        "motion": motion.number,
        "text": motion.text,
        "threshold": motion.threshold.value,
        "yes": result.total.yes,
        "no": result.total.no,
        "abstain": result.total.abstain,
        "turnout": result.turnout,
        "delegated": result.delegated.as_dict(),
        "present": result.present.as_dict(),
        "outcome": result.outcome.value,
        "supporters": supporters,
    }


def supporters_of(uow: UnitOfWork, motion: Motion) -> int | None:
    """How many support a member's motion (the proposer too); None for an admin's."""
    if motion.proposer_id is None:
        return None
    return len(uow.assemblies.supporters(motion.id))


def needed_now(uow: UnitOfWork, commune_id: int) -> int:
    """The ``support`` policy's number, N% counting the commune's members right now."""
    value = policies_of(uow, commune_id)[SUPPORT]
    return supporters_needed(value, uow.communes.count_members(commune_id))


def proposal_view(uow: UnitOfWork, motion: Motion, needed: int) -> dict[str, Any]:
    """A member's motion that is not on the agenda, as the messages and the report show it."""
    proposer = uow.communes.member(motion.proposer_id) if motion.proposer_id else None
    return {
        "motion": motion.number,
        "text": motion.text,
        "threshold": motion.threshold.value,
        "proposer": proposer.name if proposer else None,
        "supporters": supporters_of(uow, motion),
        "needed": needed,
        "outcome": "not supported" if motion.status is MotionStatus.NOT_SUPPORTED else "pending",
    }


def proposal_views(uow: UnitOfWork, assembly: Assembly) -> list[dict[str, Any]]:
    """The proposals still gathering support; once voting opened, those not supported
    as they stood then (stored like a result, so later changes do not alter them)."""
    proposals = uow.assemblies.proposals(assembly.id)
    if not proposals:
        return []
    needed = needed_now(uow, assembly.commune_id)
    stored = uow.assemblies.results(assembly.id)
    return [
        json.loads(stored[m.id]) if m.id in stored else proposal_view(uow, m, needed)
        for m in proposals
    ]


def stored_or_counted(uow: UnitOfWork, assembly: Assembly) -> list[dict[str, Any]]:
    """The results frozen at closing; before that, the count as it stands."""
    stored = uow.assemblies.results(assembly.id)
    views = []
    for motion, result in count(uow, assembly):
        if motion.id in stored:
            views.append(json.loads(stored[motion.id]))
        else:
            views.append(motion_view(motion, result, supporters_of(uow, motion)))
    return views


def participants(uow: UnitOfWork, assembly: Assembly) -> list[str]:
    """Names of members whose vote counted on at least one motion (secret ballots)."""
    counted: set[int] = set()
    for _, result in count(uow, assembly):
        counted |= result.counted_members
    return sorted(uow.communes.member(m).name for m in counted)


def assembly_view(uow: UnitOfWork, assembly: Assembly) -> dict[str, Any]:
    return {
        "number": assembly.number,
        "title": assembly.title,
        "opens": assembly.opens_at.isoformat(),
        "closes": assembly.closes_at.isoformat(),
        "quorum": assembly.quorum_percent,
        "repeat_weeks": assembly.repeat_weeks,
        "secret": assembly.secret,
        "binding_present": assembly.binding_present,
        "status": assembly.status.value,
        "eligible": assembly.eligible,
        "motions": [
            {"number": m.number, "text": m.text, "threshold": m.threshold.value}
            for m in uow.assemblies.motions(assembly.id)
        ],
        "proposals": proposal_views(uow, assembly),
    }


def report(uow: UnitOfWork, assembly: Assembly) -> dict[str, Any]:
    """``minga assembly-report --json``."""
    eligible = assembly.eligible
    if eligible is None:
        eligible = len(uow.assemblies.voters(assembly.id))
    return {
        "assembly": assembly.number,
        "title": assembly.title,
        "status": assembly.status.value,
        "quorum": f"{assembly.quorum_percent}%" if assembly.quorum_percent else "none",
        "eligible": eligible,
        "motions": [
            {**view, "supporters": view.get("supporters")}  # results stored before 0016
            if assembly.status.value == "closed"
            else {**view, "outcome": "pending"}
            for view in stored_or_counted(uow, assembly)
        ]
        + proposal_views(uow, assembly),
    }


def results_values(uow: UnitOfWork, assembly: Assembly, published: bool) -> dict[str, Any]:
    """What the results message shows, the same when posted and when asked for later."""
    views = stored_or_counted(uow, assembly)
    return {
        "assembly": assembly_view(uow, assembly),
        "results": views,
        "took_part": max((view["turnout"] for view in views), default=0),
        "participants": participants(uow, assembly) if assembly.secret else None,
        "presence": bool(uow.assemblies.present(assembly.id)),
        "published": published,
    }
