"""What a carried motion does to the commune: the actions an assembly can decide.

A motion is text, or text with one of these (domain.assemblies.least_threshold says
what each needs to carry). Each has one stored form, a small JSON object, so a
motion reads back exactly as it was put. Money is minor units here; the report
shows it as a decimal string in the commune's currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.model import Role


@dataclass(frozen=True)
class ApproveBond:
    """Open a bond's pledges (it was awaiting the commune's approval)."""

    bond: int
    kind = "approve_bond"


@dataclass(frozen=True)
class ChangeRent:
    """Bond ``bond``'s lease pays ``amount`` (minor units) from the next period."""

    bond: int
    amount: int
    kind = "rent"


@dataclass(frozen=True)
class EndLease:
    """Bond ``bond``'s lease ends with the current period."""

    bond: int
    kind = "end_lease"


@dataclass(frozen=True)
class Relet:
    """Bond ``bond``'s ended lease (its asset not sold) is let again to the cooperative
    named ``cooperative`` at ``amount`` (minor units) a period, from the next period."""

    bond: int
    cooperative: str
    amount: int
    kind = "relet"


@dataclass(frozen=True)
class ChangeRole:
    member: str
    role: Role
    kind = "role"


@dataclass(frozen=True)
class ChangePolicy:
    name: str
    value: str
    kind = "policy"


@dataclass(frozen=True)
class Grant:
    """Grant ``amount`` (minor units) from the common fund for ``purpose`` to the
    cooperative or member named ``to`` (``to_member`` says which)."""

    amount: int
    purpose: str
    to: str
    to_member: bool
    kind = "fund"


Action = ApproveBond | ChangeRent | EndLease | Relet | ChangeRole | ChangePolicy | Grant


def stored(action: Action) -> dict[str, Any]:
    """The stored form: ``kind`` and the action's fields (money in minor units)."""
    if isinstance(action, ApproveBond | EndLease):
        return {"kind": action.kind, "bond": action.bond}
    if isinstance(action, ChangeRent):
        return {"kind": action.kind, "bond": action.bond, "amount": action.amount}
    if isinstance(action, Relet):
        return {
            "kind": action.kind,
            "bond": action.bond,
            "cooperative": action.cooperative,
            "amount": action.amount,
        }
    if isinstance(action, ChangeRole):
        return {"kind": action.kind, "member": action.member, "role": action.role.value}
    if isinstance(action, Grant):
        return {
            "kind": action.kind,
            "amount": action.amount,
            "purpose": action.purpose,
            "to": action.to,
            "recipient": "member" if action.to_member else "cooperative",
        }
    return {"kind": action.kind, "name": action.name, "value": action.value}


def from_stored(data: dict[str, Any]) -> Action:
    kind = data["kind"]
    if kind == ApproveBond.kind:
        return ApproveBond(int(data["bond"]))
    if kind == ChangeRent.kind:
        return ChangeRent(int(data["bond"]), int(data["amount"]))
    if kind == EndLease.kind:
        return EndLease(int(data["bond"]))
    if kind == Relet.kind:
        return Relet(int(data["bond"]), str(data["cooperative"]), int(data["amount"]))
    if kind == ChangeRole.kind:
        return ChangeRole(str(data["member"]), Role(data["role"]))
    if kind == Grant.kind:
        to_member = data["recipient"] == "member"
        return Grant(int(data["amount"]), str(data["purpose"]), str(data["to"]), to_member)
    if kind == ChangePolicy.kind:
        return ChangePolicy(str(data["name"]), str(data["value"]))
    raise ValueError(f"unknown action kind {kind!r}")
