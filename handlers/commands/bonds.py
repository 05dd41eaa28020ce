"""Bond issues: propose, pledge, unpledge, withdraw, and look at them."""

from __future__ import annotations

from domain.bonds import BondIssue, IssueStatus, clean_asset, validate_new_issue
from domain.errors import Refusal
from domain.limits import check_principal
from domain.periods import end_of_day
from domain.policies import needs_approval
from handlers.access import Rule, Who
from handlers.bond_approval import awaiting_refusal, awaiting_view, request_approval
from handlers.bond_views import issue_view, lease_view, load_issue
from handlers.money import parse_amount
from handlers.parsing import is_exact_day, parse_issue_number
from handlers.pledge_payments import announce_sold, clear_issue, days_to_pay
from handlers.policy_changes import policies_of
from handlers.registry import command
from handlers.turn import Turn
from handlers.when import parse_deadline_day

PROPOSE_EXAMPLE = '/propose "Bread oven" 4000 90 2027-03-31'


@command("propose", Rule(Who.MEMBER), who_note="of a cooperative")
def propose(turn: Turn, args: list[str]) -> None:
    member = turn.speaker
    commune = turn.require_commune()
    if member.cooperative_id is None:
        raise Refusal("no_cooperative")
    if len(args) < 4 or (len(args) > 4 and is_exact_day(args[3])):
        raise Refusal("usage", command="propose", example=PROPOSE_EXAMPLE)
    price = parse_amount(args[1], commune.currency, turn.locale)
    rent = parse_amount(args[2], commune.currency, turn.locale)
    # The deadline may be words ("4 de febrero", "dijous vinent"): the rest of the line.
    day = parse_deadline_day(" ".join(args[3:]), commune.timezone, turn.locale, turn.now)
    deadline = end_of_day(day, commune.timezone)
    asset = clean_asset(args[0])
    validate_new_issue(asset, price, rent, deadline, turn.now)
    turn.uow.communes.get(commune.id, lock=True)  # numbers are handed out one at a time
    check_principal(turn.uow.bonds.principal_outstanding(commune.id), price)
    issue = BondIssue(
        id=0,
        commune_id=commune.id,
        number=turn.uow.bonds.next_number(commune.id),
        cooperative_id=member.cooperative_id,
        proposer_id=member.id,
        asset=asset,
        price=price,
        rent=rent,
        deadline=deadline,
        created_at=turn.now,
    )
    if needs_approval(policies_of(turn.uow, commune.id)):
        issue.status = IssueStatus.AWAITING
        turn.uow.bonds.add(issue)
        request_approval(turn, issue)
        return
    turn.uow.bonds.add(issue)
    turn.announce("bond_new", issue=issue_view(turn.uow, issue, turn.now), proposer=member.name)


@command("pledge", Rule(Who.MEMBER))
def pledge(turn: Turn, args: list[str]) -> None:
    member = turn.speaker
    commune = turn.require_commune()
    if len(args) != 2:
        raise Refusal("usage", command="pledge", example="/pledge 1 500")
    number = parse_issue_number(args[0])
    amount = parse_amount(args[1], commune.currency, turn.locale)
    found = turn.uow.bonds.for_pledging(commune.id, number, member.id)
    if found is None:
        raise Refusal("unknown_issue", number=number)
    issue, mine = found
    if issue.status is IssueStatus.AWAITING:
        raise awaiting_refusal(turn.uow, issue)
    # Only a pledge that fills the bond needs the policy: the others skip its read.
    days = days_to_pay(turn.uow, commune.id) if amount == issue.remaining else 0
    pledge_now, full = issue.pledge(mine, member.id, amount, turn.now, days, commune.timezone)
    turn.uow.bonds.save_pledge(issue, pledge_now)
    turn.post(
        "pledged",
        issue=issue_view(turn.uow, issue, turn.now),
        amount=amount,
        total=pledge_now.amount,
        name=member.name,
    )
    if full and issue.status is IssueStatus.SOLD:
        announce_sold(turn, issue)
    elif full:
        clear_issue(turn, issue)


@command("unpledge", Rule(Who.MEMBER), who_note="with a pledge")
def unpledge(turn: Turn, args: list[str]) -> None:
    member = turn.speaker
    if len(args) != 1:
        raise Refusal("usage", command="unpledge", example="/unpledge 1")
    commune = turn.require_commune()
    number = parse_issue_number(args[0])
    found = turn.uow.bonds.for_pledging(commune.id, number, member.id)
    if found is None:
        raise Refusal("unknown_issue", number=number)
    issue, mine = found
    if issue.status is IssueStatus.AWAITING:
        raise awaiting_refusal(turn.uow, issue)
    released = issue.unpledge(mine, turn.now)
    turn.uow.bonds.remove_pledge(issue, member.id)
    turn.post(
        "unpledged", issue=issue_view(turn.uow, issue, turn.now), amount=released, name=member.name
    )


@command("withdraw", Rule(Who.MEMBER), who_note="the bond's proposer, or an admin")
def withdraw(turn: Turn, args: list[str]) -> None:
    member = turn.speaker
    if len(args) != 1:
        raise Refusal("usage", command="withdraw", example="/withdraw 2")
    issue = load_issue(turn, args[0], lock=True)
    issue.withdraw(member.id, turn.now, by_admin=member.is_admin)
    turn.uow.bonds.save(issue)
    view = issue_view(turn.uow, issue, turn.now)
    turn.announce("bond_withdrawn", issue=view)
    turn.tell_members(
        "pledge_released",
        {
            p.member_id: {"issue": view, "amount": p.amount, "reason": "withdrawn"}
            for p in turn.uow.bonds.pledges(issue.id)
        },
    )


@command("bonds", Rule(Who.PUBLIC))
def bonds(turn: Turn, args: list[str]) -> None:
    commune = turn.require_commune()
    open_issues = turn.uow.bonds.issues(commune.id, IssueStatus.OPEN)
    awaiting = turn.uow.bonds.issues(commune.id, IssueStatus.AWAITING)
    turn.reply(
        "bonds",
        issues=[issue_view(turn.uow, i, turn.now) for i in open_issues],
        awaiting=[awaiting_view(turn.uow, i, commune.timezone) for i in awaiting],
    )


@command("bond", Rule(Who.PUBLIC))
def bond(turn: Turn, args: list[str]) -> None:
    commune = turn.require_commune()
    if len(args) != 1:
        raise Refusal("usage", command="bond", example="/bond 1")
    issue = load_issue(turn, args[0])
    view = issue_view(turn.uow, issue, turn.now)
    if issue.status is IssueStatus.AWAITING:
        view = awaiting_view(turn.uow, issue, commune.timezone)
    if issue.status is IssueStatus.CLEARED:
        view.update(lease_view(turn.uow, issue, turn.now, commune.timezone))
    turn.reply("bond", issue=view)
