"""Scheduled work: one small type for each kind of thing that falls due.

The scheduler (handlers/jobs.py) asks the database what is due and gets these
back; it runs each by its type, logs it by its name (``str(item)``) and, when one
fails, keeps its streak of failures under the same identity (domain/retries.py).
How a kind is written in a table is storage's business, not anyone else's.

``when`` is the moment the item fell due. It is not part of the item's identity:
a commune's clearing of 2027-01 is the same work whenever it is looked at, so a
failure recorded for it is found again by equality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.periods import Period


@dataclass(frozen=True)
class _Due:
    """What every item has: its commune, and when it fell due (not part of its identity)."""

    commune_id: int
    when: datetime = field(compare=False)


@dataclass(frozen=True)
class BondDeadline(_Due):
    """An open bond issue whose deadline has passed: it expires, its pledges are released."""

    number: int

    def __str__(self) -> str:
        return f"deadline for commune {self.commune_id}: bond #{self.number}"


@dataclass(frozen=True)
class PaymentWindow(_Due):
    """A sold bond issue whose payment window has ended: it clears if every pledge is
    paid, else its unpaid parts are released and it takes pledges again."""

    number: int

    def __str__(self) -> str:
        return f"payment window for commune {self.commune_id}: bond #{self.number}"


@dataclass(frozen=True)
class PeriodClearing(_Due):
    """A month that has ended: it is cleared, strictly after the commune's previous one."""

    period: Period

    def __str__(self) -> str:
        return f"clearing for commune {self.commune_id}: {self.period}"


@dataclass(frozen=True)
class AssemblyOpening(_Due):
    """A scheduled assembly whose voting opens."""

    number: int

    def __str__(self) -> str:
        return f"assembly open for commune {self.commune_id}: #{self.number}"


@dataclass(frozen=True)
class AssemblyReminder(_Due):
    """Reminding the voters who have not voted: ``which`` 1 is 24 h before closing, 2 is 1 h."""

    number: int
    which: int

    def __str__(self) -> str:
        number, which = self.number, self.which
        return f"assembly remind for commune {self.commune_id}: #{number} (reminder {which})"


@dataclass(frozen=True)
class AssemblyClosing(_Due):
    """An open assembly whose voting closes: results counted and published."""

    number: int

    def __str__(self) -> str:
        return f"assembly close for commune {self.commune_id}: #{self.number}"


AssemblyStep = AssemblyOpening | AssemblyReminder | AssemblyClosing
DueWork = BondDeadline | PaymentWindow | PeriodClearing | AssemblyStep
