"""Grants from the common fund: a carried ``fund`` motion, and a budget round's order.

At an assembly's close (handlers/assembly_jobs.py) a carried fund motion takes its
amount out of the common fund when the fund covers it (one ``grant`` journal entry
and one ``fund_grant`` row), and each treasurer is told by DM whom to pay. In a
budget round the close settles the carried fund motions last, by most yes votes
(ties: the earlier motion, ``domain.fund.settling_order``), so the fund pays them in
that order while it lasts; one that no longer fits is "passed, not funded" and a
later, smaller one may still be. Nothing is granted when the fund falls short or the
recipient has gone: the results line says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.actions import Grant
from domain.assemblies import Assembly, Motion, MotionResult, Outcome
from domain.fund import Ballot, FundGrant, fits, settling_order
from domain.journal import granted
from domain.model import Commune
from domain.periods import Period
from domain.ports import UnitOfWork
from handlers.motion_actions import Done, carry_out
from handlers.outbound import to_members


def in_settling_order(
    assembly: Assembly, results: Sequence[tuple[Motion, MotionResult]]
) -> list[tuple[Motion, MotionResult]]:
    """The motions and their results in the order the close settles them."""
    by_number = {motion.number: (motion, result) for motion, result in results}
    ballots = [
        Ballot(
            motion.number,
            isinstance(motion.action, Grant),
            result.outcome is Outcome.CARRIED,
            result.total.yes,
        )
        for motion, result in results
    ]
    return [by_number[number] for number in settling_order(ballots, assembly.budget)]


@carry_out.register
def _grant(
    action: Grant, uow: UnitOfWork, commune: Commune, motion: Motion, when: datetime
) -> Done:
    values = {"amount": action.amount, "to": action.to}
    cooperative_id = member_id = None
    if action.to_member:
        member = uow.communes.member_by_name(commune.id, action.to)
        if member is None or not member.active:
            return Done(False, "recipient_gone", values)
        member_id = member.id
    else:
        cooperative = uow.communes.cooperative_by_name(commune.id, action.to)
        if cooperative is None:
            return Done(False, "recipient_gone", values)
        cooperative_id = cooperative.id
    balance = uow.fund.balance(commune.id)
    if not fits(action.amount, balance):
        budget = uow.assemblies.by_id(motion.assembly_id).budget
        return Done(False, "not_funded" if budget else "fund_short", {**values, "balance": balance})
    uow.journal.append(commune.id, granted(motion.id, action.amount), when)
    period = str(Period.containing(when, commune.timezone))
    grant = FundGrant(
        motion.id, action.amount, action.purpose, cooperative_id, member_id, period, when
    )
    uow.fund.grant(commune.id, grant)
    to_pay = {**values, "purpose": action.purpose, "motion": motion.number}
    treasurers = uow.communes.treasurer_ids(commune.id)
    uow.outbox.add(to_members(uow, commune, "grant_to_pay", {t: to_pay for t in treasurers}), when)
    return Done(True, "granted", {**values, "balance": balance - action.amount})
