"""Machine-readable reports: a period's clearing as the JSON of ``minga report``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.errors import Refusal
from domain.payouts import NOTHING_PAID
from domain.periods import Period
from domain.ports import UnitOfWork
from handlers.money import plain_amount


def clearing_report(uow: UnitOfWork, commune_name: str, period_text: str) -> dict[str, Any]:
    """The clearing of a period; Refusal('unknown_commune'|'not_cleared') otherwise."""
    commune = uow.communes.by_name(commune_name)
    if commune is None:
        raise Refusal("unknown_commune", name=commune_name)
    period = Period.parse(period_text)
    record = uow.clearings.get(commune.id, str(period))
    if record is None:
        raise Refusal("not_cleared", commune=commune.name, period=str(period))

    def amount(minor: int) -> str:
        return plain_amount(int(minor), commune.currency)

    redemptions: dict[int, dict[str, str]] = {}
    for repaid in uow.clearings.redemptions_by_member(record.id):
        redemptions.setdefault(repaid.member_id, {})[str(repaid.number)] = amount(repaid.amount)
    outstanding: dict[int, dict[str, str]] = {}
    still_held: dict[int, int] = {}  # member id: principal still owed on their bonds
    for held in uow.clearings.holding_lines(
        commune.id, record.id, str(period), period.ends_at(commune.timezone)
    ):
        outstanding[held.member_id] = {
            str(number): amount(owed)
            for number, owed in zip(held.numbers, held.outstanding, strict=True)
        }
        still_held[held.member_id] = sum(held.outstanding)
    payouts = uow.payouts.by_member(commune.id, str(period))
    lines = {
        line.member_id: (line.name, line.dividend) for line in uow.clearings.member_lines(record.id)
    }
    lines.update(_former_holders(uow, lines, still_held))
    members = []
    for member_id in sorted(lines):
        name, dividend = lines[member_id]
        paid, owed = payouts.get(member_id, NOTHING_PAID)
        members.append(
            {
                "name": name,
                "dividend": amount(dividend),
                "redemptions": dict(
                    sorted(redemptions.get(member_id, {}).items(), key=lambda kv: int(kv[0]))
                ),
                "outstanding": outstanding.get(member_id, {}),
                "paid_out": amount(paid),
                "owed": amount(owed),
            }
        )
    leases = _leases(uow, record.id, amount)
    sales = uow.sales.totals(commune.id, str(period))
    fund = uow.fund.flows(commune.id, str(period))
    return {
        "commune": commune.name,
        "currency": commune.currency,
        "period": str(period),
        "rent_received": amount(record.rent_received),
        "carry_in": amount(record.carry_in),
        "redeemed": amount(record.redeemed),
        "dividend_pool": amount(record.pool),
        "eligible_members": record.eligible,
        "dividend_per_member": amount(record.dividend_each),
        "carry_out": amount(record.carry_out),
        "sale_proceeds": amount(sales.proceeds),
        "written_off": amount(sales.written_off),
        "fund_in": amount(fund.fund_in),
        "fund_out": amount(fund.fund_out),
        "fund_balance": amount(fund.balance),
        "members": members,
        "leases": leases,
    }


def _former_holders(
    uow: UnitOfWork, roster: Mapping[int, object], still_held: Mapping[int, int]
) -> dict[int, tuple[str, int]]:
    """Those who left but still hold bonds owed after the period, off its roster (no
    dividend): the commune's debts to them are in every period's report."""
    former = {m for m, owed in still_held.items() if owed > 0 and m not in roster}
    return {member_id: (name, 0) for member_id, name in uow.payouts.names(former).items()}


def _leases(uow: UnitOfWork, clearing_id: int, amount: Callable[[int], str]) -> list[dict]:
    """Every lease running in the period, paid or not, by bond number: what the
    clearing settled, and its rent due, cumulative arrears and status (a clearing
    from before arrears were kept lists only the leases that paid, without them)."""
    leases: dict[int, dict[str, Any]] = {}
    for lease in uow.clearings.lease_lines(clearing_id):
        leases[lease.number] = {
            "issue": lease.number,
            "asset": lease.asset,
            "cooperative": lease.cooperative,
            "rent_received": amount(lease.rent_received),
            "redeemed": amount(lease.redeemed),
            "to_pool": amount(lease.to_pool),
            "outstanding": amount(lease.outstanding_after),
        }
    for line in uow.clearings.arrears_lines(clearing_id):
        unpaid = {
            "issue": line.number,
            "asset": line.asset,
            "cooperative": line.cooperative,
            "rent_received": amount(line.paid),
            "redeemed": amount(0),
            "to_pool": amount(0),
            "outstanding": amount(line.outstanding),
        }
        leases.setdefault(line.number, unpaid).update(
            rent_due=amount(line.rent_due), arrears=amount(line.arrears), status=line.status
        )
    return [leases[number] for number in sorted(leases)]
