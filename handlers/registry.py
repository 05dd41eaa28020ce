"""The command table: each command's function, who may use it, and its help line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers.turn import Turn

CommandFunction = Callable[[Turn, list[str]], None]


@dataclass(frozen=True)
class Command:
    name: str
    function: CommandFunction
    role: str  # who the help lists it for: anyone, member, admin, treasurer (hidden: nobody)


COMMANDS: dict[str, Command] = {}


def command(name: str, role: str) -> Callable[[CommandFunction], CommandFunction]:
    """Register a command; its usage line, translated, is in templates/_usage.j2."""

    def register(function: CommandFunction) -> CommandFunction:
        COMMANDS[name] = Command(name, function, role)
        return function

    return register
