"""Bonds that need an assembly's approval before pledges open.

With the ``approval`` policy at ``assembly``, /propose (one line or the form) makes
the bond awaiting approval and puts an ``approve bond <n>`` motion (majority) on the
next assembly that has not opened yet; with none scheduled the admins are told, and
the next assembly set up takes every awaiting bond without a motion. At the close,
a carried motion opens the bond for pledges for as many days as it had left when
proposed (domain.bonds.days_after); one that did not carry closes it as not
approved and tells the proposer. Both leave a change record naming the motion.

The motion stores no text of its own: like every action motion, it reads "Approve
bond #3 (Oven for Pan)" in each reader's language, written from the action
(templates/_action.j2).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.actions import ApproveBond
from domain.assemblies import Assembly, Motion
from domain.bonds import BondIssue, IssueStatus
from domain.errors import Refusal
from domain.model import ChangeRecord, Commune
from domain.ports import UnitOfWork
from handlers.bond_views import issue_view
from handlers.motion_actions import Done, carry_out, not_carried
from handlers.outbound import to_groups, to_members
from handlers.turn import Turn
from handlers.waiting_motions import add_approval, next_scheduled, undecided

APPROVE_BOND = "approve_bond"


def approval_motions(uow: UnitOfWork, commune_id: int) -> dict[int, tuple[Assembly, Motion]]:
    """{bond number: (assembly, motion)} for every approval still to be voted on."""
    return undecided(uow, commune_id, ApproveBond)


def request_approval(turn: Turn, issue: BondIssue) -> None:
    """After /propose made ``issue`` awaiting: its motion, and who is told of it."""
    commune = turn.require_commune()
    assembly = next_scheduled(turn.uow, commune.id, turn.now)
    if assembly is not None:
        add_approval(turn.uow, assembly, issue.number)
    view = awaiting_view(turn.uow, issue, commune.timezone, assembly)
    turn.announce("bond_awaiting", issue=view, proposer=turn.speaker.name)
    if assembly is None:
        turn.tell_members(
            "bond_needs_assembly",
            {admin: {"issue": view} for admin in turn.uow.communes.admin_ids(commune.id)},
        )


def awaiting_view(
    uow: UnitOfWork, issue: BondIssue, tz: str, assembly: Assembly | None = None
) -> dict[str, Any]:
    """An issue awaiting approval as messages show it: how many days of pledges it
    will have, and the assembly that votes on it (None until one is set up)."""
    if assembly is None:
        planned = approval_motions(uow, issue.commune_id).get(issue.number)
        assembly = planned[0] if planned else None
    view = issue_view(uow, issue, issue.created_at)
    view["days_left"] = issue.days_to_pledge(tz)
    view["assembly"] = None if assembly is None else _assembly_when(assembly)
    return view


def _assembly_when(assembly: Assembly) -> dict[str, Any]:
    return {
        "number": assembly.number,
        "title": assembly.title,
        "opens": assembly.opens_at.isoformat(),
        "closes": assembly.closes_at.isoformat(),
    }


def awaiting_refusal(uow: UnitOfWork, issue: BondIssue) -> Refusal:
    """/pledge and /unpledge on an issue awaiting approval: which assembly, and when."""
    planned = approval_motions(uow, issue.commune_id).get(issue.number)
    assembly = None if planned is None else _assembly_when(planned[0])
    return Refusal("issue_awaiting", number=issue.number, asset=issue.asset, assembly=assembly)


def _not_possible(issue: BondIssue | None, number: int) -> Done:
    if issue is None:
        return Done(False, "bond_unknown", {"number": number})
    return Done(
        False,
        "bond_not_awaiting",
        {"number": issue.number, "asset": issue.asset, "status": issue.status.value},
    )


def _record(uow: UnitOfWork, issue: BondIssue, motion: Motion, when: datetime) -> None:
    after = issue.status.value
    if issue.status is IssueStatus.OPEN:
        after = f"open until {issue.deadline.isoformat()}"
    uow.policies.record(
        ChangeRecord(
            issue.commune_id,
            when,
            APPROVE_BOND,
            f"bond #{issue.number}",
            IssueStatus.AWAITING.value,
            after,
            motion_id=motion.id,
        )
    )


@carry_out.register
def _approve(
    action: ApproveBond, uow: UnitOfWork, commune: Commune, motion: Motion, when: datetime
) -> Done:
    """Open the bond for pledges, if it still awaits approval; else say why not."""
    issue = uow.bonds.get(commune.id, action.bond, lock=True)
    if issue is None or issue.status is not IssueStatus.AWAITING:
        return _not_possible(issue, action.bond)
    issue.approve(when, commune.timezone)
    uow.bonds.save(issue)
    _record(uow, issue, motion, when)
    view = issue_view(uow, issue, when)
    title = uow.assemblies.by_id(motion.assembly_id).title
    # The bond's own announcement, as /propose makes it when no approval is needed
    # (on Telegram it becomes the live message with the pledge buttons).
    uow.outbox.add(to_groups(uow, commune, "bond_new", issue=view, approved_by=title), when)
    return Done(
        True,
        "bond_approved",
        {"number": issue.number, "asset": issue.asset, "deadline": view["deadline"]},
    )


@not_carried.register
def _refuse(
    action: ApproveBond, uow: UnitOfWork, commune: Commune, motion: Motion, when: datetime
) -> Done:
    """Close the bond as not approved and tell its proposer; nothing if it is gone."""
    issue = uow.bonds.get(commune.id, action.bond, lock=True)
    if issue is None or issue.status is not IssueStatus.AWAITING:
        return _not_possible(issue, action.bond)
    issue.not_approved(when)
    uow.bonds.save(issue)
    _record(uow, issue, motion, when)
    view = issue_view(uow, issue, when)
    told = {issue.proposer_id: {"issue": view}}
    uow.outbox.add(to_members(uow, commune, "bond_not_approved", told), when)
    return Done(False, "bond_not_approved", {"number": issue.number, "asset": issue.asset})
