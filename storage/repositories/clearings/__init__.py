"""The period clearing's repository, set-based: no query per member.

The clearing of a period touches every member and holding of a commune, so each
step is one statement over all rows (grouped reads, bulk inserts, UPDATE … FROM a
subquery), never a loop of queries. Asked for a few members (a ``MemberRange``:
/statement asks for one), the statement reads start from those members' holdings
and roster rows by their indexes instead, so one member's statement costs the same
in a commune of ten members as in one of 100,000.

One repository (``uow.clearings``, the ``Clearings`` port) in parts by job: the
clearing's writes and the reads that feed it (``writes``), the statements' reads
(``statements``, and ``holdings`` for their holding lines), the report's reads
(``reports``), the leases' rent due and arrears (``arrears``); what they share is in ``shared``.
"""

from __future__ import annotations

from storage.repositories.clearings.arrears import ArrearsReads
from storage.repositories.clearings.holdings import HoldingLines
from storage.repositories.clearings.reports import ReportReads
from storage.repositories.clearings.statements import StatementReads
from storage.repositories.clearings.writes import ClearingWrites


class ClearingRepository(ClearingWrites, StatementReads, HoldingLines, ReportReads, ArrearsReads):
    """``domain.ports.Clearings``: each part runs on the unit of work's session."""
