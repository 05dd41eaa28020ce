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
    role: str  # who the help lists it for: anyone, member, admin, treasurer
    usage: str


COMMANDS: dict[str, Command] = {}


def command(name: str, role: str, usage: str) -> Callable[[CommandFunction], CommandFunction]:
    def register(function: CommandFunction) -> CommandFunction:
        COMMANDS[name] = Command(name, function, role, usage)
        return function

    return register
