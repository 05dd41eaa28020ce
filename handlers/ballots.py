"""A message of its own for each motion when voting opens, where members vote by reacting.

On Matrix a member votes by reacting to a motion's message (👍 yes, 👎 no, 🤷
abstain; removing the reaction withdraws the vote: bot/matrix/reactions.py), so
each motion on the agenda gets its own notice in the commune's Matrix rooms,
after the agenda. The notice's ``ballot`` names the motion; the Matrix adapter
keeps which event carries it. A secret ballot gets none: a reaction is seen by the
whole room.
"""

from __future__ import annotations

from typing import Any

from domain.assemblies import Assembly
from domain.messages import Outgoing
from domain.model import Commune
from domain.ports import UnitOfWork
from handlers.outbound import to_groups

#: Platforms where a reaction to a message is a vote (bot/matrix/reactions.py).
REACTING_PLATFORMS = frozenset({"matrix"})
TEMPLATE = "motion_ballot"


def ballots(
    uow: UnitOfWork, commune: Commune, assembly: Assembly, shown: list[dict[str, Any]]
) -> list[Outgoing]:
    """``shown``: the agenda's motions as the opening message shows them, in order."""
    if assembly.secret:
        return []
    found = []
    for motion, view in zip(uow.assemblies.motions(assembly.id), shown, strict=True):
        ballot = {"assembly_id": assembly.id, "motion_id": motion.id, "number": motion.number}
        found += [
            message
            for message in to_groups(uow, commune, TEMPLATE, motion=view, ballot=ballot)
            if message.address.platform in REACTING_PLATFORMS
        ]
    return found
