"""Scheduling a new assembly: what ``/assembly new`` and the /assembly form both end in.

Both ways of setting one up read their answers differently (one line of arguments, or
one question at a time with a summary to confirm) and then call this, so the rules of
a schedule and the announcement to the group are the same whichever way was used.
"""

from __future__ import annotations

from datetime import datetime

from domain import names
from domain.actions import Action
from domain.assemblies import Assembly, Threshold, validate_remote_weight, validate_schedule
from handlers.assembly_results import assembly_view
from handlers.turn import Turn
from handlers.waiting_motions import attach_waiting


def create_assembly(
    turn: Turn,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    quorum: int | None,
    repeat: int | None,
    secret: bool,
    binding: bool,
    motions: list[tuple[str, Threshold, Action | None]],
    remote_weight: int | None = None,
    budget: bool = False,
) -> Assembly:
    """Schedule an assembly and announce it to the group. ``binding`` is a remote
    weight of 0; without either, a remote vote weighs as much as one in the room."""
    admin = turn.speaker
    commune = turn.require_commune()
    title = names.clean(title, names.TITLE)
    validate_schedule(opens_at, closes_at, turn.now)
    weight = 0 if binding else 100 if remote_weight is None else remote_weight
    validate_remote_weight(weight)
    assembly = turn.uow.assemblies.add(
        Assembly(
            id=0,
            commune_id=commune.id,
            number=0,
            title=title,
            opens_at=opens_at,
            closes_at=closes_at,
            created_by=admin.id,
            created_at=turn.now,
            quorum_percent=quorum,
            repeat_weeks=repeat,
            secret=secret,
            remote_weight=weight,
            budget=budget,
        )
    )
    for text, threshold, action in motions:
        turn.uow.assemblies.add_motion(assembly, text, threshold, action)
    attach_waiting(turn.uow, assembly)
    turn.announce("assembly_created", assembly=assembly_view(turn.uow, assembly))
    return assembly
