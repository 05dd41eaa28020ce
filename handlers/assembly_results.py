"""Counting an assembly's motions and presenting the results.

The same numbers feed the group's results message, ``/assembly <n>`` and the
``minga assembly-report`` JSON, so all three always agree.
"""

from __future__ import annotations

import json
from typing import Any

from domain.actions import from_stored, stored
from domain.assemblies import (
    Assembly,
    Motion,
    MotionResult,
    MotionStatus,
    Tally,
    count_motion,
    hundredths,
    weigh,
)
from domain.policies import SUPPORT, supporters_needed
from domain.ports import UnitOfWork
from handlers.action_views import action_view, reported
from handlers.policy_changes import policies_of
from handlers.rendering import render


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
                remote_weight=assembly.remote_weight,
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
        "action": stored(motion.action) if motion.action else None,
        "threshold": motion.threshold.value,
        "yes": result.total.yes,
        "no": result.total.no,
        "abstain": result.total.abstain,
        "turnout": result.turnout,
        "delegated": result.delegated.as_dict(),
        "present": result.present.as_dict(),
        "weighted": _weighted(result.weighted),
        "outcome": result.outcome.value,
        "supporters": supporters,
    }


def _weighted(tally: Tally) -> dict[str, str]:
    """Weighted yes and no (hundredths of a vote in the room) as decimal strings."""
    return {"yes": hundredths(tally.yes), "no": hundredths(tally.no)}


def _stored(assembly: Assembly, result: str) -> dict[str, Any]:
    """A result frozen at closing. Those frozen before remote votes had a weight have no
    weighted totals; their assembly's weight was 0 (binding) or 100, so they are the
    room's yes and no, or everyone's."""
    view: dict[str, Any] = json.loads(result)
    if "weighted" not in view:
        here = Tally(**view["present"])
        away = Tally(view["yes"] - here.yes, view["no"] - here.no, view["abstain"] - here.abstain)
        view = {**view, "weighted": _weighted(weigh(here, away, assembly.remote_weight))}
    return view


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
        "action": stored(motion.action) if motion.action else None,
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
        views.append(
            _stored(assembly, stored[motion.id])
            if motion.id in stored
            else motion_view(motion, result, supporters_of(uow, motion))
        )
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
        "remote_weight": assembly.remote_weight,
        "budget": assembly.budget,
        "status": assembly.status.value,
        "eligible": assembly.eligible,
        "motions": [
            {
                "number": m.number,
                "text": m.text,
                "threshold": m.threshold.value,
                "action": action_view(uow, assembly, m.action),
            }
            for m in uow.assemblies.motions(assembly.id)
        ],
        "proposals": [displayed(uow, assembly, p) for p in proposal_views(uow, assembly)],
    }


def displayed(uow: UnitOfWork, assembly: Assembly, view: dict[str, Any]) -> dict[str, Any]:
    """A motion's view as messages show it: its action with the names and months its
    text needs (handlers/action_views.py); the report and the stored results keep the
    action's stored form."""
    action = view.get("action")
    return {**view, "action": action_view(uow, assembly, from_stored(action)) if action else None}


def report(uow: UnitOfWork, assembly: Assembly) -> dict[str, Any]:
    """``minga assembly-report --json``."""
    commune = uow.communes.get(assembly.commune_id)
    eligible = assembly.eligible
    if eligible is None:
        eligible = len(uow.assemblies.voters(assembly.id))
    return {
        "assembly": assembly.number,
        "title": assembly.title,
        "status": assembly.status.value,
        "quorum": f"{assembly.quorum_percent}%" if assembly.quorum_percent else "none",
        "remote_weight": f"{assembly.remote_weight}%",
        "eligible": eligible,
        "motions": [
            _reported(
                uow,
                assembly,
                {**view, "supporters": view.get("supporters")},  # results kept before 0017
                commune.currency,
            )
            for view in stored_or_counted(uow, assembly)
        ]
        + [_reported(uow, assembly, p, commune.currency) for p in proposal_views(uow, assembly)],
    }


def _reported(
    uow: UnitOfWork, assembly: Assembly, view: dict[str, Any], currency: str
) -> dict[str, Any]:
    """A motion in the report: its action in the report's form, and whether it was
    carried out; an action motion's text is written from its action, in English."""
    action = view.get("action")
    shown = {**view, "action": reported(action, currency), "executed": view.get("executed", False)}
    if action is not None:
        motion = {"text": view["text"], "action": action_view(uow, assembly, from_stored(action))}
        shown["text"] = render("motion_text", "en", {"m": motion, "currency": currency})
    if assembly.status.value != "closed" and shown["outcome"] != "not supported":
        shown["outcome"] = "pending"
    return shown


def results_values(uow: UnitOfWork, assembly: Assembly, published: bool) -> dict[str, Any]:
    """What the results message shows, the same when posted and when asked for later."""
    views = [displayed(uow, assembly, view) for view in stored_or_counted(uow, assembly)]
    return {
        "assembly": assembly_view(uow, assembly),
        "results": views,
        "took_part": max((view["turnout"] for view in views), default=0),
        "participants": participants(uow, assembly) if assembly.secret else None,
        "presence": bool(uow.assemblies.present(assembly.id)),
        "published": published,
    }
