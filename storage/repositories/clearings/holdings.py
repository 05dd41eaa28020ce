"""Each member's holding lines of a cleared period, streamed member by member.

The one read of a statement that touches every holding of a commune: half a
million rows at federation size. Three variants, one method each:

- ``holding_lines``: the whole commune, this clearing's repayments read from its
  journal entry (a statement asked later, the report);
- ``holding_lines_just_cleared``: the whole commune, the repayments handed in by
  the clearing being recorded (it has them at hand; the journal is not read);
- ``holding_lines_among``: a range of members, from their own holdings by the
  member index (/statement).

Outstanding after a period is what is owed now plus what later clearings repaid
and later asset sales settled: the few later clearings' postings and sales' lines,
not a sum over every clearing per holding.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ScalarSelect, Select, and_, cast, func, literal, select
from sqlalchemy.orm import aliased

from domain.clearing import clearing_ref
from domain.clearing_reads import MemberHoldings, MemberRange
from domain.journal import AccountKind
from storage.connection import connection_of
from storage.decision_tables import AssetSaleLineRow, AssetSaleRow
from storage.repositories.clearings.shared import (
    FETCH,
    OnSession,
    clearing_entries,
    posted_to_the_holding,
    sale_shares,
)
from storage.tables import BondIssueRow, HoldingRow, JournalEntryRow, JournalPostingRow


class HoldingLines(OnSession):
    """(issue number, repaid in this clearing, outstanding after it) of each bond a
    member holds that was cleared before the period's end, by member then number."""

    def holding_lines(
        self, commune_id: int, clearing_id: int, period: str, period_end: datetime
    ) -> Iterator[MemberHoldings]:
        """Every member's, this clearing's repayments joined from its journal entry."""
        entry_id = self.entry_of(clearing_id)
        now = aliased(JournalPostingRow)
        query = select(
            HoldingRow.member_id,
            HoldingRow.issue_id,
            func.coalesce(now.amount, 0),
            HoldingRow.principal - HoldingRow.redeemed,
            HoldingRow.id,
        ).outerjoin(
            now,
            and_(
                now.commune_id == commune_id,
                now.account_kind == AccountKind.HOLDING.value,
                now.account_ref == HoldingRow.id,
                now.entry_id == entry_id,
            ),
        )
        yield from self._commune_lines(commune_id, period, period_end, query, None)

    def holding_lines_just_cleared(
        self, commune_id: int, period: str, period_end: datetime, repaid_now: Mapping[int, int]
    ) -> Iterator[MemberHoldings]:
        """Every member's, for the clearing being recorded: ``repaid_now``, {holding id:
        amount}, is what it just repaid, which saves looking each holding up in the
        journal."""
        query = select(
            HoldingRow.member_id,
            HoldingRow.issue_id,
            literal(0),
            HoldingRow.principal - HoldingRow.redeemed,
            HoldingRow.id,
        )
        yield from self._commune_lines(commune_id, period, period_end, query, repaid_now)

    def holding_lines_among(
        self,
        commune_id: int,
        clearing_id: int,
        period: str,
        period_end: datetime,
        members: MemberRange,
    ) -> Iterator[MemberHoldings]:
        """The lines of the members in ``members`` (ids, first to last): read from their
        holdings by the member index, each holding's postings looked up by account,
        and only the bonds they hold."""
        later_entries = _later_entries(commune_id, period)
        entry_id = self.entry_of(clearing_id)
        mine = HoldingRow.member_id.between(*members)
        query = (
            select(
                HoldingRow.member_id,
                HoldingRow.issue_id,
                posted_to_the_holding(commune_id, lambda entry: entry == entry_id),
                HoldingRow.principal
                - HoldingRow.redeemed
                + posted_to_the_holding(commune_id, lambda entry: entry.in_(later_entries))
                + _settled_later(period),
                HoldingRow.id,
            )
            .where(mine)
            .order_by(HoldingRow.member_id, HoldingRow.issue_id)
        )
        cleared_issues = _cleared_issues(commune_id, period_end).where(
            BondIssueRow.id.in_(select(HoldingRow.issue_id).where(mine))
        )
        yield from self._lines(query, cleared_issues, {}, None)

    def _commune_lines(
        self,
        commune_id: int,
        period: str,
        period_end: datetime,
        query: Select[Any],
        repaid_now: Mapping[int, int] | None,
    ) -> Iterator[MemberHoldings]:
        """The whole commune read in table order and sorted once (``member_id + 0``
        keeps SQLite off the member index, which would visit the holdings in random
        order: a page read per holding), with what later clearings repaid."""
        later_entries = _later_entries(commune_id, period)
        query = query.where(
            HoldingRow.issue_id.in_(
                select(BondIssueRow.id).where(BondIssueRow.commune_id == commune_id)
            )
        ).order_by(HoldingRow.member_id + 0, HoldingRow.issue_id)
        later_posting = aliased(JournalPostingRow)
        repaid_later: dict[int, int] = dict(
            self.session.execute(
                select(
                    later_posting.account_ref,
                    cast(func.sum(later_posting.amount), BigInteger),
                )
                .where(
                    later_posting.entry_id.in_(later_entries),
                    later_posting.account_kind == AccountKind.HOLDING.value,
                )
                .group_by(later_posting.account_ref)
            ).all()
        )
        later_sales = sale_shares(commune_id, AssetSaleRow.period > period).subquery()
        for holding_id, settled in self.session.execute(
            select(later_sales.c.holding_id, later_sales.c.settled)
        ):
            repaid_later[holding_id] = repaid_later.get(holding_id, 0) + int(settled)
        cleared_issues = _cleared_issues(commune_id, period_end)
        yield from self._lines(query, cleared_issues, repaid_later, repaid_now)

    def _lines(
        self,
        query: Select[Any],
        cleared_issues: Select[Any],
        repaid_later: Mapping[int, int],
        repaid_now: Mapping[int, int] | None,
    ) -> Iterator[MemberHoldings]:
        """``query``'s rows, (member, issue id, repaid, owed, holding id) by member then
        issue, folded into each member's lines as they stream."""
        # The bond issues are matched here, not joined: without statistics SQLite
        # would loop over the issues and scan the members' holdings for each. Issue
        # ids and numbers rise together within a commune, so the order holds.
        cleared = dict(self.session.execute(cleared_issues).all())
        member = -1  # no member's id
        numbers: list[int] = []
        repaid_lines: list[int] = []
        owed_lines: list[int] = []
        rows = connection_of(self.session).execute(query)  # Core: rows as they come, not all
        for chunk in rows.partitions(FETCH):  # fetchmany: a driver call per chunk, not per row
            for holder, issue_id, repaid, owed, holding_id in chunk:
                number = cleared.get(issue_id)
                if number is None:
                    continue
                if repaid_later:
                    owed += repaid_later.get(holding_id, 0)
                if repaid_now is not None:
                    repaid = repaid_now.get(holding_id, 0)
                if holder != member:
                    if numbers:
                        yield MemberHoldings(member, numbers, repaid_lines, owed_lines)
                    member, numbers, repaid_lines, owed_lines = holder, [], [], []
                elif numbers and numbers[-1] == number:  # two holdings of one bond: one line
                    repaid_lines[-1] += repaid
                    owed_lines[-1] += owed
                    continue
                numbers.append(number)
                repaid_lines.append(repaid)
                owed_lines.append(owed)
        if numbers:
            yield MemberHoldings(member, numbers, repaid_lines, owed_lines)


def _settled_later(period: str) -> ScalarSelect[int]:
    """What sales after ``period`` settled of the outer query's holding (0 if none)."""
    line = AssetSaleLineRow
    return (
        select(cast(func.coalesce(func.sum(line.repaid + line.written_off), 0), BigInteger))
        .select_from(line)
        .join(AssetSaleRow, AssetSaleRow.id == line.sale_id)
        .where(line.holding_id == HoldingRow.id, AssetSaleRow.period > period)
        .correlate(HoldingRow)
        .scalar_subquery()
    )


def _later_entries(commune_id: int, period: str) -> ScalarSelect[int]:
    """The commune's clearing entries after ``period``'s."""
    return clearing_entries(commune_id, JournalEntryRow.ref > clearing_ref(period))


def _cleared_issues(commune_id: int, period_end: datetime) -> Select[Any]:
    """(issue id, number) of the commune's bonds cleared before ``period_end``."""
    return select(BondIssueRow.id, BondIssueRow.number).where(
        BondIssueRow.commune_id == commune_id, BondIssueRow.closed_at < period_end
    )
