"""Clearing a period: the service that feeds the pure computation and records it."""

from __future__ import annotations

from datetime import datetime

from domain.clearing import ClearingOutcome, clear_period, clearing_entry
from domain.model import Commune
from domain.periods import Period
from domain.ports import UnitOfWork
from handlers.outbound import to_groups
from handlers.statements import statements


def clear(uow: UnitOfWork, commune: Commune, period: Period, now: datetime) -> ClearingOutcome:
    """Clear ``period`` inside the caller's transaction; the caller claimed it first."""
    start = period.starts_at(commune.timezone)
    leases = uow.clearings.lease_rents(commune.id, str(period))
    eligible = uow.clearings.eligible_member_ids(commune.id, start)
    latest = uow.clearings.latest(commune.id)
    carry_in = latest.carry_out if latest else 0
    outcome = clear_period(leases, len(eligible), carry_in)
    uow.clearings.record(commune.id, str(period), start, now, outcome)
    uow.journal.append(commune.id, clearing_entry(str(period), outcome, eligible), now)
    owed, owed_assets = uow.bonds.owed(commune.id)
    received = {lease.issue_id: lease.rent_received for lease in outcome.leases}
    arrears = sum(
        max(0, rent - received.get(issue_id, 0))
        for issue_id, rent in uow.bonds.rents_due(commune.id, start).items()
    )
    labels = uow.bonds.labels(commune.id)
    repaid_now = [
        {"number": labels[lease.issue_id][0], "asset": labels[lease.issue_id][1]}
        for lease in outcome.leases
        if lease.outstanding_before > 0 and lease.outstanding_after == 0
    ]
    summary = to_groups(
        uow,
        commune,
        "clearing_summary",
        period=str(period),
        next_period=str(period.next()),
        rent=outcome.rent_received,
        leases=sum(1 for lease in outcome.leases),
        redeemed=outcome.redeemed,
        pool=outcome.pool,
        dividend_each=outcome.dividend_each,
        eligible=outcome.eligible,
        carry_out=outcome.carry_out,
        owed=owed,
        owed_assets=owed_assets,
        repaid=repaid_now,
        arrears=arrears,
    )
    uow.outbox.add(summary + statements(uow, commune, period), now)
    return outcome
