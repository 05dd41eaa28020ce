"""The motions minga puts on an assembly by itself, and when none is scheduled yet.

Two things wait for an assembly's vote without anyone proposing them: a bond awaiting
approval (``approve bond <n>``, handlers/bond_approval.py) and a lease whose rent went
unpaid for ``default-months`` periods (``end lease <n>``, handlers/arrears.py). Both
go on the next assembly that has not opened (``next_scheduled``); with none
scheduled, the admins are told and the next assembly set up takes every one still
waiting (``attach_waiting``), unless a motion for it already waits for a vote
(``undecided``).
"""

from __future__ import annotations

from datetime import datetime

from domain.actions import ApproveBond, EndLease
from domain.arrears import RENT_UNPAID
from domain.assemblies import Assembly, AssemblyStatus, Motion, Threshold
from domain.bonds import IssueStatus
from domain.ports import UnitOfWork


def undecided(
    uow: UnitOfWork, commune_id: int, kind: type[ApproveBond | EndLease]
) -> dict[int, tuple[Assembly, Motion]]:
    """{bond number: (assembly, motion)} for each ``kind`` of motion still to be voted
    on, the first assembly's where several are."""
    found: dict[int, tuple[Assembly, Motion]] = {}
    for assembly, motion in uow.assemblies.undecided_actions(commune_id):
        if isinstance(motion.action, kind):
            found.setdefault(motion.action.bond, (assembly, motion))
    return found


def next_scheduled(uow: UnitOfWork, commune_id: int, now: datetime) -> Assembly | None:
    """The assembly that opens first among those that have not opened yet."""
    waiting = [
        a
        for a in uow.assemblies.all(commune_id)
        if a.status is AssemblyStatus.SCHEDULED and a.opens_at > now
    ]
    return min(waiting, key=lambda a: (a.opens_at, a.number), default=None)


def add_approval(uow: UnitOfWork, assembly: Assembly, number: int) -> Motion:
    """The motion stores no text: it reads "Approve bond #3 …" in each reader's language."""
    return uow.assemblies.add_motion(assembly, "", Threshold.MAJORITY, ApproveBond(number))


def add_end(uow: UnitOfWork, assembly: Assembly, number: int) -> Motion:
    return uow.assemblies.add_motion(assembly, RENT_UNPAID, Threshold.MAJORITY, EndLease(number))


def attach_waiting(uow: UnitOfWork, assembly: Assembly) -> None:
    """A new assembly takes every bond still awaiting approval and every end of a lease
    for unpaid rent that waited for one, unless a motion for it waits already."""
    commune_id = assembly.commune_id
    approvals = undecided(uow, commune_id, ApproveBond)
    for issue in uow.bonds.issues(commune_id, IssueStatus.AWAITING):
        if issue.number not in approvals:
            add_approval(uow, assembly, issue.number)
    ends = undecided(uow, commune_id, EndLease)
    for number in uow.clearings.take_waiting_ends(commune_id):
        if number not in ends:
            add_end(uow, assembly, number)
