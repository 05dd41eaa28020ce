"""``minga check``'s service: are the books right?

The invariants live in ``domain.audit``; storage finds the rows that break them,
set-based, in one query (``uow.audit``). This is the one entry point the command
line, the backup and the simulation tests share, so they check the same things.
"""

from __future__ import annotations

from domain.audit import ID_FIELDS, Discrepancy
from domain.ports import UnitOfWork


def find_discrepancies(uow: UnitOfWork, commune_id: int | None = None) -> list[Discrepancy]:
    """Every broken invariant of one commune (all of them when None), in a stable order:
    by invariant, then by the ids involved, so two runs on the same rows print the same."""
    found = uow.audit.discrepancies(commune_id)
    return sorted(found, key=lambda d: (d.code, *(getattr(d, n) or 0 for n in ID_FIELDS)))
