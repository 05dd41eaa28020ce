"""Payouts: what the commune owes a member stays owed until the treasurer pays it.

A clearing repays principal (and interest, if any) and pays dividends; a sale repays
the holders of the bond it sold. In the journal that money leaves the common pool
for the member's accounts at once, but it reaches the member only when the treasurer
records it paid (``/payout``). What each clearing or sale entry owes each member is
kept (``clearing_owed``), and a payout is one ``payout`` entry: ``settled`` out,
``paid`` in, for one member. A member is owed what their entries owed less what they
were paid, never less than nothing; ``/payout all P`` pays everyone what the entries
of periods up to P owed them less what they were paid (older debts go first).
"""

from __future__ import annotations

from typing import NamedTuple

from domain.errors import Refusal
from domain.journal import AccountKind, JournalEntry, Posting, entry

PAYOUT_ENTRY = "payout"


def payout_ref(payout_id: int) -> str:
    """The reference of a payout's journal entry: ``payout:7``."""
    return f"payout:{payout_id}"


def paid_out(member_id: int, amount: int, payout_id: int) -> JournalEntry:
    """The treasurer pays a member ``amount`` of what the commune owes them."""
    return entry(
        PAYOUT_ENTRY,
        payout_ref(payout_id),
        [
            Posting(AccountKind.SETTLED, member_id, -amount),
            Posting(AccountKind.PAID, member_id, amount),
        ],
    )


def payout_amount(owed: int, typed: int | None, name: str) -> int:
    """What the treasurer may pay a member owed ``owed``: ``typed``, or by default
    all of it; refused when nothing is owed, or the amount is not positive or is
    more than is owed."""
    if owed <= 0:
        raise Refusal("nothing_owed", name=name)
    if typed is None:
        return owed
    if typed <= 0:
        raise Refusal("amount_not_positive")
    if typed > owed:
        raise Refusal("payout_exceeds_owed", name=name, owed=owed)
    return typed


def still_owed(earned: int, paid: int) -> int:
    """What is owed of ``earned`` once ``paid`` was paid: never less than nothing."""
    return max(0, earned - paid)


class PayoutTotals(NamedTuple):
    """Payouts for ``/ledger``: paid this period, paid ever, still owed."""

    paid_in_period: int
    paid_ever: int
    owed: int


class MemberPayouts(NamedTuple):
    """A member's payouts for a period's statement or report: paid in it, owed after."""

    paid: int
    owed: int


NOTHING_PAID = MemberPayouts(0, 0)
