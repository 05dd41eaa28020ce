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
    Tally,
    count_motion,
    hundredths,
    weigh,
)
from domain.ports import UnitOfWork
from handlers.action_views import action_view, reported
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


def motion_view(motion: Motion, result: MotionResult) -> dict[str, Any]:
    """A motion's result as JSON: what is stored at closing and what the report prints."""
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


def stored_or_counted(uow: UnitOfWork, assembly: Assembly) -> list[dict[str, Any]]:
    """The results frozen at closing; before that, the count as it stands."""
    stored = uow.assemblies.results(assembly.id)
    views = []
    for motion, result in count(uow, assembly):
        views.append(
            _stored(assembly, stored[motion.id])
            if motion.id in stored
            else motion_view(motion, result)
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
    }


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
            _reported(uow, assembly, view, commune.currency)
            for view in stored_or_counted(uow, assembly)
        ],
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
    if assembly.status.value != "closed":
        shown["outcome"] = "pending"
    return shown


def results_values(uow: UnitOfWork, assembly: Assembly, published: bool) -> dict[str, Any]:
    """What the results message shows, the same when posted and when asked for later."""
    views = [
        {**view, "action": action_view(uow, assembly, from_stored(view["action"]))}
        if view.get("action")
        else {**view, "action": None}
        for view in stored_or_counted(uow, assembly)
    ]
    return {
        "assembly": assembly_view(uow, assembly),
        "results": views,
        "took_part": max((view["turnout"] for view in views), default=0),
        "participants": participants(uow, assembly) if assembly.secret else None,
        "presence": bool(uow.assemblies.present(assembly.id)),
        "published": published,
    }
