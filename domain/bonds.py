"""Bond issues: floated by a cooperative, pledged by members, cleared or expired.

Where the commune's ``approval`` policy is ``assembly``, an issue starts awaiting an
assembly's approval: no pledges until an ``approve bond`` motion carries, and then it
is open for as many days as it had left when proposed (``days_after``); a
motion that does not carry closes it as not approved.

The issue is the aggregate: every pledge rule is checked here against the issue's
running totals, which storage loads under a lock, so two pledges racing for the
last euro cannot both pass. The issue carries its totals (pledged, pledgers, the
newest place in the queue) rather than every pledge: a pledge to an issue with
thousands of pledgers reads one row and writes two. A pledge's ``seq`` is its place
in the queue: when the issue clears, the pledges become holdings in that order,
which later decides who gets a tied cent of redemption.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain import names
from domain.errors import Refusal
from domain.limits import check_pledge
from domain.periods import end_of_day


class IssueStatus(StrEnum):
    OPEN = "open"
    CLEARED = "cleared"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    AWAITING = "awaiting"  # awaiting an assembly's approval: no pledges yet
    NOT_APPROVED = "not_approved"  # the approval motion did not carry
    SOLD = "sold"  # fully pledged, waiting for the pledgers to pay (``payment-days`` > 0)


@dataclass(frozen=True)
class Pledge:
    member_id: int
    amount: int
    seq: int


@dataclass
class BondIssue:
    id: int
    commune_id: int
    number: int
    cooperative_id: int
    proposer_id: int
    asset: str
    price: int
    rent: int
    deadline: datetime
    created_at: datetime
    status: IssueStatus = IssueStatus.OPEN
    closed_at: datetime | None = None
    pledged: int = 0  # the sum of the pledges
    pledgers: int = 0  # how many members have a pledge
    last_seq: int = 0  # the newest pledger's place in the queue
    pay_by: datetime | None = None  # a sold issue's end of the payment window
    # The cooperative's name, when storage read it with the issue: the messages about
    # a pledge name it, and a lookup of its own would be one more query per pledge.
    cooperative_name: str | None = None

    @property
    def remaining(self) -> int:
        return self.price - self.pledged

    def _require_open(self, now: datetime) -> None:
        if self.status is not IssueStatus.OPEN:
            raise Refusal(f"issue_{self.status.value}", number=self.number, asset=self.asset)
        if now >= self.deadline:
            raise Refusal("issue_past_deadline", number=self.number, asset=self.asset)

    def pledge(
        self,
        mine: Pledge | None,
        member_id: int,
        amount: int,
        now: datetime,
        payment_days: int = 0,
        tz: str = "UTC",
    ) -> tuple[Pledge, bool]:
        """Add ``amount`` to the member's pledge (``mine``, None for a first pledge).

        Returns the pledge as it now stands, and True when it fully pledges the issue:
        it clears, or with ``payment_days`` it is sold and its pledgers have until the
        end of the local day (in the commune's time zone ``tz``) that many days later
        to pay (``days_after``). A
        top-up keeps the place of the member's first pledge; a first pledge queues
        last, behind every place handed out before, even one given up since.
        """
        self._require_open(now)
        if amount <= 0:
            raise Refusal("amount_not_positive")
        if amount > self.remaining:
            raise Refusal("pledge_exceeds_remaining", number=self.number, remaining=self.remaining)
        check_pledge(amount + (mine.amount if mine is not None else 0))
        if mine is None:
            self.last_seq += 1
            self.pledgers += 1
            now_pledged = Pledge(member_id, amount, self.last_seq)
        else:
            now_pledged = replace(mine, amount=mine.amount + amount)
        self.pledged += amount
        if self.remaining == 0:
            if payment_days > 0:
                self.status = IssueStatus.SOLD
                self.pay_by = days_after(now, payment_days, tz)
                return now_pledged, True
            self.status = IssueStatus.CLEARED
            self.closed_at = now
            return now_pledged, True
        return now_pledged, False

    def unpledge(self, mine: Pledge | None, now: datetime) -> int:
        """Withdraw the member's whole pledge (``mine``); returns the amount released."""
        self._require_open(now)
        if mine is None:
            raise Refusal("no_pledge", number=self.number)
        self.pledged -= mine.amount
        self.pledgers -= 1
        return mine.amount

    def withdraw(self, member_id: int, now: datetime, by_admin: bool = False) -> None:
        """The proposer (or an admin) takes an open issue (or one awaiting approval)
        back; pledges are released."""
        if member_id != self.proposer_id and not by_admin:
            raise Refusal("not_proposer", number=self.number)
        if self.status not in (IssueStatus.OPEN, IssueStatus.AWAITING):
            raise Refusal(f"issue_{self.status.value}", number=self.number, asset=self.asset)
        self.status = IssueStatus.WITHDRAWN
        self.closed_at = now

    def expire(self, now: datetime) -> None:
        """The deadline passed before the price was reached; pledges are released."""
        if self.status is not IssueStatus.OPEN or now < self.deadline:
            return
        self.status = IssueStatus.EXPIRED
        self.closed_at = now

    def paid_up(self, now: datetime) -> None:
        """Every pledge of a sold issue is paid: it clears."""
        self.status = IssueStatus.CLEARED
        self.closed_at = now
        self.pay_by = None

    def reopen(self, kept: Sequence[Pledge], now: datetime, payment_days: int, tz: str) -> None:
        """The payment window ended with pledges unpaid: the issue takes pledges again
        for what is missing, keeping the paid parts (``kept``), until its deadline or
        the end of the local day ``payment_days`` from now (``days_after``), whichever
        is later: like a typed deadline, it lasts all day."""
        self.status = IssueStatus.OPEN
        self.pay_by = None
        self.pledged = sum(p.amount for p in kept)
        self.pledgers = len(kept)
        self.deadline = max(self.deadline, days_after(now, payment_days, tz))

    def days_to_pledge(self, tz: str) -> int:
        """The days it had left when proposed: from the day it was proposed to its last
        day, in the commune's local days (0 when it was due the day it was proposed)."""
        zone = ZoneInfo(tz)
        last_day = (self.deadline - timedelta(microseconds=1)).astimezone(zone).date()
        return max(0, (last_day - self.created_at.astimezone(zone).date()).days)

    def approve(self, when: datetime, tz: str) -> None:
        """Open an issue awaiting approval for pledges: for the rest of the approval's
        local day and as many more whole days as it had left when proposed, as a deadline
        typed in /propose closes at the end of its day (``days_after``)."""
        if self.status is not IssueStatus.AWAITING:
            raise Refusal(f"issue_{self.status.value}", number=self.number, asset=self.asset)
        self.deadline = days_after(when, self.days_to_pledge(tz), tz)
        self.status = IssueStatus.OPEN

    def not_approved(self, when: datetime) -> None:
        """The approval motion was rejected or had no quorum: the issue closes."""
        if self.status is not IssueStatus.AWAITING:
            raise Refusal(f"issue_{self.status.value}", number=self.number, asset=self.asset)
        self.status = IssueStatus.NOT_APPROVED
        self.closed_at = when


def payment(
    issue: BondIssue, pledge: Pledge | None, paid: int, amount: int | None, name: str
) -> int:
    """What the treasurer may record as paid on ``pledge`` (``paid`` so far): ``amount``,
    or by default the rest of the pledge; refused when the issue is not sold, there is
    no pledge, or it would pay past the pledge."""
    if issue.status is not IssueStatus.SOLD:
        raise Refusal("issue_not_sold", number=issue.number, asset=issue.asset)
    if pledge is None:
        raise Refusal("member_no_pledge", number=issue.number, name=name)
    rest = pledge.amount - paid
    if rest <= 0:
        raise Refusal("pledge_paid", number=issue.number, name=name, amount=pledge.amount)
    if amount is None:
        return rest
    if amount <= 0:
        raise Refusal("amount_not_positive")
    if amount > rest:
        raise Refusal("payment_exceeds_rest", number=issue.number, rest=rest)
    return amount


def refund(issue: BondIssue, paid: int, refunded: int, name: str) -> int:
    """What is to be refunded to a pledger of an expired issue who paid ``paid``."""
    if issue.status is not IssueStatus.EXPIRED:
        raise Refusal("refund_not_expired", number=issue.number, asset=issue.asset)
    if paid - refunded <= 0:
        raise Refusal("nothing_to_refund", number=issue.number, name=name)
    return paid - refunded


def days_after(when: datetime, days: int, tz: str) -> datetime:
    """The end of the local day (in ``tz``) ``days`` days after ``when``'s: the rest of
    that day and ``days`` more whole days, whatever the hour of ``when``. An approved
    bond's deadline, a reopened bond's and a sold bond's time to pay all end so, as a
    deadline typed in /propose does: its last minute reads 23:59."""
    return end_of_day(when.astimezone(ZoneInfo(tz)).date() + timedelta(days=days), tz)


def clean_asset(text: str) -> str:
    """The asset's name as it will be shown, or a refusal: /propose and its form alike."""
    return names.clean(text, names.ASSET)


def check_deadline(deadline: datetime, now: datetime) -> None:
    """Pledges need time to come in: a deadline already past is refused when given."""
    if deadline <= now:
        raise Refusal("deadline_past")


def validate_new_issue(
    asset: str, price: int, rent: int, deadline: datetime, now: datetime
) -> None:
    """Refuse a proposal the commune could never clear or lease."""
    clean_asset(asset)
    if price <= 0 or rent <= 0:
        raise Refusal("amount_not_positive")
    check_deadline(deadline, now)


@dataclass(frozen=True)
class LeaseTerm:
    """From ``from_period`` ("YYYY-MM") on, the lease pays ``rent`` a period; None: the
    lease has ended, and nothing is due from then on. Decided by a carried motion.
    With ``cooperative_id``, the asset is let again (``relet``) from then on, to that
    cooperative: a new letting, whose arrears start afresh."""

    from_period: str
    rent: int | None
    cooperative_id: int | None = None


def rent_in(rent: int, terms: Sequence[LeaseTerm], period: str) -> int | None:
    """What a lease owes for ``period``: the latest term (oldest first) from then or
    before, else the bond's ``rent``; None once the lease has ended."""
    owed: int | None = rent
    for term in terms:
        if term.from_period <= period:
            owed = term.rent
    return owed


def ended_from(terms: Sequence[LeaseTerm]) -> str | None:
    """The first period after the lease ended, or None while it runs (or once it is
    let again: the latest decision about it wins)."""
    latest = terms[-1] if terms else None
    return latest.from_period if latest is not None and latest.rent is None else None


def lessee_in(cooperative_id: int, terms: Sequence[LeaseTerm], period: str) -> int:
    """The cooperative that leases the asset in ``period``: the latest letting from
    then or before, else the bond's ``cooperative_id``."""
    lessee = cooperative_id
    for term in terms:
        if term.cooperative_id is not None and term.from_period <= period:
            lessee = term.cooperative_id
    return lessee


def letting_from(first: str, terms: Sequence[LeaseTerm], period: str) -> str:
    """Where the letting that runs in ``period`` began: the lease's ``first`` period,
    or the latest ``relet`` from then or before (its arrears count from there)."""
    start = first
    for term in terms:
        if term.cooperative_id is not None and term.from_period <= period:
            start = max(start, term.from_period)
    return start
