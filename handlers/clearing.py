"""Clearing a period: the service that feeds the pure computation and records it.

A federation's clearing touches every member and holding (100,000 members and
500,000 holdings clear in seconds), so it runs in three passes that never hold
the whole commune in memory as Python objects:

1. the period's amounts from each lease's totals and what the period's asset sales
   left to the pool (``domain.clearing.clear_totals``: pool, the common fund's share
   by the ``fund`` policy, dividend, carry, checked for conservation), recorded first;
2. the redemptions, lease by lease with ``domain.clearing.split`` over a batch of
   leases' holdings at a time, each lease checked against step 1, bulk-inserted as
   the ``holding`` postings of the period's journal entry (the only record of them);
3. set-based SQL for the rest: holdings repaid from those postings, the statement
   roster, the year-to-date totals through the previous period (kept for the next
   clearing, so December reads November's totals, not the year's postings), the
   dividend and cash postings (the entry must balance), statements;
4. the leases' rent due and arrears (handlers/arrears.py): one read of every lease
   running in the period, one bulk insert of their lines, a DM to each member told.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from domain.arrears import LeaseArrears
from domain.clearing import (
    CLEARING_ENTRY,
    ClearingOutcome,
    ConservationError,
    LeaseTotal,
    cash_posting,
    clear_totals,
    clearing_ref,
    split,
)
from domain.journal import AccountKind
from domain.model import Commune
from domain.periods import Period
from domain.policies import fund_percent
from domain.ports import UnitOfWork
from domain.sales import SaleTotals
from handlers.arrears import clear_arrears, tell_arrears
from handlers.outbound import to_groups
from handlers.policy_changes import policies_of
from handlers.statements import queue_statements


def clear(uow: UnitOfWork, commune: Commune, period: Period, now: datetime) -> ClearingOutcome:
    """Clear ``period`` inside the caller's transaction; the caller claimed it first."""
    with _gc_paused(), uow.clearings.large():
        return _clear(uow, commune, period, now)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cyclic collector, paused: a federation's clearing allocates millions of
    small acyclic objects (rows, redemptions, statement contexts), and the collector
    would re-scan them all every few thousand allocations (a quarter of the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _clear(uow: UnitOfWork, commune: Commune, period: Period, now: datetime) -> ClearingOutcome:
    start = period.starts_at(commune.timezone)
    leases = uow.clearings.lease_totals(commune.id, str(period))
    eligible = uow.clearings.eligible_count(commune.id, start)
    latest = uow.clearings.latest(commune.id)
    carry_in = latest.carry_out if latest else 0
    sales = uow.sales.totals(commune.id, str(period))
    keep = fund_percent(policies_of(uow, commune.id))
    outcome = clear_totals(leases, eligible, carry_in, sales.to_pool, keep)
    clearing_id = uow.clearings.record(commune.id, str(period), now, outcome)
    entry_id = uow.journal.start_entry(commune.id, CLEARING_ENTRY, clearing_ref(str(period)), now)
    repaid = _redeem(uow, commune.id, entry_id, leases, outcome)
    uow.clearings.finish(clearing_id, entry_id, commune.id, start)
    fund = [(0, outcome.fund_share)] if outcome.fund_share else []
    uow.journal.add_account_postings(entry_id, commune.id, AccountKind.FUND, fund)
    uow.journal.close_clearing(entry_id, commune.id, clearing_id, cash_posting(outcome))
    uow.payouts.keep_clearing_owed(commune.id, entry_id, str(period))  # owed until paid
    previous = latest.id if latest else None
    arrears = clear_arrears(uow, commune, period, clearing_id, previous, now)
    uow.outbox.add(_summary(uow, commune, period, outcome, arrears, sales), now)
    tell_arrears(uow, commune, period, arrears, now)
    queue_statements(uow, commune, period, clearing_id, now, repaid)
    return outcome


def _redeem(
    uow: UnitOfWork,
    commune_id: int,
    entry_id: int,
    leases: list[LeaseTotal],
    outcome: ClearingOutcome,
) -> dict[int, int]:
    """Split each lease's repayment among its holdings (``domain.clearing.split``, the
    same rule as ``redeem`` without an object per holding), lease by lease, and post
    each part to its holding in the clearing's journal entry, a batch at a time.
    Returns {holding id: part}, for the statements."""
    if len(leases) != len(outcome.leases):
        raise ConservationError("the period's leases changed while it was cleared")
    repaid: dict[int, int] = {}
    batch: list[tuple[int, int]] = []
    for lease, holding_ids, owed in uow.clearings.owed_by_lease(leases):
        parts = split(lease, owed)
        batch += [
            (holding_id, part) for holding_id, part in zip(holding_ids, parts, strict=True) if part
        ]
        if len(batch) >= POSTINGS_PER_INSERT:
            uow.journal.add_account_postings(entry_id, commune_id, AccountKind.HOLDING, batch)
            repaid.update(batch)
            batch = []
    uow.journal.add_account_postings(entry_id, commune_id, AccountKind.HOLDING, batch)
    repaid.update(batch)
    return repaid


POSTINGS_PER_INSERT = 20_000


def _summary(
    uow: UnitOfWork,
    commune: Commune,
    period: Period,
    outcome: ClearingOutcome,
    arrears: list[LeaseArrears],
    sales: SaleTotals,
) -> list:
    """The group's message: rent, repaid, dividend, carry, arrears, bonds repaid now,
    and what assets sold in the period brought, repaid and left to the pool."""
    owed, owed_assets = uow.bonds.owed(commune.id)
    repaid_now = [lease for lease in outcome.leases if lease.outstanding_before > 0]
    repaid_now = [lease for lease in repaid_now if lease.outstanding_after == 0]
    labels = uow.bonds.labels(commune.id) if repaid_now else {}
    return to_groups(
        uow,
        commune,
        "clearing_summary",
        period=str(period),
        next_period=str(period.next()),
        rent=outcome.rent_received,
        leases=len(outcome.leases),
        redeemed=outcome.redeemed,
        pool=outcome.pool,
        dividend_each=outcome.dividend_each,
        eligible=outcome.eligible,
        carry_out=outcome.carry_out,
        owed=owed,
        owed_assets=owed_assets,
        repaid=[
            {"number": labels[lease.issue_id][0], "asset": labels[lease.issue_id][1]}
            for lease in repaid_now
        ],
        arrears=sum(max(0, line.rent_due - line.paid) for line in arrears),
        sale_proceeds=sales.proceeds,
        sale_left=sales.to_pool,
        written_off=sales.written_off,
        fund_share=outcome.fund_share,
    )
