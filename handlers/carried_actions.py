"""Carrying out a carried motion's rent, lease end, relet, role or policy at the close.

Each runs in the closing's transaction (handlers/motion_actions.py), writes a change
record naming the motion, and when the action is no longer possible (the lease
already ended, the member left, the policy already has that value) changes nothing
and says why.
"""

from __future__ import annotations

from datetime import datetime

from domain.actions import ChangePolicy, ChangeRent, ChangeRole, EndLease, Relet
from domain.assemblies import Motion
from domain.bonds import BondIssue, IssueStatus, LeaseTerm, ended_from, lessee_in, rent_in
from domain.errors import Refusal
from domain.model import ChangeRecord, Commune
from domain.policies import policy_named
from domain.ports import UnitOfWork
from handlers.action_views import closing_period
from handlers.members import roles_of, set_role
from handlers.motion_actions import Done, carry_out
from handlers.policy_changes import change_policy, policies_of


def _lease(
    uow: UnitOfWork, commune: Commune, bond: int
) -> tuple[BondIssue | None, list[LeaseTerm], Done | None]:
    """The leased bond and its terms, or why its lease cannot change any more."""
    issue = uow.bonds.get(commune.id, bond, lock=True)
    if issue is None or issue.status is not IssueStatus.CLEARED:
        return issue, [], Done(False, "not_leased", {"number": bond})
    terms = uow.bonds.lease_terms(issue.id)
    if ended_from(terms) is not None:
        return issue, terms, Done(False, "lease_already_ended", {"number": bond})
    return issue, terms, None


def _record(uow: UnitOfWork, commune: Commune, motion: Motion, when: datetime, *what: str) -> None:
    kind, subject, before, after = what
    uow.policies.record(
        ChangeRecord(commune.id, when, kind, subject, before, after, motion_id=motion.id)
    )


@carry_out.register
def _rent(
    action: ChangeRent, uow: UnitOfWork, commune: Commune, motion: Motion, when: datetime
) -> Done:
    issue, terms, refused = _lease(uow, commune, action.bond)
    if refused is not None or issue is None:
        return refused or Done(False, "not_leased", {"number": action.bond})
    start = str(closing_period(uow, uow.assemblies.by_id(motion.assembly_id)).next())
    before = rent_in(issue.rent, terms, start)
    uow.bonds.add_lease_term(commune.id, issue.id, LeaseTerm(start, action.amount), motion.id)
    _record(uow, commune, motion, when, "rent", f"#{issue.number}", str(before), str(action.amount))
    values = {"number": issue.number, "asset": issue.asset, "amount": action.amount}
    return Done(True, "rent_changed", {**values, "month": start})


@carry_out.register
def _end_lease(
    action: EndLease, uow: UnitOfWork, commune: Commune, motion: Motion, when: datetime
) -> Done:
    issue, _, refused = _lease(uow, commune, action.bond)
    if refused is not None or issue is None:
        return refused or Done(False, "not_leased", {"number": action.bond})
    last = closing_period(uow, uow.assemblies.by_id(motion.assembly_id))
    if uow.bonds.rent_total(issue.id, str(last.next())) > 0:
        # Rent already booked into the next period (a lease's first, waiting for it):
        # the lease ends after that period, so no receipt falls after the end.
        last = last.next()
    uow.bonds.add_lease_term(commune.id, issue.id, LeaseTerm(str(last.next()), None), motion.id)
    _record(uow, commune, motion, when, "end_lease", f"#{issue.number}", "running", str(last))
    return Done(
        True, "lease_ended", {"number": issue.number, "asset": issue.asset, "month": str(last)}
    )


@carry_out.register
def _relet(
    action: Relet, uow: UnitOfWork, commune: Commune, motion: Motion, when: datetime
) -> Done:
    """The ended lease's asset, not sold, is let again from the period after the close
    (or after the lease's end, if that is later)."""
    values = {"number": action.bond}
    issue = uow.bonds.get(commune.id, action.bond, lock=True)
    if issue is None or issue.status is not IssueStatus.CLEARED:
        return Done(False, "not_leased", values)
    if uow.sales.sold(issue.id) is not None:
        return Done(False, "asset_already_sold", values)
    terms = uow.bonds.lease_terms(issue.id)
    ended = ended_from(terms)
    if ended is None:
        return Done(False, "lease_not_ended", values)
    cooperative = uow.communes.cooperative_by_name(commune.id, action.cooperative)
    assert cooperative is not None  # cooperatives are never removed
    closing = closing_period(uow, uow.assemblies.by_id(motion.assembly_id))
    start = max(str(closing.next()), ended)
    before = uow.communes.cooperative(lessee_in(issue.cooperative_id, terms, ended)).name
    term = LeaseTerm(start, action.amount, cooperative.id)
    uow.bonds.add_lease_term(commune.id, issue.id, term, motion.id)
    after = f"{cooperative.name} {action.amount}"
    _record(uow, commune, motion, when, "relet", f"#{issue.number}", before, after)
    return Done(
        True,
        "relet",
        {
            "number": issue.number,
            "asset": issue.asset,
            "cooperative": cooperative.name,
            "amount": action.amount,
            "month": start,
        },
    )


@carry_out.register
def _role(
    action: ChangeRole, uow: UnitOfWork, commune: Commune, motion: Motion, when: datetime
) -> Done:
    values = {"member": action.member, "role": action.role.value}
    target = uow.communes.member_by_name(commune.id, action.member)
    if target is None or not target.active:
        return Done(False, "member_gone", values)
    before = roles_of(target)
    try:
        set_role(uow, commune.id, target, action.role)
    except Refusal as refusal:
        return Done(False, refusal.code, values)
    if roles_of(target) == before:
        return Done(False, "role_unchanged", values)
    _record(uow, commune, motion, when, "role", target.name, before, roles_of(target))
    return Done(True, "role_set", values)


@carry_out.register
def _policy(
    action: ChangePolicy, uow: UnitOfWork, commune: Commune, motion: Motion, when: datetime
) -> Done:
    values = {"name": action.name, "value": action.value}
    if policies_of(uow, commune.id)[action.name] == action.value:
        return Done(False, "policy_unchanged", values)
    before = change_policy(
        uow, commune, policy_named(action.name), action.value, when, motion_id=motion.id
    )
    return Done(True, "policy_set", {**values, "before": before})
