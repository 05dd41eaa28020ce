"""/ledger: the commune's open books, for every member to inspect."""

from __future__ import annotations

from domain.periods import open_period
from handlers.access import Rule, Who
from handlers.registry import command
from handlers.turn import Turn


@command("ledger", Rule(Who.PUBLIC))
def ledger(turn: Turn, args: list[str]) -> None:
    commune = turn.require_commune()
    uow = turn.uow
    summary = uow.journal.summary(commune.id)
    leases = [book._asdict() for book in uow.bonds.lease_books(commune.id)]
    latest = uow.clearings.latest(commune.id)
    period = open_period(latest.period if latest else None, commune.created_at, commune.timezone)
    payouts = uow.payouts.totals(commune.id, str(period))
    balances = summary.balances
    fund = uow.fund.flows(commune.id)
    turn.reply(
        "ledger",
        leases=leases,
        rent_received=-balances.get("rent", 0),
        # The holdings' balance counts write-offs too (an asset sold for less than was
        # owed): the written_off account takes them back out.
        redeemed=balances.get("holding", 0)
        + balances.get("written_off", 0)
        + sum(lease["price"] for lease in leases),
        dividends=balances.get("dividend", 0),
        cash=balances.get("cash", 0),
        carry=latest.carry_out if latest else 0,
        last_period=latest.period if latest else None,
        outstanding=sum(lease["outstanding"] for lease in leases),
        period=str(period),
        paid_out=payouts.paid_in_period,
        paid_out_ever=payouts.paid_ever,
        owed_to_members=payouts.owed,
        entries=summary.entries,
        balanced=summary.unbalanced_entries == 0 and sum(balances.values()) == 0,
        fund_in=fund.fund_in,
        fund_out=fund.fund_out,
        fund_balance=balances.get("fund", 0),
    )
