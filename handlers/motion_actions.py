"""Carrying out what an assembly decided: one function per kind of action.

When an assembly closes (handlers/assembly_jobs.py), each action motion's fate is
settled in the same transaction as its result: ``carry_out`` when it carried,
``not_carried`` when it did not (a bond awaiting approval is then closed). Each
kind registers its own implementation below or in its own module
(``@carry_out.register``), so the close knows one interface.

An implementation returns a ``Done``: whether it changed the books, and the
message key and values the results line shows ("Bond #3 approved: pledges open
until …", "not carried out: the lease had already ended"). When the action is no
longer possible it changes nothing and says why; it never raises for that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import singledispatch
from typing import Any

from domain.actions import Action
from domain.assemblies import Motion
from domain.model import Commune
from domain.ports import UnitOfWork


@dataclass(frozen=True)
class Done:
    """What became of an action: ``executed`` when the books changed; ``note`` is the
    key of the line in the results message (templates/_action_note.j2)."""

    executed: bool
    note: str
    values: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"executed": self.executed, "note": self.note, "note_values": self.values}


@singledispatch
def carry_out(
    action: Action, uow: UnitOfWork, commune: Commune, motion: Motion, when: datetime
) -> Done:
    """Do what the carried ``motion`` decided, in the closing's transaction."""
    raise NotImplementedError(f"no way to carry out {type(action).__name__} yet")


@singledispatch
def not_carried(
    action: Action, uow: UnitOfWork, commune: Commune, motion: Motion, when: datetime
) -> Done | None:
    """What follows when the motion was rejected or had no quorum; by default nothing."""
    return None


def settle(
    uow: UnitOfWork,
    commune: Commune,
    motion: Motion,
    carried: bool,
    when: datetime,
) -> Done | None:
    """An action motion's fate at closing; None for a text motion (or nothing to do)."""
    if motion.action is None:
        return None
    if carried:
        return carry_out(motion.action, uow, commune, motion, when)
    return not_carried(motion.action, uow, commune, motion, when)
