"""/sold: the treasurer records the sale of an ended lease's asset (domain/sales.py)."""

from __future__ import annotations

from typing import Any

from domain import limits
from domain.errors import Refusal
from domain.periods import open_period
from domain.sales import check_sellable, sale_entry, sell
from handlers.access import Rule, Who
from handlers.bond_views import issue_view, load_issue
from handlers.money import parse_amount
from handlers.registry import command
from handlers.turn import Turn


@command("sold", Rule(Who.TREASURER))
def sold(turn: Turn, args: list[str]) -> None:
    turn.require_commune()
    if len(args) != 2:
        raise Refusal("usage", command="sold", example="/sold 1 600")
    # The clearing holds this lock while it pays a period out: the sale goes into the
    # period still open when this commits, and its holdings cannot change meanwhile.
    commune = turn.lock_commune()
    issue = load_issue(turn, args[0], lock=True)
    amount = parse_amount(args[1], commune.currency, turn.locale)
    uow = turn.uow
    check_sellable(
        issue, uow.bonds.lease_terms(issue.id), uow.sales.sold(issue.id) is not None, amount
    )
    latest = uow.clearings.latest(commune.id)
    period = open_period(latest.period if latest else None, commune.created_at, commune.timezone)
    so_far = (
        uow.bonds.period_rent(commune.id, str(period))
        + uow.sales.totals(commune.id, str(period)).proceeds
    )
    carry_in = latest.carry_out if latest else 0
    limits.check_sale(str(period), amount, so_far + carry_in)
    sale = sell(issue.id, amount, uow.sales.owed(issue.id))
    sale_id = uow.sales.record(commune.id, sale, str(period), turn.now, turn.speaker.id)
    entry_id = uow.journal.append(commune.id, sale_entry(sale_id, sale), turn.now)
    uow.payouts.keep_sale_owed(commune.id, entry_id, sale_id, str(period))  # owed until paid
    view = issue_view(uow, issue, turn.now)
    turn.announce(
        "asset_sold",
        issue=view,
        amount=amount,
        owed=sale.outstanding,
        repaid=sale.repaid,
        to_pool=sale.to_pool,
        written_off=sale.written_off,
        period=str(period),
    )
    told: dict[int, dict[str, Any]] = {}
    for line in sale.lines:
        mine = told.setdefault(
            line.member_id,
            {"issue": view, "amount": amount, "repaid": 0, "written_off": 0, "period": str(period)},
        )
        mine["repaid"] += line.repaid
        mine["written_off"] += line.written_off
    turn.tell_members("sale_repaid", told)
