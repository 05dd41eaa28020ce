"""/policy: the rules a commune sets for itself, listed and changed."""

from __future__ import annotations

from domain.errors import Refusal
from domain.policies import POLICIES, by_assembly, policy_named
from handlers.access import Rule, Who
from handlers.policy_changes import change_policy, policies_of
from handlers.registry import BARE, command
from handlers.turn import Turn


@command("policy", Rule(Who.ADMIN), variants={BARE: Rule(Who.PUBLIC)})
def policy(turn: Turn, args: list[str]) -> None:
    """Bare, anyone in the group reads them; with a name and a value an admin changes
    one, until ``decide`` is ``assembly``: from then on only a carried motion does."""
    commune = turn.require_commune()
    if not args:
        values = policies_of(turn.uow, commune.id)
        turn.reply(
            "policies",
            policies=[
                {"name": name, "value": value, "default": POLICIES[name].default}
                for name, value in values.items()
            ],
            by_assembly=by_assembly(values),
        )
        return
    if len(args) != 2:
        raise Refusal("usage", command="policy", example="/policy approval assembly")
    found = policy_named(args[0])
    value = found.parse(args[1])
    turn.lock_commune()
    values = policies_of(turn.uow, commune.id)
    if by_assembly(values):
        raise Refusal("policy_by_assembly", name=found.name, value=value)
    if values[found.name] == value:
        raise Refusal("policy_unchanged", name=found.name, value=value)
    member = turn.speaker
    before = change_policy(turn.uow, commune, found, value, turn.now, member_id=member.id)
    turn.post("policy_changed", name=found.name, before=before, value=value, by=member.name)
