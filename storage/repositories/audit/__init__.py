"""The invariants of ``domain.audit``, re-verified from the stored rows in one query.

Every check is a SELECT that returns only the rows that break it, in one shape
(code, the ids involved, expected and found amounts); all of them run as one
UNION ALL. One statement is one snapshot on both databases (a clearing committed
halfway through a check cannot make it report a half-cleared period), and one
round trip is what a simulation test calling it after every step can afford.

Most checks compare two sides of the books by the same trick: the rows that say
what should be (``expected``) and the rows that say what is (``found``) go into
one UNION ALL, grouped by what they are about, and only the groups whose sides
differ come out. A missing row, a stray row and a wrong amount all show up that
way, in one pass over each side, with no lookup per row.

The checks are in parts by what they are about (``journal``, ``clearings``,
``rent``, ``holdings``, ``payments``, ``sales``, ``fund``, ``payouts``, ``outbox``), built
from ``shape``'s pieces; ``_Checks`` puts them together in one order, and
``AuditRepository`` runs them as one query.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CompoundSelect, Select, union_all
from sqlmodel import Session

from domain.audit import Discrepancy
from storage.repositories.audit.clearings import ClearingChecks
from storage.repositories.audit.fund import FundChecks
from storage.repositories.audit.holdings import HoldingChecks
from storage.repositories.audit.journal import JournalChecks
from storage.repositories.audit.outbox import OutboxChecks
from storage.repositories.audit.payments import PaymentChecks
from storage.repositories.audit.payouts import PayoutChecks
from storage.repositories.audit.rent import RentChecks
from storage.repositories.audit.sales import SaleChecks


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def discrepancies(self, commune_id: int | None = None) -> list[Discrepancy]:
        """Every broken invariant of the commune (all communes when None), in one query."""
        one = commune_id is not None
        query = _QUERIES.get(one)
        if query is None:  # built once: building it costs five times running it on a small commune
            query = _QUERIES[one] = union_all(*_Checks(one).all())
        rows = self.session.execute(query, {"commune_id": commune_id} if one else {}).all()
        return [
            Discrepancy(row[0], *(None if v is None else int(v) for v in row[1:])) for row in rows
        ]


_QUERIES: dict[bool, CompoundSelect] = {}  # by "one commune": the statement, built once


class _Checks(
    JournalChecks,
    ClearingChecks,
    RentChecks,
    HoldingChecks,
    PaymentChecks,
    SaleChecks,
    FundChecks,
    PayoutChecks,
    OutboxChecks,
):
    """The checks' SELECTs for one commune (the ``commune_id`` parameter), or all."""

    def all(self) -> list[Select[Any]]:
        return [
            self.entries_balance(),
            self.entries_counted(),
            *self.clearings_arithmetic(),
            self.clearings_carry(),
            self.clearing_postings(),
            *self.clearing_leases(),
            self.lease_redemptions(),
            self.roster_dividends(),
            self.period_rent(),
            self.lease_rent(),
            self.receipt_entries(),
            self.receipt_leases(),
            self.lease_terms(),
            self.holdings_sane(),
            self.holding_members(),
            self.holding_postings(),
            *self.issue_pledges(),
            self.issue_holdings(),
            self.issue_assets(),
            *self.payments_sane(),
            self.paid_in_held(),
            self.sale_entries(),
            *self.sale_amounts(),
            self.sale_leases(),
            self.clearing_fund(),
            *self.fund_balance(),
            *self.grant_posted(),
            self.payouts_sane(),
            self.payout_postings(),
            self.payouts_within_owed(),
            self.owed_kept(),
            self.statements(),
            *([self.outbox()] if not self.one else []),
        ]
