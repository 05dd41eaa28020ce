"""The reads of a clearing's statements, but for the holding lines (``holdings.py``).

Each read comes twice: for the whole roster (the clearing sends every member's
statement: grouped reads over the commune) and for a range of members or a few
cooperatives (/statement asks for one member: the same SQL narrowed, or read by
the indexes of those members' own rows, so one member's statement costs the same
in a commune of ten members as in one of 100,000).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, func, select

from domain.clearing import clearing_ref
from domain.clearing_reads import CooperativeRent, MemberRange, Recipient, YearToDate
from storage.connection import connection_of
from storage.decision_tables import AssetSaleRow
from storage.repositories.clearings.shared import (
    FETCH,
    OnSession,
    clearing_entries,
    lessee,
    posted_to_the_holding,
    sale_shares,
    year_totals,
)
from storage.tables import (
    AccountRow,
    BondIssueRow,
    ClearingCooperativeRow,
    ClearingMemberRow,
    ClearingRow,
    ClearingYearToDateRow,
    CooperativeRow,
    HoldingRow,
    JournalEntryRow,
    MemberRow,
    PersonRow,
    RentReceiptRow,
)


class StatementReads(OnSession):
    """Who gets a statement, their cooperative's rent and size, their year to date."""

    # recipients ----------------------------------------------------------------------
    def recipients(self, clearing_id: int) -> list[Recipient]:
        """Who is on the roster, by member id, with their most recently used account."""
        roster, accounts = _roster_and_accounts(clearing_id)
        return self._matched(roster, accounts)

    def recipients_among(self, clearing_id: int, members: MemberRange) -> list[Recipient]:
        """``recipients``, of the roster's member ids in ``members`` (first to last)."""
        roster, accounts = _roster_and_accounts(clearing_id)
        mine = MemberRow.id.between(*members)
        return self._matched(roster.where(mine), accounts.where(mine))

    def _matched(self, roster: Select[Any], accounts: Select[Any]) -> list[Recipient]:
        """The roster's members who have an account, each with the latest they used.

        Two plain queries matched here: a window function's ``rank = 1`` joined back
        made SQLite compare every member with every account.
        """
        connection = connection_of(self.session)  # Core rows: no ORM bookkeeping per row
        latest = {  # later rows win: the most recently used account of each person
            person_id: (platform, address, language)
            for part in connection.execute(accounts).partitions(FETCH)
            for person_id, platform, address, language in part
        }
        found = []
        for member_id, name, person_id, cooperative_id, dividend, locale in connection.execute(
            roster
        ):
            account = latest.get(person_id)
            if account is not None:
                platform, address, language = account
                found.append(
                    Recipient(
                        member_id,
                        name,
                        person_id,
                        cooperative_id,
                        dividend,
                        platform,
                        address,
                        locale,
                        language,
                    )
                )
        return found

    # cooperatives --------------------------------------------------------------------
    def cooperative_rents(self, commune_id: int, period: str) -> dict[int, CooperativeRent]:
        """Rent each cooperative paid in the period, by cooperative id."""
        return self._rents(_rents(commune_id, period))

    def cooperative_rents_among(
        self, commune_id: int, period: str, cooperative_ids: Collection[int]
    ) -> dict[int, CooperativeRent]:
        """``cooperative_rents`` of ``cooperative_ids`` (one member's statement names one)."""
        wanted = CooperativeRow.id.in_(sorted(cooperative_ids))
        return self._rents(_rents(commune_id, period).where(wanted))

    def _rents(self, query: Select[Any]) -> dict[int, CooperativeRent]:
        rows = self.session.execute(query).all()
        return {cid: CooperativeRent(name, int(total)) for cid, name, total in rows}

    def cooperative_sizes(self, commune_id: int, clearing_id: int) -> dict[int, int]:
        """{cooperative id: members} as the clearing kept them. A clearing from before
        sizes were kept: the members now."""
        found = dict(self.session.execute(_kept_sizes(clearing_id)).all())
        if found or self._kept_any_size(clearing_id):
            return found
        now = _sizes_now().where(MemberRow.commune_id == commune_id)
        return dict(self.session.execute(now.group_by(MemberRow.cooperative_id)).all())

    def cooperative_sizes_among(
        self, commune_id: int, clearing_id: int, cooperative_ids: Collection[int]
    ) -> dict[int, int]:
        """``cooperative_sizes`` of ``cooperative_ids``; the members now by the cooperative
        index (``commune_id + 0`` keeps SQLite, which has no statistics, from walking
        the whole commune's members instead)."""
        wanted = sorted(cooperative_ids)
        kept = _kept_sizes(clearing_id).where(ClearingCooperativeRow.cooperative_id.in_(wanted))
        found = dict(self.session.execute(kept).all())
        if found or self._kept_any_size(clearing_id):
            return found
        now = _sizes_now().where(
            MemberRow.commune_id + 0 == commune_id, MemberRow.cooperative_id.in_(wanted)
        )
        return dict(self.session.execute(now.group_by(MemberRow.cooperative_id)).all())

    def _kept_any_size(self, clearing_id: int) -> bool:
        return (
            self.session.execute(
                select(ClearingCooperativeRow.clearing_id)
                .where(ClearingCooperativeRow.clearing_id == clearing_id)
                .limit(1)
            ).first()
            is not None
        )

    # year to date --------------------------------------------------------------------
    def year_to_date(self, commune_id: int, first: str, last: str) -> dict[int, YearToDate]:
        """Each member's totals over the clearings from ``first`` to ``last``, by member id:
        the totals kept through ``last`` (``finish`` keeps them for the clearing before
        the one being recorded), else the latest kept ones plus the clearings after
        them, else the journal's postings."""
        kept = self.kept_through(commune_id, first, last)
        if kept is not None and kept[1] == last:
            rows = connection_of(self.session).execute(
                select(
                    ClearingYearToDateRow.member_id,
                    ClearingYearToDateRow.dividends,
                    ClearingYearToDateRow.repaid,
                ).where(ClearingYearToDateRow.clearing_id == kept[0])
            )
        else:
            rows = connection_of(self.session).execute(year_totals(commune_id, first, last, kept))
        return {
            member: YearToDate(int(dividends), int(repaid))
            for part in rows.partitions(FETCH)
            for member, dividends, repaid in part
        }

    def year_to_date_among(
        self, commune_id: int, first: str, last: str, members: MemberRange
    ) -> dict[int, YearToDate]:
        """``year_to_date`` for a few members: their roster rows (by member, for the
        year's clearings) and each of their holdings' postings in the year's clearing
        entries: a few dozen rows for one member, whatever the commune."""
        in_year = (
            select(ClearingRow.id)
            .where(
                ClearingRow.commune_id == commune_id,
                ClearingRow.period >= first,
                ClearingRow.period <= last,
            )
            .scalar_subquery()
        )
        dividends = (
            select(ClearingMemberRow.member_id, func.sum(ClearingMemberRow.dividend))
            .where(
                ClearingMemberRow.member_id.between(*members),
                ClearingMemberRow.clearing_id.in_(in_year),
            )
            .group_by(ClearingMemberRow.member_id)
        )
        entries = clearing_entries(
            commune_id,
            JournalEntryRow.ref >= clearing_ref(first),
            JournalEntryRow.ref <= clearing_ref(last),
        )
        repaid = select(
            HoldingRow.member_id,
            posted_to_the_holding(commune_id, lambda entry_id: entry_id.in_(entries)),
        ).where(HoldingRow.member_id.between(*members))
        sold = sale_shares(
            commune_id,
            AssetSaleRow.period >= first,
            AssetSaleRow.period <= last,
            HoldingRow.member_id.between(*members),
        ).subquery()
        totals: dict[int, list[int]] = {}
        for member, total in self.session.execute(dividends):
            totals.setdefault(member, [0, 0])[0] = int(total)
        for member, amount in self.session.execute(repaid):
            totals.setdefault(member, [0, 0])[1] += amount
        for member, amount in self.session.execute(select(sold.c.member_id, sold.c.repaid)):
            totals.setdefault(member, [0, 0])[1] += int(amount)
        return {m: YearToDate(d, r) for m, (d, r) in totals.items()}


def _roster_and_accounts(clearing_id: int) -> tuple[Select[Any], Select[Any]]:
    """The roster's members, by member id, and their people's accounts, least recently
    used first."""
    roster = (
        select(
            MemberRow.id,
            MemberRow.name,
            MemberRow.person_id,
            MemberRow.cooperative_id,
            ClearingMemberRow.dividend,
            PersonRow.locale,
        )
        .join(ClearingMemberRow, ClearingMemberRow.member_id == MemberRow.id)
        .join(PersonRow, PersonRow.id == MemberRow.person_id)
        .where(ClearingMemberRow.clearing_id == clearing_id)
        .order_by(MemberRow.id)
    )
    accounts = (
        select(
            AccountRow.person_id,
            AccountRow.platform,
            AccountRow.platform_user_id,
            AccountRow.language,
        )
        .join(MemberRow, MemberRow.person_id == AccountRow.person_id)
        .join(ClearingMemberRow, ClearingMemberRow.member_id == MemberRow.id)
        .where(ClearingMemberRow.clearing_id == clearing_id)
        .order_by(AccountRow.last_seen_at, AccountRow.id)
    )
    return roster, accounts


def _rents(commune_id: int, period: str) -> Select[Any]:
    """(cooperative id, name, rent) of the cooperatives that paid rent in the period:
    each lease's rent is its lessee's in that period (a lease let again changes hands)."""
    return (
        select(CooperativeRow.id, CooperativeRow.name, func.sum(RentReceiptRow.amount))
        .select_from(RentReceiptRow)
        .join(BondIssueRow, BondIssueRow.id == RentReceiptRow.issue_id)
        .join(CooperativeRow, CooperativeRow.id == lessee(period))
        .where(RentReceiptRow.commune_id == commune_id, RentReceiptRow.period == period)
        .group_by(CooperativeRow.id, CooperativeRow.name)
    )


def _kept_sizes(clearing_id: int) -> Select[Any]:
    return select(ClearingCooperativeRow.cooperative_id, ClearingCooperativeRow.members).where(
        ClearingCooperativeRow.clearing_id == clearing_id
    )


def _sizes_now() -> Select[Any]:
    """(cooperative id, members now), to be narrowed to a commune and grouped."""
    return select(MemberRow.cooperative_id, func.count()).where(
        MemberRow.left_at.is_(None), MemberRow.cooperative_id.is_not(None)
    )
