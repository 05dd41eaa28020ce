"""Open assemblies: set up, add motions, vote, delegate, mark presence, look back."""

from __future__ import annotations

from domain import keywords, names
from domain.assemblies import (
    Assembly,
    AssemblyStatus,
    Threshold,
    is_withdrawal,
    parse_choice,
    parse_threshold,
)
from domain.errors import Refusal
from domain.model import Member
from handlers.access import Rule, Who
from handlers.action_views import action_view
from handlers.assembly_results import assembly_view, results_values
from handlers.motion_parsing import is_action, parse_action
from handlers.new_assembly import create_assembly
from handlers.parsing import parse_issue_number
from handlers.proposals import place_motion, require_on_agenda
from handlers.registry import BARE, command
from handlers.turn import Turn
from handlers.when import (
    parse_closing,
    parse_moment,
    parse_quorum,
    parse_remote_weight,
    parse_repeat,
)

NEW_EXAMPLE = '/assembly new "Spring assembly" 2027-02-01T18:00 2027-02-01T20:00 quorum 50%'


def load_assembly(turn: Turn, text: str, lock: bool = False) -> Assembly:
    commune = turn.require_commune()
    number = parse_number(text, "bad_assembly_number")
    assembly = turn.uow.assemblies.get(commune.id, number, lock=lock)
    if assembly is None:
        raise Refusal("unknown_assembly", number=number)
    return assembly


def parse_number(text: str, code: str) -> int:
    try:
        return parse_issue_number(text)
    except Refusal as refusal:
        raise Refusal(code, text=text) from refusal


def _new_one_line(turn: Turn, args: list[str]) -> None:
    commune = turn.require_commune()
    if len(args) < 3:
        raise Refusal("usage", command="assembly", example=NEW_EXAMPLE)
    title, opens_text, closes_text, *options = args
    opens_at = parse_moment(opens_text, commune.timezone, turn.locale, turn.now)
    closes_at = parse_closing(closes_text, opens_at, commune.timezone, turn.locale, turn.now)
    quorum = repeat = weight = None
    secret = binding = budget = False
    words = list(options)
    while words:
        word = keywords.read(words.pop(0), keywords.OPTIONS)
        if word == "quorum" and words:
            quorum = parse_quorum(words.pop(0))
        elif word == "every" and words:
            amount = words.pop(0)
            if words and keywords.read(words[0], keywords.WEEKS) is not None:
                amount = f"{amount} {words.pop(0)}"
            repeat = parse_repeat(f"every {amount}")
        elif word == "secret":
            secret = True
        elif word == "binding":
            binding = True
        elif word == "budget":
            budget = True
        elif word == "remote":
            if not words:
                raise Refusal("no_remote_weight")
            weight = parse_remote_weight(words.pop(0))
        else:
            raise Refusal("usage", command="assembly", example=NEW_EXAMPLE)
    if binding and weight:
        raise Refusal("binding_and_remote", weight=weight)
    create_assembly(
        turn, title, opens_at, closes_at, quorum, repeat, secret, binding, [], weight, budget
    )


@command(
    "assembly",
    Rule(Who.PUBLIC),
    variants={BARE: Rule(Who.ADMIN), "new": Rule(Who.ADMIN)},  # the form, the one line
)
def assembly(turn: Turn, args: list[str]) -> None:
    # Bare, it is a form (handlers/forms/assembly.py): the dispatcher starts that.
    if args and args[0].lower() == "new":
        _new_one_line(turn, args[1:])
        return
    if len(args) != 1:
        raise Refusal("usage", command="assembly", example="/assembly 1")
    found = load_assembly(turn, args[0])
    view = assembly_view(turn.uow, found)
    if found.status is AssemblyStatus.CLOSED:
        turn.reply("assembly_results", **results_values(turn.uow, found, published=False))
    else:
        turn.reply("assembly_agenda", assembly=view)


@command("assemblies", Rule(Who.PUBLIC))
def assemblies(turn: Turn, args: list[str]) -> None:
    commune = turn.require_commune()
    listed = [assembly_view(turn.uow, a) for a in turn.uow.assemblies.all(commune.id)]
    turn.reply(
        "assemblies",
        upcoming=[a for a in listed if a["status"] != "closed"],
        past=[a for a in listed if a["status"] == "closed"],
    )


@command("motion", Rule(Who.MEMBER), who_note="a non-admin's needs supporters")
def motion(turn: Turn, args: list[str]) -> None:
    acting = is_action(args[1:])
    if len(args) not in (2, 3) and not acting:
        raise Refusal("usage", command="motion", example='/motion 1 "Buy a tractor" majority')
    found = load_assembly(turn, args[0], lock=True)
    if found.status is not AssemblyStatus.SCHEDULED:
        raise Refusal("motion_after_opening", number=found.number, title=found.title)
    action = None
    if acting:  # the text is the reason; minga writes the rest from the action
        action, text, threshold = parse_action(turn, args[1:])
    else:
        text = names.clean(args[1], names.MOTION)
        threshold = parse_threshold(args[2]) if len(args) == 3 else Threshold.MAJORITY
    added = place_motion(turn, found, text, threshold, action)
    if not added.on_agenda:
        return  # a member's proposal: place_motion told the group
    view = assembly_view(turn.uow, found)
    turn.post(
        "motion_added",
        assembly=view,
        number=added.number,
        text=added.text,
        threshold=added.threshold.value,
        action=next(m["action"] for m in view["motions"] if m["number"] == added.number),
    )


@command(
    "vote", Rule(Who.MEMBER), who_note="when voting opened", where_note="secret ballot: DM only"
)
def vote(turn: Turn, args: list[str]) -> None:
    member = turn.speaker
    commune = turn.require_commune()
    if len(args) < 2:
        raise Refusal("usage", command="vote", example="/vote 1 yes")
    args = [args[0], " ".join(args[1:])]  # "a favor", "en contra": minga's own words
    number = parse_number(args[0], "bad_motion_number")
    found = turn.uow.assemblies.motion(commune.id, number)
    if found is None:
        raise Refusal("unknown_motion", number=number)
    require_on_agenda(turn.uow, found)
    withdrawing = is_withdrawal(args[1])
    choice = None if withdrawing else parse_choice(args[1])
    held = turn.uow.assemblies.by_id(found.assembly_id, lock=True)
    held.require_open(turn.now)
    if held.secret and not turn.msg.chat_is_private:
        raise Refusal("vote_by_dm", number=number)
    if member.id not in turn.uow.assemblies.voters(held.id):
        raise Refusal("not_voter", title=held.title)
    values = {
        "number": number,
        "text": found.text,
        "action": action_view(turn.uow, held, found.action),
        "name": member.name,
    }
    if choice is None:
        if turn.uow.assemblies.uncast(found.id, member.id) is None:
            raise Refusal("no_vote_to_withdraw", number=number)
        template, values = "vote_withdrawn", {**values, "secret": held.secret}
    else:
        changed = turn.uow.assemblies.cast(found.id, member.id, choice, turn.now)
        template = "vote_secret_recorded" if held.secret else "vote_recorded"
        values = {**values, "choice": choice.value, "changed": changed}
    if held.secret:
        turn.reply_privately(template, **values)
    else:
        turn.post(template, **values)


@command("delegate", Rule(Who.MEMBER))
def delegate(turn: Turn, args: list[str]) -> None:
    member = turn.speaker
    commune = turn.require_commune()
    if len(args) != 1:
        raise Refusal("usage", command="delegate", example="/delegate ana")
    target = turn.uow.communes.member_by_name(commune.id, args[0].lstrip("@"))
    if target is None or not target.active:
        raise Refusal("delegate_not_member", name=args[0])
    if target.id == member.id:
        raise Refusal("delegate_to_self")
    previous = turn.uow.assemblies.undelegate(commune.id, member.id)
    turn.uow.assemblies.delegate(commune.id, member.id, target.id, turn.now)
    turn.reply("delegated", delegate=target.name)
    if previous is not None and previous != target.id:
        turn.tell_member(
            turn.uow.communes.member(previous), "delegation_withdrawn", name=member.name
        )
    delegators = sorted(
        turn.uow.communes.member(m).name
        for m, d in turn.uow.assemblies.delegations(commune.id).items()
        if d == target.id
    )
    turn.tell_member(target, "delegation_received", name=member.name, delegators=delegators)


@command("undelegate", Rule(Who.MEMBER))
def undelegate(turn: Turn, args: list[str]) -> None:
    member = turn.speaker
    commune = turn.require_commune()
    previous = turn.uow.assemblies.undelegate(commune.id, member.id)
    if previous is None:
        raise Refusal("no_delegation")
    former = turn.uow.communes.member(previous)
    turn.reply("undelegated", delegate=former.name)
    turn.tell_member(former, "delegation_withdrawn", name=member.name)


def _typed(names: list[str]) -> str:
    """The member names as typed, quoted where a name has a space, to show in a command."""
    return " ".join(f'"{name}"' if any(c.isspace() for c in name) else name for name in names)


def _running(turn: Turn, commune_id: int) -> list[Assembly]:
    """The commune's assemblies whose voting is open now, oldest first."""
    return [
        a
        for a in turn.uow.assemblies.all(commune_id)
        if a.status is AssemblyStatus.OPEN and turn.now < a.closes_at
    ]


def _presence_assembly(turn: Turn, name: str, args: list[str]) -> tuple[Assembly, list[str]]:
    """The assembly a /present or /absent line is about, and the member names after it.

    ``/present [<assembly>] <member> [<member>…]``: a leading ``#2`` is always the
    assembly; a leading ``2`` is the assembly when #2 is voting now, or when no member
    is called "2". Without a number, the one assembly voting now; with several, the
    admin is asked which one, and nothing changes.
    """
    commune = turn.require_commune()
    example = f"/{name} 1 ana ben"
    if not args:
        raise Refusal("usage", command=name, example=example)
    running = _running(turn, commune.id)
    first = args[0]
    number: int | None = None
    if first.startswith("#"):
        number = parse_number(first, "bad_assembly_number")
    elif first.isascii() and first.isdigit():
        if any(a.number == int(first) for a in running):
            number = int(first)
        elif turn.uow.communes.member_by_name(commune.id, first) is None:
            number = parse_number(first, "bad_assembly_number")
    names = args[1:] if number is not None else args
    if number is None:
        if not running:
            raise Refusal("no_open_assembly")
        if len(running) > 1:
            raise Refusal(
                "which_assembly",
                command=name,
                names=_typed(names),
                running=[{"number": a.number, "title": a.title} for a in running],
            )
        number = running[0].number
    if not names:
        if turn.uow.communes.member_by_name(commune.id, first.lstrip("#")) is not None:
            example = f"/{name} {number} {first.lstrip('#')}"  # a member called "2"
        raise Refusal("usage", command=name, example=example)
    held = turn.uow.assemblies.get(commune.id, number, lock=True)
    if held is None:
        raise Refusal("unknown_assembly", number=number)
    if held.status is AssemblyStatus.CLOSED or turn.now >= held.closes_at:
        raise Refusal("presence_closed", number=held.number, title=held.title)
    if held.status is not AssemblyStatus.OPEN:
        raise Refusal(
            "presence_not_open",
            number=held.number,
            title=held.title,
            opens=held.opens_at.isoformat(),
        )
    return held, names


def _voters_named(turn: Turn, held: Assembly, names: list[str]) -> list[Member]:
    """The members called ``names`` (each once), all of whom may vote in ``held``."""
    commune = turn.require_commune()
    voters = set(turn.uow.assemblies.voters(held.id))
    found: dict[int, Member] = {}
    for name in names:
        member = turn.uow.communes.member_by_name(commune.id, name.lstrip("@"))
        if member is None or member.id not in voters:
            raise Refusal("not_a_voter_here", name=name, title=held.title)
        found.setdefault(member.id, member)
    return list(found.values())


def _member_names(turn: Turn, member_ids: set[int]) -> list[str]:
    return [turn.uow.communes.member(m).name for m in sorted(member_ids)]


@command("present", Rule(Who.ADMIN))
def present(turn: Turn, args: list[str]) -> None:
    """Mark members present in the room: ``/present [<assembly>] <member> [<member>…]``."""
    held, names = _presence_assembly(turn, "present", args)
    marked = _voters_named(turn, held, names)
    turn.uow.assemblies.mark_present(held.id, [m.id for m in marked])
    turn.post(
        "marked_present",
        title=held.title,
        names=[m.name for m in marked],
        present=len(turn.uow.assemblies.present(held.id)),
        eligible=len(turn.uow.assemblies.voters(held.id)),
    )


@command("absent", Rule(Who.ADMIN))
def absent(turn: Turn, args: list[str]) -> None:
    """Take back presence marks: ``/absent [<assembly>] <member> [<member>…]``."""
    held, names = _presence_assembly(turn, "absent", args)
    unmarking = _voters_named(turn, held, names)
    here = turn.uow.assemblies.present(held.id)
    missing = [m.name for m in unmarking if m.id not in here]
    if missing:
        raise Refusal(
            "not_marked_present",
            names=missing,
            title=held.title,
            present=_member_names(turn, here),
        )
    turn.uow.assemblies.unmark_present(held.id, [m.id for m in unmarking])
    turn.post(
        "marked_absent",
        title=held.title,
        names=[m.name for m in unmarking],
        present=len(turn.uow.assemblies.present(held.id)),
        eligible=len(turn.uow.assemblies.voters(held.id)),
    )
