"""An action motion as messages and the report show it.

The motion's text is written from its action in each reader's language
(templates/_action.j2): the view gives that template the bond's asset and
cooperative, and the periods a rent change, a lease's end or its new letting take
effect, which follow from when the assembly closes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.actions import Action, ApproveBond, ChangeRent, EndLease, Relet, stored
from domain.assemblies import Assembly
from domain.bonds import lessee_in
from domain.periods import Period
from domain.ports import UnitOfWork
from handlers.money import plain_amount


def closing_period(uow: UnitOfWork, assembly: Assembly) -> Period:
    """The period the assembly closes in: a lease ends with it, a new rent follows it."""
    commune = uow.communes.get(assembly.commune_id)
    return Period.containing(assembly.closes_at, commune.timezone)


def action_view(uow: UnitOfWork, assembly: Assembly, action: Action | None) -> dict | None:
    """What templates/_action.j2 needs to write the motion; None for a text motion."""
    return closing_view(uow, assembly.commune_id, assembly.closes_at, action)


def closing_view(
    uow: UnitOfWork, commune_id: int, closes_at: datetime, action: Action | None
) -> dict | None:
    """``action_view`` for an assembly closing at ``closes_at``, scheduled or not yet
    (the /assembly form's summary shows its motions before the assembly exists)."""
    if action is None:
        return None
    view: dict[str, Any] = stored(action)
    if isinstance(action, ApproveBond | ChangeRent | EndLease | Relet):
        commune = uow.communes.get(commune_id)
        closing = Period.containing(closes_at, commune.timezone)
        issue = uow.bonds.get(commune_id, action.bond)
        if issue is not None:
            view["asset"] = issue.asset
            if not isinstance(action, Relet):  # a relet names the cooperative it lets to
                terms = uow.bonds.lease_terms(issue.id)
                lessee = lessee_in(issue.cooperative_id, terms, str(closing))
                view["cooperative"] = uow.communes.cooperative(lessee).name
        view["from"] = str(closing.next())
        view["last"] = str(closing)
    return view


def reported(action: dict | None, currency: str) -> dict | None:
    """The stored action as ``minga assembly-report`` prints it: money as a decimal."""
    if action is None or "amount" not in action:
        return action
    return {**action, "amount": plain_amount(int(action["amount"]), currency)}
