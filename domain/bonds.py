"""Bond issues: floated by a cooperative, pledged by members, cleared or expired.

The issue is the aggregate: every pledge rule is checked here against the issue's
current pledges, which storage loads under a lock, so two pledges racing for the
last euro cannot both pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.errors import Refusal


class IssueStatus(StrEnum):
    OPEN = "open"
    CLEARED = "cleared"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


@dataclass
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
    pledges: list[Pledge] = field(default_factory=list)

    @property
    def pledged(self) -> int:
        return sum(p.amount for p in self.pledges)

    @property
    def remaining(self) -> int:
        return self.price - self.pledged

    def pledge_of(self, member_id: int) -> Pledge | None:
        return next((p for p in self.pledges if p.member_id == member_id), None)

    def _require_open(self, now: datetime) -> None:
        if self.status is not IssueStatus.OPEN:
            raise Refusal(f"issue_{self.status.value}", number=self.number, asset=self.asset)
        if now >= self.deadline:
            raise Refusal("issue_past_deadline", number=self.number, asset=self.asset)

    def pledge(self, member_id: int, amount: int, now: datetime) -> bool:
        """Add ``amount`` to the member's pledge; True when this pledge clears the issue."""
        self._require_open(now)
        if amount <= 0:
            raise Refusal("amount_not_positive")
        if amount > self.remaining:
            raise Refusal("pledge_exceeds_remaining", number=self.number, remaining=self.remaining)
        existing = self.pledge_of(member_id)
        if existing is None:
            next_seq = max((p.seq for p in self.pledges), default=0) + 1
            self.pledges.append(Pledge(member_id, amount, next_seq))
        else:
            existing.amount += amount
        if self.remaining == 0:
            self.status = IssueStatus.CLEARED
            self.closed_at = now
            return True
        return False

    def unpledge(self, member_id: int, now: datetime) -> int:
        """Withdraw the member's whole pledge; returns the amount released."""
        self._require_open(now)
        existing = self.pledge_of(member_id)
        if existing is None:
            raise Refusal("no_pledge", number=self.number)
        self.pledges.remove(existing)
        return existing.amount

    def withdraw(self, member_id: int, now: datetime, by_admin: bool = False) -> None:
        """The proposer (or an admin) takes an open issue back; pledges are released."""
        if member_id != self.proposer_id and not by_admin:
            raise Refusal("not_proposer", number=self.number)
        if self.status is not IssueStatus.OPEN:
            raise Refusal(f"issue_{self.status.value}", number=self.number, asset=self.asset)
        self.status = IssueStatus.WITHDRAWN
        self.closed_at = now

    def expire(self, now: datetime) -> None:
        """The deadline passed before the price was reached; pledges are released."""
        if self.status is not IssueStatus.OPEN or now < self.deadline:
            return
        self.status = IssueStatus.EXPIRED
        self.closed_at = now

    def holdings(self) -> list[Pledge]:
        """The pledges that become holdings when the issue clears, in pledge order."""
        return sorted(self.pledges, key=lambda p: p.seq)


def validate_new_issue(
    asset: str, price: int, rent: int, deadline: datetime, now: datetime
) -> None:
    """Refuse a proposal the commune could never clear or lease."""
    if not asset.strip():
        raise Refusal("asset_missing")
    if len(asset) > 80:
        raise Refusal("asset_too_long")
    if price <= 0 or rent <= 0:
        raise Refusal("amount_not_positive")
    if deadline <= now:
        raise Refusal("deadline_past")
