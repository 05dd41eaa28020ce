"""Reading a commune's policies and changing one, with its record.

Shared by ``/policy`` (an admin, while the commune lets admins decide) and by a
carried ``policy`` motion (handlers/commands/policies.py and the assembly's close),
so both leave the same trace: the new value, and a change record naming who or
which motion made it.
"""

from __future__ import annotations

from datetime import datetime

from domain.model import ChangeRecord, Commune
from domain.policies import Policy, with_defaults
from domain.ports import UnitOfWork


def policies_of(uow: UnitOfWork, commune_id: int) -> dict[str, str]:
    """Every policy's value, defaults included, in the order /policy lists them."""
    return with_defaults(uow.policies.stored(commune_id))


def change_policy(
    uow: UnitOfWork,
    commune: Commune,
    policy: Policy,
    value: str,
    at: datetime,
    *,
    member_id: int | None = None,
    motion_id: int | None = None,
) -> str:
    """Set ``policy`` to ``value`` (already parsed); returns the value it had."""
    before = policies_of(uow, commune.id)[policy.name]
    uow.policies.put(commune.id, policy.name, value, at)
    uow.policies.record(
        ChangeRecord(commune.id, at, "policy", policy.name, before, value, member_id, motion_id)
    )
    return before
