"""Cooperatives, joining and leaving, roles and language."""

from __future__ import annotations

from domain.errors import Refusal
from domain.model import Member, Role
from handlers import locales
from handlers.commands.assemblies import leave_assemblies
from handlers.registry import COMMANDS, command
from handlers.turn import Turn


@command("coop", "member")
def coop(turn: Turn, args: list[str]) -> None:
    commune = turn.require_commune()
    if not args:
        names = [c.name for c in turn.uow.communes.cooperatives(commune.id)]
        turn.reply("coop_list", cooperatives=names)
        return
    if args[0].lower() != "new" or len(args) < 2:
        raise Refusal("usage", command="coop", example="/coop new Pan y Rosas")
    turn.require_admin()
    name = " ".join(args[1:]).strip()
    if not name or len(name) > 80:
        raise Refusal("bad_cooperative_name")
    existing = turn.uow.communes.cooperative_by_name(commune.id, name)
    if existing is not None:
        raise Refusal("cooperative_exists", name=existing.name)
    created = turn.uow.communes.add_cooperative(commune.id, name)
    turn.post("coop_created", name=created.name)


@command("join", "anyone")
def join(turn: Turn, args: list[str]) -> None:
    commune = turn.require_commune()
    cooperative = None
    if args:
        wanted = " ".join(args)
        cooperative = turn.uow.communes.cooperative_by_name(commune.id, wanted)
        if cooperative is None:
            names = [c.name for c in turn.uow.communes.cooperatives(commune.id)]
            raise Refusal("unknown_cooperative", name=wanted, cooperatives=names)
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
        name=turn.account.display_name,
        joined_at=turn.now,
    )
    member.name = turn.account.display_name
    member.joined_at, member.left_at = turn.now, None
    member.is_admin = member.is_treasurer = False
    member.cooperative_id = cooperative.id if cooperative else None
    turn.uow.communes.save_member(member)
    turn.member = member
    turn.post("joined", name=member.name, cooperative=cooperative.name if cooperative else None)


@command("leave", "member")
def leave(turn: Turn, args: list[str]) -> None:
    member = turn.require_member()
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


@command("role", "admin")
def role(turn: Turn, args: list[str]) -> None:
    turn.require_admin()
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


@command("lang", "anyone")
def lang(turn: Turn, args: list[str]) -> None:
    chosen = locales.normalise(args[0]) if len(args) == 1 else None
    if chosen is None:
        raise Refusal("unknown_language", languages=list(locales.SUPPORTED))
    turn.uow.communes.set_person_locale(turn.account.person_id, chosen)
    turn.locale = chosen
    turn.reply("lang_set", language=chosen)


@command("cancel", "anyone")
def cancel(turn: Turn, args: list[str]) -> None:
    """Handled by the dispatcher before any command runs; listed here for /help."""


_ROLE_ORDER = {"anyone": 0, "member": 1, "treasurer": 2, "admin": 3}


@command("help", "anyone")
def help_command(turn: Turn, args: list[str]) -> None:
    member = turn.member
    roles = {"anyone"}
    if member is not None:
        roles.add("member")
        if member.is_admin:
            roles.add("admin")
        if member.is_treasurer:
            roles.add("treasurer")
    if args:
        name = args[0].lstrip("/!").lower()
        found = COMMANDS.get(name)
        if found is None:
            raise Refusal("unknown_command", name=args[0])
        turn.reply("help_command", name=found.name, role=found.role)
        return
    hidden = {"setup"} if turn.commune is not None else set()
    listed = sorted(
        (c for c in COMMANDS.values() if c.role in roles and c.name not in hidden),
        key=lambda c: (_ROLE_ORDER[c.role], c.name),
    )
    turn.reply(
        "help",
        commands=[c.name for c in listed],
        is_member=member is not None,
        is_admin="admin" in roles,
    )
