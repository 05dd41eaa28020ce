"""/paid and /refunded: the treasurer records pledges' money as it really moves."""

from __future__ import annotations

from domain.bonds import BondIssue, payment, refund
from domain.errors import Refusal
from domain.journal import paid_in, refunded
from domain.model import Member
from handlers.access import Rule, Who
from handlers.bond_views import issue_view, load_issue
from handlers.money import parse_amount
from handlers.pledge_payments import clear_issue, paid_by
from handlers.registry import command
from handlers.turn import Turn


def _bond_and_member(turn: Turn, args: list[str]) -> tuple[BondIssue, Member]:
    commune = turn.require_commune()
    issue = load_issue(turn, args[0], lock=True)  # one payment at a time per bond
    member = turn.uow.communes.member_by_name(commune.id, args[1].lstrip("@"))
    if member is None:
        raise Refusal("unknown_member", name=args[1])
    return issue, member


@command("paid", Rule(Who.TREASURER))
def paid(turn: Turn, args: list[str]) -> None:
    commune = turn.require_commune()
    if len(args) not in (2, 3):
        raise Refusal("usage", command="paid", example="/paid 1 ana 250")
    issue, member = _bond_and_member(turn, args)
    typed = parse_amount(args[2], commune.currency, turn.locale) if len(args) == 3 else None
    mine = next((p for p in turn.uow.bonds.pledges(issue.id) if p.member_id == member.id), None)
    so_far = turn.uow.bonds.payments(issue.id).get(member.id, (0, 0))[0]
    amount = payment(issue, mine, so_far, typed, member.name)
    assert mine is not None
    payment_id = turn.uow.bonds.add_payment(
        commune.id, issue.id, member.id, "payment", amount, turn.now, turn.speaker.id
    )
    turn.uow.journal.append(commune.id, paid_in(issue.id, member.id, amount, payment_id), turn.now)
    view = issue_view(turn.uow, issue, turn.now)
    rest = mine.amount - so_far - amount
    turn.reply("payment_recorded", issue=view, name=member.name, amount=amount, rest=rest)
    turn.tell_member(member, "payment_received", issue=view, amount=amount, rest=rest)
    everyone = paid_by(turn.uow, issue)
    if everyone is not None:
        issue.paid_up(turn.now)
        turn.uow.bonds.save(issue)
        clear_issue(turn, issue, everyone)


@command("refunded", Rule(Who.TREASURER))
def refunded_(turn: Turn, args: list[str]) -> None:
    commune = turn.require_commune()
    if len(args) != 2:
        raise Refusal("usage", command="refunded", example="/refunded 1 ana")
    issue, member = _bond_and_member(turn, args)
    paid_so_far, back = turn.uow.bonds.payments(issue.id).get(member.id, (0, 0))
    amount = refund(issue, paid_so_far, back, member.name)
    payment_id = turn.uow.bonds.add_payment(
        commune.id, issue.id, member.id, "refund", amount, turn.now, turn.speaker.id
    )
    turn.uow.journal.append(commune.id, refunded(issue.id, member.id, amount, payment_id), turn.now)
    view = issue_view(turn.uow, issue, turn.now)
    turn.reply("refund_recorded", issue=view, name=member.name, amount=amount)
    turn.tell_member(member, "refund_received", issue=view, amount=amount)
