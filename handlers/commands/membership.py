"""Cooperatives, joining and leaving, roles and language."""

from __future__ import annotations

from domain import keywords, names
from domain.errors import Refusal
from handlers import locales, members
from handlers.access import Rule, Where, Who
from handlers.parsing import parse_role
from handlers.registry import COMMANDS, command, listed_commands
from handlers.turn import Turn


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
    members.join(turn, args)


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
    members.leave_assemblies(turn, member)


@command("role", Rule(Who.ADMIN))
def role(turn: Turn, args: list[str]) -> None:
    commune = turn.require_commune()
    if len(args) != 2:
        raise Refusal("usage", command="role", example="/role ana treasurer")
    wanted = parse_role(args[1])
    target = turn.uow.communes.member_by_name(commune.id, args[0].lstrip("@"))
    if target is None or not target.active:
        raise Refusal("unknown_member", name=args[0])
    members.set_role(turn.uow, commune.id, target, wanted)
    turn.post(
        "role_set",
        name=target.name,
        role=wanted.value,
        admin=target.is_admin,
        treasurer=target.is_treasurer,
    )


_IN_GROUP = Rule(Who.ADMIN, Where.GROUP, elsewhere="lang_group_in_group")


@command("lang", Rule(Who.ANYONE), variants={"group": _IN_GROUP})
def lang(turn: Turn, args: list[str]) -> None:
    """A member's own language; ``/lang group <code>`` an admin's for the whole group."""
    if args and keywords.read(args[0], keywords.SCOPES) == "group":
        _IN_GROUP.check(turn)  # the dispatcher checked "group"; "grupo" and "grup" here
        _group_lang(turn, args[1:])
        return
    chosen = locales.normalise(args[0]) if len(args) == 1 else None
    if chosen is None:
        raise Refusal("unknown_language", languages=list(locales.SUPPORTED))
    turn.uow.communes.set_person_locale(turn.account.person_id, chosen)
    turn.locale = chosen
    turn.reply("lang_set", language=chosen)


def _group_lang(turn: Turn, args: list[str]) -> None:
    commune = turn.require_commune()
    chosen = locales.normalise(args[0]) if len(args) == 1 else None
    if chosen is None:
        raise Refusal("unknown_language", languages=list(locales.SUPPORTED), group=True)
    turn.uow.communes.set_locale(commune.id, chosen)
    turn.commune = turn.uow.communes.get(commune.id)
    turn.post("lang_group_set", language=chosen)


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
