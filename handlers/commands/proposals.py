"""Supporting a member's proposal so that it goes on the assembly's agenda."""

from __future__ import annotations

from handlers import proposals
from handlers.access import Rule, Who
from handlers.registry import command
from handlers.turn import Turn


@command("support", Rule(Who.MEMBER), who_note="before voting opens")
def support(turn: Turn, args: list[str]) -> None:
    proposals.support(turn, args)


@command("unsupport", Rule(Who.MEMBER), who_note="not the proposer")
def unsupport(turn: Turn, args: list[str]) -> None:
    proposals.unsupport(turn, args)
