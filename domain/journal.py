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
- ``settled``/member id and ``paid``/member id: a payout (``domain.payouts``) of what
  the commune owed the member, out of the one and into the other
- ``written_off``/issue id: what the sale of that lease's asset left unpaid to its
  bondholders (negative: the commune's loss on the bond, the holdings forgiven)

With ``payment-days`` 0 a pledge counts as paid and ``bond_cleared`` posts only the
asset and the holdings. With payment days, a ``payment`` entry (ref ``payment:<id>``)
moves money from the pledger into ``paid_in``, a ``refund`` entry moves it back, and
the sold bond's ``bond_cleared`` also spends ``paid_in`` on the asset and settles each
pledger's account against the holding it now has.

A lease ended by an assembly may have its asset sold (``/sold``): one ``sale`` entry
(ref ``sale:<id>``) takes the proceeds into ``cash`` and out of the ``asset``, repays
each holding from cash pro rata to what it is still owed (the clearing's rule,
``domain.sales``), and posts what the proceeds did not cover to the holdings, against
the bond's ``written_off`` account: every holding of the bond is then settled (its
balance is zero; ``holding.redeemed`` counts repayments and the write-off alike, and
no later rent repays it). What the proceeds leave after the holdings stays in cash:
the open period's clearing adds it to the dividend pool, so that clearing conserves
rent + carry in + sale proceeds left = redeemed + dividends + carry out + fund share.

- ``fund``/0: the commune's common fund. With the ``fund`` policy at N%, a period's
  clearing moves N% of its dividend pool (rounded down) from ``cash`` into it, before
  the equal split
- ``granted``/motion id: what a carried ``fund`` motion granted from the common fund,
  for the treasurer to pay out to its recipient (one ``grant`` entry, ref
  ``grant:<motion id>``: the fund out, the granted account in)

What a clearing repays and pays as dividends, and what a sale repays, is owed to the
member until the treasurer records it paid (``/payout``, ``domain.payouts``): one
``payout`` entry (ref ``payout:<id>``) per payout moves it from the member's
``settled`` account (what the commune held for them, negative as it leaves) to their
``paid`` account (what reached them).
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
    WRITTEN_OFF = "written_off"
    FUND = "fund"
    GRANTED = "granted"
    SETTLED = "settled"
    PAID = "paid"


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


def asset_sold(
    issue_id: int,
    sale_id: int,
    proceeds: int,
    repaid: Iterable[tuple[int, int]],
    written_off: Iterable[tuple[int, int]],
) -> JournalEntry:
    """An ended lease's asset is sold for ``proceeds``: cash in, the asset out; the
    holdings repaid from cash and, where the proceeds fall short, written off.
    ``repaid`` and ``written_off`` are (holding id, amount) pairs."""
    paid = list(repaid)
    lost = list(written_off)
    postings = [
        Posting(AccountKind.CASH, 0, proceeds),
        Posting(AccountKind.ASSET, issue_id, -proceeds),
    ]
    postings += [Posting(AccountKind.HOLDING, holding, amount) for holding, amount in paid]
    postings.append(Posting(AccountKind.CASH, 0, -sum(amount for _, amount in paid)))
    postings += [Posting(AccountKind.HOLDING, holding, amount) for holding, amount in lost]
    postings.append(Posting(AccountKind.WRITTEN_OFF, issue_id, -sum(amount for _, amount in lost)))
    return entry("sale", f"sale:{sale_id}", postings)


GRANT_ENTRY = "grant"


def grant_ref(motion_id: int) -> str:
    """The reference of a carried fund motion's grant entry: ``grant:12``."""
    return f"grant:{motion_id}"


def granted(motion_id: int, amount: int) -> JournalEntry:
    """A carried fund motion takes ``amount`` out of the common fund, owed to its recipient."""
    return entry(
        GRANT_ENTRY,
        grant_ref(motion_id),
        [Posting(AccountKind.FUND, 0, -amount), Posting(AccountKind.GRANTED, motion_id, amount)],
    )
