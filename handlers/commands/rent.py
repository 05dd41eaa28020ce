"""/rent: the treasurer records rent that really arrived."""

from __future__ import annotations

from domain import limits
from domain.bonds import IssueStatus, lessee_in, rent_in
from domain.clearing import ClearingRecord
from domain.errors import Refusal
from domain.journal import rent_received
from domain.model import RentReceipt
from domain.periods import Period, booking_period, lease_starts, open_period
from handlers.access import Rule, Who
from handlers.bond_views import issue_view, load_issue
from handlers.money import parse_amount
from handlers.registry import command
from handlers.turn import Turn


@command("rent", Rule(Who.TREASURER))
def rent(turn: Turn, args: list[str]) -> None:
    treasurer = turn.speaker
    turn.require_commune()
    if len(args) != 2:
        raise Refusal("usage", command="rent", example="/rent 1 333.33")
    # The clearing holds this lock while it pays a period out: from here on, the
    # latest clearing and the time are what they will be when this commits.
    commune = turn.lock_commune()
    issue = load_issue(turn, args[0])
    if issue.status is not IssueStatus.CLEARED:
        raise Refusal("not_leased", number=issue.number, asset=issue.asset)
    assert issue.closed_at is not None
    amount = parse_amount(args[1], commune.currency, turn.locale)
    recorded = Period.containing(turn.now, commune.timezone)
    latest = turn.uow.clearings.latest(commune.id)
    period, moved = booking_period(
        recorded,
        open_period(latest.period if latest else None, commune.created_at, commune.timezone),
        lease_starts(issue.closed_at, commune.timezone),
    )
    terms = turn.uow.bonds.lease_terms(issue.id)
    if rent_in(issue.rent, terms, str(period)) is None:  # ended, and not let again (yet)
        ended = max(t.from_period for t in terms if t.rent is None and t.from_period <= str(period))
        last = str(Period.parse(ended).previous())
        raise Refusal("lease_ended", number=issue.number, asset=issue.asset, last=last)
    _check_limits(turn, issue.id, period, amount, latest)
    receipt = turn.uow.bonds.add_rent(
        # Never dated before the lease began: a process whose clock lags another's (the
        # one that cleared the bond) would otherwise date it so (receipt_lease).
        RentReceipt(0, issue.id, amount, max(turn.now, issue.closed_at), str(period), treasurer.id),
        commune.id,
    )
    turn.uow.journal.append(commune.id, rent_received(issue.id, amount, receipt.id), turn.now)
    view = issue_view(turn.uow, issue, turn.now)
    lessee = lessee_in(issue.cooperative_id, terms, str(period))  # a lease let again
    view["cooperative"] = turn.uow.communes.cooperative(lessee).name
    turn.announce(
        "rent_recorded",
        issue=view,
        amount=amount,
        period=str(period),
        moved=moved,
        recorded=str(recorded),
    )


def _check_limits(
    turn: Turn, issue_id: int, period: Period, amount: int, latest: ClearingRecord | None
) -> None:
    """domain.limits' bounds on the period's rent and pool, so no sum can overflow.

    The pool also receives the period before's carry: that clearing's own when it is
    recorded, otherwise at most the members who can share it (the carry is always
    less than the number of eligible members, and who joins later is not eligible).
    """
    commune = turn.require_commune()
    before = period.previous()
    if latest is not None and latest.period == str(before):
        carry_in = latest.carry_out
    else:
        carry_in = turn.uow.clearings.eligible_count(commune.id, before.starts_at(commune.timezone))
    # What the period's asset sales brought in may join its pool as well.
    carry_in += turn.uow.sales.totals(commune.id, str(period)).proceeds
    limits.check_rent(
        str(period),
        amount,
        turn.uow.bonds.rent_total(issue_id, str(period)),
        turn.uow.bonds.period_rent(commune.id, str(period)),
        carry_in,
    )
