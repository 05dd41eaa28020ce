"""A bond clearing, and collecting its pledges when the commune gives pledgers days to pay.

With the ``payment-days`` policy at 0 a pledge counts as paid: a fully pledged bond
clears at once (``clear_issue``). Above 0 it is sold: each pledger is told what to pay
and by when (``announce_sold``), the treasurer records each payment (/paid), and the
bond clears when the last pledge is paid. A window that ends with pledges unpaid
(``end_window``, run by the scheduler) releases the unpaid parts and reopens the bond
for what is missing; a bond that then expires with money paid in tells the treasurers
whom to refund (``refunds_due``).

Shared by the bond and payment commands and by the scheduler's jobs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from domain.bonds import BondIssue, Pledge
from domain.journal import bond_cleared
from domain.messages import Outgoing
from domain.model import Commune
from domain.periods import Period
from domain.policies import payment_days
from domain.ports import UnitOfWork
from handlers.bond_views import issue_view
from handlers.outbound import to_groups, to_members
from handlers.policy_changes import policies_of
from handlers.turn import Turn


def days_to_pay(uow: UnitOfWork, commune_id: int) -> int:
    return payment_days(policies_of(uow, commune_id))


def clear_issue(turn: Turn, issue: BondIssue, paid_by: Sequence[tuple[int, int]] = ()) -> None:
    """Pledges become holdings, the asset is leased, the journal records the debt (and,
    for a sold bond, the money paid in, ``paid_by``, that bought the asset)."""
    holdings = turn.uow.bonds.add_holdings(issue)
    commune = turn.require_commune()
    entry = bond_cleared(issue.id, [(h.id, h.principal) for h in holdings], paid_by)
    turn.uow.journal.append(commune.id, entry, turn.now)
    first_rent = Period.containing(turn.now, commune.timezone).next()
    view = issue_view(turn.uow, issue, turn.now)
    turn.tell_group("bond_cleared", issue=view, holders=len(holdings), lease_from=str(first_rent))
    turn.tell_members(
        "holding_created",
        {
            h.member_id: {"issue": view, "principal": h.principal, "lease_from": str(first_rent)}
            for h in holdings
        },
    )


def announce_sold(turn: Turn, issue: BondIssue) -> None:
    """The group hears the bond is sold; each pledger with something left to pay is told
    how much and by when."""
    view = issue_view(turn.uow, issue, turn.now)
    paid = turn.uow.bonds.payments(issue.id)
    turn.tell_group("bond_sold", issue=view)
    turn.tell_members(
        "payment_due",
        {
            p.member_id: {"issue": view, "amount": rest}
            for p in turn.uow.bonds.pledges(issue.id)
            if (rest := p.amount - paid.get(p.member_id, (0, 0))[0]) > 0
        },
    )


def paid_by(uow: UnitOfWork, issue: BondIssue) -> list[tuple[int, int]] | None:
    """(member id, paid) for each pledge if every pledge is paid in full, else None."""
    paid = uow.bonds.payments(issue.id)
    pledges = uow.bonds.pledges(issue.id)
    pairs = [(p.member_id, paid.get(p.member_id, (0, 0))[0]) for p in pledges]
    if all(amount == p.amount for (_, amount), p in zip(pairs, pledges, strict=True)):
        return pairs
    return None


def end_window(uow: UnitOfWork, commune: Commune, issue: BondIssue, when: datetime) -> None:
    """The payment window ended with pledges unpaid: their unpaid parts are released
    (their pledgers told), the paid parts kept, and the bond takes pledges again for
    what is missing (the group told)."""
    paid = uow.bonds.payments(issue.id)
    kept: list[Pledge] = []
    released: dict[int, tuple[int, int]] = {}  # member: (released, kept)
    for pledge in uow.bonds.pledges(issue.id):
        got = paid.get(pledge.member_id, (0, 0))[0]
        if got >= pledge.amount:
            kept.append(pledge)
            continue
        released[pledge.member_id] = (pledge.amount - got, got)
        if got > 0:
            kept.append(replace(pledge, amount=got))
    issue.reopen(kept, when, days_to_pay(uow, commune.id), commune.timezone)
    for pledge in kept:
        uow.bonds.save_pledge(issue, pledge)
    kept_ids = {p.member_id for p in kept}
    for member_id in released.keys() - kept_ids:
        uow.bonds.remove_pledge(issue, member_id)
    uow.bonds.save(issue)
    view = issue_view(uow, issue, when)
    messages = to_groups(uow, commune, "bond_reopened", issue=view)
    messages += to_members(
        uow,
        commune,
        "pledge_released",
        {
            member: {"issue": view, "amount": amount, "kept": kept, "reason": "unpaid"}
            for member, (amount, kept) in released.items()
        },
    )
    uow.outbox.add(messages, when)


def refunds_due(
    uow: UnitOfWork, commune: Commune, issue: BondIssue, when: datetime
) -> list[Outgoing]:
    """A bond that expired with money paid in: each treasurer hears whom to refund."""
    refunds = [
        {"name": uow.communes.member(member).name, "amount": paid - back}
        for member, (paid, back) in sorted(uow.bonds.payments(issue.id).items())
        if paid > back
    ]
    if not refunds:
        return []
    view = issue_view(uow, issue, when)
    return to_members(
        uow,
        commune,
        "refunds_due",
        {t: {"issue": view, "refunds": refunds} for t in uow.communes.treasurer_ids(commune.id)},
    )
