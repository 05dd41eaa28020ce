"""/rent: the treasurer records rent that really arrived."""

from __future__ import annotations

from domain.bonds import IssueStatus
from domain.errors import Refusal
from domain.journal import rent_received
from domain.model import RentReceipt
from domain.periods import Period
from handlers.access import Rule, Who
from handlers.commands.bonds import issue_view, load_issue
from handlers.money import parse_amount
from handlers.registry import command
from handlers.turn import Turn


@command("rent", Rule(Who.TREASURER))
def rent(turn: Turn, args: list[str]) -> None:
    treasurer = turn.speaker
    commune = turn.require_commune()
    if len(args) != 2:
        raise Refusal("usage", command="rent", example="/rent 1 333.33")
    issue = load_issue(turn, args[0])
    if issue.status is not IssueStatus.CLEARED:
        raise Refusal("not_leased", number=issue.number, asset=issue.asset)
    amount = parse_amount(args[1], commune.currency, turn.locale)
    period = Period.containing(turn.now, commune.timezone)
    receipt = turn.uow.bonds.add_rent(
        RentReceipt(0, issue.id, amount, turn.now, str(period), treasurer.id), commune.id
    )
    turn.uow.journal.append(commune.id, rent_received(issue.id, amount, receipt.id), turn.now)
    turn.announce(
        "rent_recorded",
        issue=issue_view(turn.uow, issue, turn.now),
        amount=amount,
        period=str(period),
    )
