"""Members' proposals: a motion from a member who is not an admin, and its supporters.

An admin's motion goes on the agenda at once. A member's is a proposal until enough
members support it (the ``support`` policy: N, or N% of the commune's members counted
when each support arrives; the proposer counts): then it joins the agenda, at its end,
and the group is told. One still short when voting opens is "not supported": it is
not voted on, and the results list it with the supporters it had.

``/support`` and ``/unsupport`` change only proposals, only before the assembly opens,
under the assembly's row lock (as ``/motion`` takes it), so two supports racing for the
last place neither both promote it nor miscount.
"""

from __future__ import annotations

import json
from typing import Any

from domain.actions import Action
from domain.assemblies import Assembly, AssemblyStatus, Motion, MotionStatus, Threshold
from domain.errors import Refusal
from domain.ports import UnitOfWork
from handlers.action_views import action_view
from handlers.assembly_results import assembly_view, displayed, needed_now, proposal_view
from handlers.parsing import parse_issue_number
from handlers.turn import Turn


def place_motion(
    turn: Turn,
    assembly: Assembly,
    text: str,
    threshold: Threshold,
    action: Action | None = None,
) -> Motion:
    """An admin's motion joins the agenda; a member's becomes a proposal, supported by
    its proposer, and the group is told (with a Support button where there are buttons).

    The caller holds the assembly's lock and tells the group of a motion on the agenda;
    a member's proposal that already has its supporters (``support`` is 1) is one.
    """
    member = turn.speaker
    if member.is_admin:
        return turn.uow.assemblies.add_motion(assembly, text, threshold, action)
    added = turn.uow.assemblies.add_motion(assembly, text, threshold, action, member.id)
    turn.uow.assemblies.support(added.id, member.id, turn.now)
    needed = needed_now(turn.uow, assembly.commune_id)
    if needed <= 1:
        return turn.uow.assemblies.to_agenda(added)
    turn.announce(
        "proposal_added",
        assembly=assembly_view(turn.uow, assembly),
        proposal=displayed(turn.uow, assembly, proposal_view(turn.uow, added, needed)),
    )
    return added


def _proposal(turn: Turn, args: list[str], command: str) -> tuple[Motion, Assembly]:
    """The proposal ``/support <motion>`` or ``/unsupport <motion>`` is about, its
    assembly locked, while it may still gather support; else the refusal saying why."""
    commune = turn.require_commune()
    if len(args) != 1:
        raise Refusal("usage", command=command, example=f"/{command} 4")
    try:
        number = parse_issue_number(args[0])
    except Refusal as refusal:
        raise Refusal("bad_motion_number", text=args[0], command=command) from refusal
    found = turn.uow.assemblies.motion(commune.id, number)
    if found is None:
        raise Refusal("unknown_motion", number=number)
    held = turn.uow.assemblies.by_id(found.assembly_id, lock=True)
    found = turn.uow.assemblies.motion(commune.id, number) or found  # as it is, locked
    if held.status is not AssemblyStatus.SCHEDULED or turn.now >= held.opens_at:
        raise Refusal("support_after_opening", number=number, title=held.title)
    if found.on_agenda:
        raise Refusal("support_on_agenda", number=number, title=held.title, command=command)
    return found, held


def _named(uow: UnitOfWork, motion: Motion) -> dict[str, Any]:
    """What a refusal needs to name the motion as the agenda writes it (its action's
    text, then its reason), templates/_action.j2 motion_text."""
    assembly = uow.assemblies.by_id(motion.assembly_id)
    return {
        "number": motion.number,
        "text": motion.text,
        "action": action_view(uow, assembly, motion.action),
    }


def _values(turn: Turn, motion: Motion, held: Assembly, needed: int) -> dict[str, Any]:
    return {
        "name": turn.speaker.name,
        "title": held.title,
        "proposal": displayed(turn.uow, held, proposal_view(turn.uow, motion, needed)),
    }


def support(turn: Turn, args: list[str]) -> None:
    """``/support <motion>``: count the member among the proposal's supporters; at the
    ``support`` policy's number it joins the agenda. Supporting twice is refused (on a
    button, an alert), and changes nothing."""
    motion, held = _proposal(turn, args, "support")
    added = turn.uow.assemblies.support(motion.id, turn.speaker.id, turn.now)
    needed = needed_now(turn.uow, held.commune_id)
    if not added:
        count = len(turn.uow.assemblies.supporters(motion.id))
        raise Refusal("already_supporting", **_named(turn.uow, motion), count=count, needed=needed)
    if len(turn.uow.assemblies.supporters(motion.id)) < needed:
        turn.post("proposal_supported", **_values(turn, motion, held, needed))
        return
    values = _values(turn, motion, held, needed)
    turn.uow.assemblies.to_agenda(motion)
    turn.announce("proposal_on_agenda", assembly=assembly_view(turn.uow, held), **values)


def unsupport(turn: Turn, args: list[str]) -> None:
    """``/unsupport <motion>``: take back one's support. The proposer's support stays
    while it is a proposal; not supporting it is refused, and changes nothing."""
    motion, held = _proposal(turn, args, "unsupport")
    if motion.proposer_id == turn.speaker.id:
        raise Refusal("unsupport_own", **_named(turn.uow, motion))
    if not turn.uow.assemblies.unsupport(motion.id, turn.speaker.id):
        raise Refusal("not_supporting", **_named(turn.uow, motion))
    needed = needed_now(turn.uow, held.commune_id)
    turn.post("proposal_unsupported", **_values(turn, motion, held, needed))


def require_on_agenda(uow: UnitOfWork, motion: Motion) -> None:
    """``/vote`` on a proposal: it is not put to the vote (yet, or at all)."""
    if not motion.on_agenda:
        raise Refusal(
            "vote_on_proposal",
            **_named(uow, motion),
            pending=motion.status is MotionStatus.PROPOSAL,
        )


def settle_proposals(uow: UnitOfWork, assembly: Assembly) -> None:
    """As voting opens: a proposal with its supporters joins the agenda (the policy or
    the members may have changed since its last support); the others are not supported,
    their count kept as it stands now, as the results and the report show it."""
    proposals = [
        m for m in uow.assemblies.proposals(assembly.id) if m.status is MotionStatus.PROPOSAL
    ]
    if not proposals:
        return
    needed = needed_now(uow, assembly.commune_id)
    for motion in proposals:
        if len(uow.assemblies.supporters(motion.id)) >= needed:
            uow.assemblies.to_agenda(motion)
            continue
        uow.assemblies.not_supported(motion.id)
        motion.status = MotionStatus.NOT_SUPPORTED
        uow.assemblies.save_result(motion.id, json.dumps(proposal_view(uow, motion, needed)))
