"""Member statements of a cleared period, built set-based for the whole roster.

The clearing (every member at once) and /statement (one member, any past period)
read the same rows and compose them the same way (``_compose``), so a statement
asked later reads as the one sent then. They differ only in how they read: for a
whole roster (``_roster``) the reads are over the commune, and the holding lines
stream from one sorted pass over its holdings; for a range of members
(``_among``), storage reads those members' own holdings, roster rows and postings
by their indexes, and only the bonds and cooperative their statements name. What
an asset sold in the period repaid and wrote off of a member's bond is its own line;
what was paid out to the member in the period, and what is still owed to them after
it, are the last lines (domain/payouts.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from domain.clearing_reads import (
    NOTHING_YET,
    CooperativeRent,
    MemberHoldings,
    MemberRange,
    Recipient,
    YearToDate,
)
from domain.messages import Outgoing
from domain.model import Address, Commune
from domain.payouts import NOTHING_PAID, MemberPayouts
from domain.periods import Period
from domain.ports import UnitOfWork
from domain.sales import SaleShare
from handlers import locales
from handlers.outbound import commune_context

MESSAGES_PER_INSERT = 10_000


def _round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def statements(
    uow: UnitOfWork, commune: Commune, period: Period, only_member: int | None = None
) -> list[Outgoing]:
    """The period's statements: everyone's, or ``only_member``'s (for /statement)."""
    record = uow.clearings.get(commune.id, str(period))
    if record is None:
        return []
    if only_member is None:
        return list(_roster(uow, commune, period, record.id))
    return list(_among(uow, commune, period, record.id, (only_member, only_member)))


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
    for message in _roster(uow, commune, period, clearing_id, repaid):
        batch.append(message)
        if len(batch) == MESSAGES_PER_INSERT:
            uow.outbox.add(batch, now)
            queued += len(batch)
            batch = []
    uow.outbox.add(batch, now)
    return queued + len(batch)


def _roster(
    uow: UnitOfWork,
    commune: Commune,
    period: Period,
    clearing_id: int,
    repaid: Mapping[int, int] | None = None,
) -> Iterator[Outgoing]:
    """The whole roster's statements, by member id, keyed for the outbox: read for the
    whole commune at once (its bonds, cooperatives, year to date, holding lines)."""
    recipients = uow.clearings.recipients(clearing_id)
    if not recipients:
        return
    assets = _assets(uow, commune.id)
    rents = uow.clearings.cooperative_rents(commune.id, str(period))
    coops = _cooperatives(
        rents, uow.clearings.cooperative_sizes(commune.id, clearing_id) if rents else {}
    )
    before = (  # the year to date before this period; this period's own comes below
        {}
        if period.month == 1
        else uow.clearings.year_to_date(commune.id, f"{period.year:04d}-01", str(period.previous()))
    )
    end = period.ends_at(commune.timezone)
    lines = (
        uow.clearings.holding_lines(commune.id, clearing_id, str(period), end)
        if repaid is None
        else uow.clearings.holding_lines_just_cleared(commune.id, str(period), end, repaid)
    )
    sales = uow.sales.shares(commune.id, str(period))
    payouts = uow.payouts.by_member(commune.id, str(period))
    yield from _compose(
        commune,
        period,
        recipients,
        assets.__getitem__,
        coops,
        before,
        lines,
        (sales, payouts),
        keyed=clearing_id,
    )


def _among(
    uow: UnitOfWork, commune: Commune, period: Period, clearing_id: int, members: MemberRange
) -> Iterator[Outgoing]:
    """The statements of a range of members, by member id, unkeyed (for /statement):
    read from their own rows, and only the bonds and cooperatives they name."""
    recipients = uow.clearings.recipients_among(clearing_id, members)
    if not recipients:
        return
    wanted = {r.cooperative_id for r in recipients if r.cooperative_id}
    rents = uow.clearings.cooperative_rents_among(commune.id, str(period), wanted)
    coops = _cooperatives(
        rents,
        uow.clearings.cooperative_sizes_among(commune.id, clearing_id, wanted) if rents else {},
    )
    before = (
        {}
        if period.month == 1
        else uow.clearings.year_to_date_among(
            commune.id, f"{period.year:04d}-01", str(period.previous()), members
        )
    )
    lines = uow.clearings.holding_lines_among(
        commune.id, clearing_id, str(period), period.ends_at(commune.timezone), members
    )
    sales = uow.sales.shares(commune.id, str(period), members)
    payouts = uow.payouts.by_member(commune.id, str(period), members)
    asset = _asset_by_number(uow, commune.id)
    yield from _compose(commune, period, recipients, asset, coops, before, lines, (sales, payouts))


def _compose(
    commune: Commune,
    period: Period,
    recipients: list[Recipient],
    asset: Callable[[int], str],
    coops: Mapping[int, dict[str, Any]],
    before: Mapping[int, YearToDate],
    lines: Iterator[MemberHoldings],
    extras: tuple[Mapping[int, list[SaleShare]], Mapping[int, MemberPayouts]],
    keyed: int | None = None,
) -> Iterator[Outgoing]:
    """Each recipient's statement, merging the holding lines (by member id, as the
    recipients) as they stream, with what the period's asset sales repaid and wrote
    off of their bonds, and what was paid out to them in it and is still owed to them
    after it (``extras``); ``keyed``: the clearing whose outbox keys they get."""
    sales, payouts = extras
    held = next(lines, None)
    base = {**commune_context(commune), "period": str(period)}
    locale_of = functools.cache(locales.choose)  # a handful of distinct settings
    for r in recipients:
        while held is not None and held.member_id < r.member_id:  # not on the roster
            held = next(lines, None)
        holdings = []
        repaid_now = 0
        if held is not None and held.member_id == r.member_id:
            holdings = [
                {"asset": asset(number), "number": number, "outstanding": owed, "repaid": repaid}
                for number, repaid, owed in zip(
                    held.numbers, held.repaid, held.outstanding, strict=True
                )
                if owed or repaid
            ]
            repaid_now = sum(held.repaid)
            held = next(lines, None)
        shares = sales.get(r.member_id)  # almost always none: no per-member work then
        sold = (
            [
                {
                    "number": share.number,
                    "asset": asset(share.number),
                    "repaid": share.repaid,
                    "written_off": share.written_off,
                }
                for share in shares
            ]
            if shares
            else []
        )
        if shares:
            repaid_now += sum(share.repaid for share in shares)
        ytd = before.get(r.member_id, NOTHING_YET)
        context = base.copy()
        context["name"] = r.name
        context["dividend"] = r.dividend
        context["holdings"] = holdings
        context["sales"] = sold
        context["coop"] = coops.get(r.cooperative_id)
        context["ytd_dividends"] = ytd.dividends + r.dividend
        context["ytd_repaid"] = ytd.repaid + repaid_now
        context["paid_out"], context["owed"] = payouts.get(r.member_id, NOTHING_PAID)
        yield Outgoing(
            Address(r.platform, r.address, True, r.person_id),
            "statement",
            locale_of(r.chosen_locale, r.reported_language, commune.locale),
            context,
            None if keyed is None else f"statement:{keyed}:{r.member_id}",
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
    rents: Mapping[int, CooperativeRent], sizes: Mapping[int, int]
) -> dict[int, dict[str, Any]]:
    """{cooperative id: what its members read}: the rent it paid, and its share per
    member (its sizes are read only if one paid rent)."""
    return {
        cooperative_id: {
            "name": rent.name,
            "rent": rent.paid,
            "per_member": _round_half_up(rent.paid, max(1, sizes.get(cooperative_id, 1))),
        }
        for cooperative_id, rent in rents.items()
    }
