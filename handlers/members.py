"""Joining and leaving a commune: what /join, /start's invitation and /leave share."""

from __future__ import annotations

from domain import names
from domain.errors import Refusal
from domain.model import Member, Role
from domain.ports import UnitOfWork
from handlers.turn import Turn

# More namesakes than this in one commune, and the name is the platform's user id.
_MOST_NAMESAKES = 1000


def distinct_name(uow: UnitOfWork, member: Member, wanted: str, user_id: str) -> str:
    """``wanted`` if no other member of the commune has that name (by key), else the
    first free "eve (2)", "eve (3)"…: a newcomer never looks like someone else."""
    tries = [wanted, *(names.numbered(wanted, n) for n in range(2, _MOST_NAMESAKES + 1))]
    taken = uow.communes.names_taken(member.commune_id, tries, member.id)
    free = next((name for name in tries if name not in taken), None)
    if free is not None:
        return free
    return names.numbered(names.member_name(user_id, user_id), member.person_id)


def join(turn: Turn, args: list[str]) -> None:
    """/join [<cooperative>]: a newcomer becomes a member (a former one comes back),
    or a member without a cooperative joins one."""
    commune = turn.require_commune()
    cooperative = None
    if args:
        wanted = " ".join(args)
        cooperative = turn.uow.communes.cooperative_by_name(commune.id, wanted)
        if cooperative is None:
            listed = [c.name for c in turn.uow.communes.cooperatives(commune.id)]
            raise Refusal("unknown_cooperative", name=wanted, cooperatives=listed)
    member = turn.member
    if member is not None:
        if cooperative is None:
            raise Refusal("already_member", commune=commune.name)
        if member.cooperative_id is not None:
            current = turn.uow.communes.cooperative(member.cooperative_id)
            raise Refusal("already_in_cooperative", cooperative=current.name)
        member.cooperative_id = cooperative.id
        turn.uow.communes.save_member(member)
        turn.post("joined_cooperative", name=member.name, cooperative=cooperative.name)
        return
    former = turn.uow.communes.member_of(commune.id, turn.account.person_id)
    member = former or Member(
        id=0,
        commune_id=commune.id,
        person_id=turn.account.person_id,
        name="",
        joined_at=turn.now,
    )
    shown = names.member_name(turn.account.display_name, turn.msg.user_id)
    member.name = distinct_name(turn.uow, member, shown, turn.msg.user_id)
    member.joined_at, member.left_at = turn.now, None
    member.is_admin = member.is_treasurer = False
    member.cooperative_id = cooperative.id if cooperative else None
    turn.uow.communes.save_member(member)
    turn.member = member
    turn.post("joined", name=member.name, cooperative=cooperative.name if cooperative else None)


def leave_assemblies(turn: Turn, member: Member) -> None:
    """A member who leaves stops deciding: delegations to and from them end (those who
    had delegated to them learn it by DM), and in every vote still open they count
    neither as a voter nor as eligible. Closed assemblies' results stay as published;
    rejoining later does not bring them back into a vote that opened before."""
    delegators = turn.uow.assemblies.end_delegations(member.commune_id, member.id)
    turn.uow.assemblies.withdraw_voter(member.commune_id, member.id, turn.now)
    turn.tell_members("delegation_ended", {m: {"name": member.name} for m in delegators})


def set_role(uow: UnitOfWork, commune_id: int, target: Member, wanted: Role) -> None:
    """/role and a carried role motion: admin and treasurer add a role, member takes
    both away (never from the last admin)."""
    if wanted is Role.MEMBER:
        if target.is_admin and uow.communes.count_admins(commune_id) == 1:
            raise Refusal("last_admin")
        target.is_admin = target.is_treasurer = False
    elif wanted is Role.ADMIN:
        target.is_admin = True
    else:
        target.is_treasurer = True
    uow.communes.save_member(target)


def roles_of(member: Member) -> str:
    """A member's roles as the change record writes them."""
    held = [
        r.value
        for r, has in ((Role.ADMIN, member.is_admin), (Role.TREASURER, member.is_treasurer))
        if has
    ]
    return ", ".join(held) or Role.MEMBER.value
