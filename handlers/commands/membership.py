"""Cooperatives, joining and leaving, roles and language."""

from __future__ import annotations

from domain import names
from domain.errors import Refusal
from domain.model import Member, Role
from domain.ports import UnitOfWork
from handlers import locales
from handlers.access import Rule, Who
from handlers.commands.assemblies import leave_assemblies
from handlers.registry import COMMANDS, command, listed_commands
from handlers.turn import Turn

# More namesakes than this in one commune, and the name is the platform's user id.
_MOST_NAMESAKES = 1000


def distinct_name(uow: UnitOfWork, member: Member, wanted: str, user_id: str) -> str:
    """``wanted`` if no other member of the commune has that name (by key), else the
    first free "eve (2)", "eve (3)"…: a newcomer never looks like someone else."""
    for n in range(1, _MOST_NAMESAKES + 1):
        name = wanted if n == 1 else names.numbered(wanted, n)
        holder = uow.communes.member_by_name(member.commune_id, name)
        if holder is None or holder.id == member.id:
            return name
    return names.numbered(names.member_name(user_id, user_id), member.person_id)


@command("coop", Rule(Who.PUBLIC), variants={"new": Rule(Who.ADMIN)})
def coop(turn: Turn, args: list[str]) -> None:
    commune = turn.require_commune()
    if not args:
        listed = [c.name for c in turn.uow.communes.cooperatives(commune.id)]
        turn.reply("coop_list", cooperatives=listed)
        return
    if args[0].lower() != "new" or len(args) < 2:
        raise Refusal("usage", command="coop", example="/coop new Pan y Rosas")
    name = names.clean(" ".join(args[1:]), names.COOPERATIVE)
    existing = turn.uow.communes.cooperative_by_name(commune.id, name)
    if existing is not None:
        raise Refusal("cooperative_exists", name=existing.name)
    created = turn.uow.communes.add_cooperative(commune.id, name)
    turn.post("coop_created", name=created.name)


@command("join", Rule(Who.PUBLIC))
def join(turn: Turn, args: list[str]) -> None:
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


@command("leave", Rule(Who.MEMBER))
def leave(turn: Turn, args: list[str]) -> None:
    member = turn.speaker
    if member.is_admin and turn.uow.communes.count_admins(member.commune_id) == 1:
        raise Refusal("last_admin_leave")
    released = []
    for commune_id, number in turn.uow.bonds.open_pledges_of(member.id):
        found = turn.uow.bonds.for_pledging(commune_id, number, member.id)
        if found is not None:
            issue, mine = found
            issue.unpledge(mine, turn.now)
            turn.uow.bonds.remove_pledge(issue, member.id)
            released.append(number)
    member.left_at = turn.now
    member.is_admin = member.is_treasurer = False
    turn.uow.communes.save_member(member)
    turn.post("left", name=member.name, released=released)
    leave_assemblies(turn, member)


@command("role", Rule(Who.ADMIN))
def role(turn: Turn, args: list[str]) -> None:
    commune = turn.require_commune()
    if len(args) != 2:
        raise Refusal("usage", command="role", example="/role ana treasurer")
    try:
        wanted = Role(args[1].lower())
    except ValueError as error:
        raise Refusal("unknown_role", text=args[1]) from error
    target = turn.uow.communes.member_by_name(commune.id, args[0].lstrip("@"))
    if target is None or not target.active:
        raise Refusal("unknown_member", name=args[0])
    if wanted is Role.MEMBER:
        if target.is_admin and turn.uow.communes.count_admins(commune.id) == 1:
            raise Refusal("last_admin")
        target.is_admin = target.is_treasurer = False
    elif wanted is Role.ADMIN:
        target.is_admin = True
    else:
        target.is_treasurer = True
    turn.uow.communes.save_member(target)
    turn.post(
        "role_set",
        name=target.name,
        role=wanted.value,
        admin=target.is_admin,
        treasurer=target.is_treasurer,
    )


@command("lang", Rule(Who.ANYONE))
def lang(turn: Turn, args: list[str]) -> None:
    chosen = locales.normalise(args[0]) if len(args) == 1 else None
    if chosen is None:
        raise Refusal("unknown_language", languages=list(locales.SUPPORTED))
    turn.uow.communes.set_person_locale(turn.account.person_id, chosen)
    turn.locale = chosen
    turn.reply("lang_set", language=chosen)


@command("cancel", Rule(Who.ANYONE), who_note="with a form open")
def cancel(turn: Turn, args: list[str]) -> None:
    """Handled by the dispatcher before any command runs; listed here for /help."""


@command("help", Rule(Who.ANYONE))
def help_command(turn: Turn, args: list[str]) -> None:
    """Exactly what the sender may use here, by the rules the dispatcher enforces."""
    if args:
        name = args[0].lstrip("/!").lower()
        found = COMMANDS.get(name)
        if found is None:
            raise Refusal("unknown_command", name=args[0])
        turn.reply("help_command", name=found.name, role=found.role)
        return
    listed = [c for c in listed_commands() if c.allowed(turn)]
    turn.reply(
        "help",
        commands=[c.name for c in listed],
        limited=[c.name for c in listed if not c.fully_allowed(turn)],
        is_member=turn.member is not None,
    )
