"""Member statements of a cleared period, built set-based for the whole roster.

The same builder serves the clearing (every member at once) and /statement (one
member, any past period), so a statement asked later reads as the one sent then.
For a whole roster they stream from one sorted pass over the commune's holdings;
for one member, storage reads that member's own holdings, roster rows and postings
by their indexes, and only the bonds and cooperative the statement names.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from domain.messages import Outgoing
from domain.model import Address, Commune
from domain.periods import Period
from domain.ports import UnitOfWork
from handlers import locales
from handlers.outbound import commune_context

MESSAGES_PER_INSERT = 10_000
NOTHING_YET = (0, 0)


def _round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def statements(
    uow: UnitOfWork, commune: Commune, period: Period, only_member: int | None = None
) -> list[Outgoing]:
    """The period's statements: everyone's, or ``only_member``'s (for /statement)."""
    record = uow.clearings.get(commune.id, str(period))
    if record is None:
        return []
    members = None if only_member is None else (only_member, only_member)
    return list(_build(uow, commune, period, record.id, members))


def queue_statements(
    uow: UnitOfWork,
    commune: Commune,
    period: Period,
    clearing_id: int,
    now: datetime,
    repaid: Mapping[int, int] | None = None,
) -> int:
    """Queue every roster member's statement of a clearing just recorded; how many.

    They stream from one pass over the commune's holdings into the outbox, a batch
    at a time, so 100,000 statements never sit in memory together. ``repaid`` is
    what the clearing repaid, {holding id: amount}, if the caller has it at hand.
    """
    queued = 0
    batch: list[Outgoing] = []
    for message in _build(uow, commune, period, clearing_id, None, repaid):
        batch.append(message)
        if len(batch) == MESSAGES_PER_INSERT:
            uow.outbox.add(batch, now)
            queued += len(batch)
            batch = []
    uow.outbox.add(batch, now)
    return queued + len(batch)


def _build(
    uow: UnitOfWork,
    commune: Commune,
    period: Period,
    clearing_id: int,
    members: tuple[int, int] | None,
    repaid: Mapping[int, int] | None = None,
) -> Iterator[Outgoing]:
    """The statements of the roster (members: a range of ids, first to last, or all),
    by member id. Keyed for the outbox when it is the whole roster (the clearing's)."""
    recipients = uow.clearings.recipients(clearing_id, members)
    if not recipients:
        return
    asset = (
        _assets(uow, commune.id).__getitem__
        if members is None
        else _asset_by_number(uow, commune.id)
    )
    coops = _cooperatives(
        uow,
        commune.id,
        str(period),
        clearing_id,
        None if members is None else {r.cooperative_id for r in recipients if r.cooperative_id},
    )
    before = (  # the year to date before this period; this period's own comes below
        {}
        if period.month == 1
        else uow.clearings.year_to_date(
            commune.id, f"{period.year:04d}-01", str(period.previous()), members
        )
    )
    lines = uow.clearings.holding_lines(
        commune.id, clearing_id, str(period), period.ends_at(commune.timezone), members, repaid
    )
    held = next(lines, None)
    base = {**commune_context(commune), "period": str(period)}
    locale_of = functools.cache(locales.choose)  # a handful of distinct settings
    for r in recipients:
        while held is not None and held[0] < r.member_id:  # not on the roster
            held = next(lines, None)
        holdings = []
        repaid_now = 0
        if held is not None and held[0] == r.member_id:
            holdings = [
                {"asset": asset(number), "number": number, "outstanding": owed, "repaid": repaid}
                for number, repaid, owed in held[1]
                if owed or repaid
            ]
            repaid_now = sum(line[1] for line in held[1])
            held = next(lines, None)
        dividends, repaid_ytd = before.get(r.member_id, NOTHING_YET)
        context = base.copy()
        context["name"] = r.name
        context["dividend"] = r.dividend
        context["holdings"] = holdings
        context["coop"] = coops.get(r.cooperative_id)
        context["ytd_dividends"] = dividends + r.dividend
        context["ytd_repaid"] = repaid_ytd + repaid_now
        yield Outgoing(
            Address(r.platform, r.address, True, r.person_id),
            "statement",
            locale_of(r.chosen_locale, r.reported_language, commune.locale),
            context,
            f"statement:{clearing_id}:{r.member_id}" if members is None else None,
        )
    for _ in lines:  # finish the pass, so its cursor is closed
        pass


def _assets(uow: UnitOfWork, commune_id: int) -> dict[int, str]:
    """{bond number: asset} of the commune."""
    return dict(uow.bonds.labels(commune_id).values())


def _asset_by_number(uow: UnitOfWork, commune_id: int) -> Callable[[int], str]:
    """A bond's asset by its number, looked up when first needed: a few members'
    statements name a few bonds, not the commune's thousands."""

    @functools.cache
    def asset(number: int) -> str:
        issue = uow.bonds.get(commune_id, number)
        assert issue is not None  # a holding's bond, of this commune
        return issue.asset

    return asset


def _cooperatives(
    uow: UnitOfWork,
    commune_id: int,
    period: str,
    clearing_id: int,
    wanted: set[int] | None = None,
) -> dict[int, dict[str, Any]]:
    """{cooperative id: what its members read}: the rent it paid, and its share per member.
    Only the ``wanted`` cooperatives' (all if None); their sizes only if one paid rent."""
    rents = uow.clearings.cooperative_rents(commune_id, period, wanted)
    if not rents:
        return {}
    sizes = uow.clearings.cooperative_sizes(commune_id, clearing_id, wanted)
    return {
        cooperative_id: {
            "name": name,
            "rent": paid,
            "per_member": _round_half_up(paid, max(1, sizes.get(cooperative_id, 1))),
        }
        for cooperative_id, (name, paid) in rents.items()
    }
