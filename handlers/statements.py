"""Member statements of a cleared period, built set-based for the whole roster.

The same builder serves the clearing (every member at once) and /statement (one
member, any past period), so a statement asked later reads as the one sent then.
"""

from __future__ import annotations

from typing import Any

from domain.messages import Outgoing
from domain.model import Address, Commune
from domain.periods import Period
from domain.ports import UnitOfWork
from handlers import locales
from handlers.outbound import commune_context


def _round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def statements(
    uow: UnitOfWork, commune: Commune, period: Period, only_member: int | None = None
) -> list[Outgoing]:
    record = uow.clearings.get(commune.id, str(period))
    if record is None:
        return []
    recipients = uow.clearings.recipients(record.id)
    if only_member is not None:
        recipients = [r for r in recipients if r.member_id == only_member]
    if not recipients:
        return []
    assets = dict(uow.bonds.labels(commune.id).values())
    repaid: dict[tuple[int, int], int] = {
        (member_id, number): int(amount)
        for member_id, number, amount in uow.clearings.redemptions_by_member(record.id)
    }
    lines: dict[int, list[dict[str, Any]]] = {}
    for member_id, number, outstanding in sorted(
        uow.clearings.outstanding_after(commune.id, str(period), period.ends_at(commune.timezone))
    ):
        now_repaid = repaid.get((member_id, number), 0)
        if outstanding or now_repaid:
            lines.setdefault(member_id, []).append(
                {
                    "number": number,
                    "asset": assets[number],
                    "repaid": now_repaid,
                    "outstanding": outstanding,
                }
            )
    coop_rents = uow.clearings.cooperative_rents(commune.id, str(period))
    coop_sizes = uow.clearings.cooperative_sizes(commune.id)
    ytd = uow.clearings.year_to_date(commune.id, f"{period.year:04d}-01", str(period))
    base = {**commune_context(commune), "period": str(period)}
    messages = []
    for r in recipients:
        coop = None
        if r.cooperative_id in coop_rents:
            name, paid = coop_rents[r.cooperative_id]
            size = max(1, coop_sizes.get(r.cooperative_id, 1))
            coop = {"name": name, "rent": paid, "per_member": _round_half_up(paid, size)}
        dividends, repaid_ytd = ytd.get(r.member_id, (0, 0))
        context = {
            **base,
            "name": r.name,
            "dividend": r.dividend,
            "holdings": lines.get(r.member_id, []),
            "coop": coop,
            "ytd_dividends": dividends,
            "ytd_repaid": repaid_ytd,
        }
        messages.append(
            Outgoing(
                Address(r.platform, r.address, True, r.person_id),
                "statement",
                locales.choose(r.chosen_locale, r.reported_language, commune.locale),
                context,
                f"statement:{record.id}:{r.member_id}" if only_member is None else None,
            )
        )
    return messages
