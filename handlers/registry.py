"""The command table: each command's function and who may use it, and where.

The rule declared here is the only one: the dispatcher checks it before the command
runs (``authorise``), ``/help`` lists what it allows, and the docs' command table is
rendered from it (handlers/command_table.py). A command whose sub-commands differ
(``/coop`` lists, ``/coop new`` creates) declares a rule per first argument.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from domain.errors import Refusal
from handlers.access import WHO_ORDER, Rule, Where, Who
from handlers.turn import Turn

CommandFunction = Callable[[Turn, list[str]], None]

#: The key of the rule for a command given with no arguments at all.
BARE = ""
#: Who a rule lets in when any member may use it (no role, no platform admin needed).
FOR_MEMBERS = frozenset({Who.ANYONE, Who.PUBLIC, Who.HOLDER, Who.MEMBER})


@dataclass(frozen=True)
class Command:
    name: str
    function: CommandFunction
    rule: Rule
    variants: Mapping[str, Rule] = field(default_factory=dict)  # first argument -> rule
    listed: bool = True  # in /help and the docs (not /start, which apps send themselves)
    who_note: str = ""  # what the command itself checks beyond the role, for the docs
    where_note: str = ""

    def rule_for(self, args: list[str]) -> Rule:
        return self.variants.get(args[0].lower() if args else BARE, self.rule)

    def rules(self) -> list[Rule]:
        return [self.rule, *self.variants.values()]

    def allowed(self, turn: Turn) -> bool:
        """Some form of it may be used by the sender, here."""
        return any(rule.allows(turn) for rule in self.rules())

    def fully_allowed(self, turn: Turn) -> bool:
        return all(rule.allows(turn) for rule in self.rules())

    def rules_in(self, private: bool) -> list[Rule]:
        """The rules of its forms that are for this kind of chat (a DM, or a group)."""
        unwanted = Where.GROUP if private else Where.DM
        return [rule for rule in self.rules() if rule.where is not unwanted]

    def works_in(self, private: bool) -> bool:
        """Some form of it is for this kind of chat (a DM, or a group)."""
        return bool(self.rules_in(private))

    def for_members_in(self, private: bool) -> bool:
        """Some form of it, in this kind of chat, is for every member (not only for a
        role): what a platform's command menu shows everyone."""
        return any(rule.who in FOR_MEMBERS for rule in self.rules_in(private))

    @property
    def role(self) -> str:
        return self.rule.who.value

    @property
    def order(self) -> tuple[int, str]:
        """Widest rule first, then by name: the order of /help and of the docs."""
        return WHO_ORDER[self.rule.who], self.name


COMMANDS: dict[str, Command] = {}


def command(
    name: str,
    rule: Rule,
    *,
    variants: Mapping[str, Rule] | None = None,
    listed: bool = True,
    who_note: str = "",
    where_note: str = "",
) -> Callable[[CommandFunction], CommandFunction]:
    """Register a command; its usage line, translated, is in templates/_usage.j2."""

    def register(function: CommandFunction) -> CommandFunction:
        COMMANDS[name] = Command(
            name, function, rule, dict(variants or {}), listed, who_note, where_note
        )
        return function

    return register


def authorise(turn: Turn, name: str, args: list[str]) -> Command:
    """The command, once its declared rule lets the sender use it here; else a refusal."""
    found = COMMANDS.get(name)
    if found is None:
        raise Refusal("unknown_command", name=name)
    found.rule_for(args).check(turn)
    return found


def listed_commands() -> list[Command]:
    return sorted((c for c in COMMANDS.values() if c.listed), key=lambda c: c.order)
