"""The append-only, double-entry journal of every movement of money.

Accounts are (kind, ref) pairs. Signs follow one convention throughout: a
positive amount is money arriving in an account, negative is money leaving it,
and every entry's postings sum to zero.

- ``cash``/0: the commune's common pool (rent in, redemptions and dividends out)
- ``rent``/issue id: the lessee cooperative paying rent on that lease
- ``asset``/issue id: the productive asset bought with the bond issue
- ``holding``/holding id: owed to a bondholder (negative while owed)
- ``dividend``/member id: social dividends paid to a member
- ``paid_in``/issue id: money pledgers paid for a sold bond (``payment-days`` > 0),
  held for it (positive while held) until it buys the asset or is refunded
- ``pledger``/member id: what a member paid in on pledges (negative while held for a
  bond); it comes back to zero as the bond clears (the money became a holding) or
  the treasurer refunds it

With ``payment-days`` 0 a pledge counts as paid and ``bond_cleared`` posts only the
asset and the holdings. With payment days, a ``payment`` entry (ref ``payment:<id>``)
moves money from the pledger into ``paid_in``, a ``refund`` entry moves it back, and
the sold bond's ``bond_cleared`` also spends ``paid_in`` on the asset and settles each
pledger's account against the holding it now has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class AccountKind(StrEnum):
    CASH = "cash"
    RENT = "rent"
    ASSET = "asset"
    HOLDING = "holding"
    DIVIDEND = "dividend"
    PAID_IN = "paid_in"
    PLEDGER = "pledger"


@dataclass(frozen=True)
class Posting:
    kind: AccountKind
    ref: int
    amount: int


@dataclass
class JournalEntry:
    kind: str
    ref: str
    postings: list[Posting] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return sum(p.amount for p in self.postings) == 0


class UnbalancedEntry(AssertionError):
    """A bug, never a user error: money would be created or destroyed."""


def entry(kind: str, ref: str, postings: Iterable[Posting]) -> JournalEntry:
    """Build an entry, refusing (loudly) one that does not balance."""
    made = JournalEntry(kind, ref, [p for p in postings if p.amount != 0])
    if not made.balanced:
        raise UnbalancedEntry(f"{kind} {ref} does not balance")
    return made


def bond_cleared(
    issue_id: int,
    holdings: Iterable[tuple[int, int]],
    paid_by: Iterable[tuple[int, int]] = (),
) -> JournalEntry:
    """The pledged principal buys the asset and is owed back to each holder; for a
    sold bond, ``paid_by`` (member id, paid) is the money paid in that buys it."""
    pairs = list(holdings)
    price = sum(amount for _, amount in pairs)
    postings = [Posting(AccountKind.ASSET, issue_id, price)]
    postings += [Posting(AccountKind.HOLDING, hid, -amount) for hid, amount in pairs]
    paid = list(paid_by)
    if paid:
        postings.append(Posting(AccountKind.PAID_IN, issue_id, -sum(a for _, a in paid)))
        postings += [Posting(AccountKind.PLEDGER, member, amount) for member, amount in paid]
    return entry("bond_cleared", f"issue:{issue_id}", postings)


def paid_in(issue_id: int, member_id: int, amount: int, payment_id: int) -> JournalEntry:
    """A pledger's money arrives for a sold bond."""
    return entry(
        "payment",
        f"payment:{payment_id}",
        [
            Posting(AccountKind.PAID_IN, issue_id, amount),
            Posting(AccountKind.PLEDGER, member_id, -amount),
        ],
    )


def refunded(issue_id: int, member_id: int, amount: int, payment_id: int) -> JournalEntry:
    """Money paid for a bond that expired goes back to its pledger."""
    return entry(
        "refund",
        f"payment:{payment_id}",
        [
            Posting(AccountKind.PAID_IN, issue_id, -amount),
            Posting(AccountKind.PLEDGER, member_id, amount),
        ],
    )


def rent_received(issue_id: int, amount: int, receipt_id: int) -> JournalEntry:
    return entry(
        "rent",
        f"receipt:{receipt_id}",
        [Posting(AccountKind.CASH, 0, amount), Posting(AccountKind.RENT, issue_id, -amount)],
    )
