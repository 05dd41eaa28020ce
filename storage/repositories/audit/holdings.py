"""The invariants of bonds: holdings, pledges and what each issue raised."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)

from storage.decision_tables import AssetSaleRow
from storage.repositories.audit.shape import (
    ASSET,
    CLEARED,
    HOLDING,
    OPEN,
    UNOPENED,
    Scope,
    expected_sum,
    found_sum,
    shape,
    sides,
)
from storage.tables import (
    BondIssueRow,
    HoldingRow,
    JournalPostingRow,
    MemberRow,
    PledgeRow,
)


class HoldingChecks(Scope):
    """Holdings against their journal accounts; issues against their pledges and holdings."""

    def holdings_sane(self) -> Select[Any]:
        h, i = HoldingRow, BondIssueRow
        return (
            shape(
                "holding_overredeemed",
                commune=i.commune_id,
                holding=h.id,
                issue=h.issue_id,
                member=h.member_id,
                expected=h.principal,
                found=h.redeemed,
            )
            .join(i, i.id == h.issue_id)
            .where(
                self.of(i.commune_id),
                or_(h.principal <= 0, h.redeemed < 0, h.redeemed > h.principal),
            )
        )

    def holding_members(self) -> Select[Any]:
        """No member holds or pledges to another commune's bond."""
        i, m = BondIssueRow, MemberRow

        def foreign(row: Any, **ids: Any) -> Select[Any]:
            """``row``'s holders (a holding or a pledge) who are another commune's members."""
            return (
                shape(
                    "holding_member",
                    commune=i.commune_id,
                    issue=i.id,
                    member=m.id,
                    expected=i.commune_id,
                    found=m.commune_id,
                    **ids,
                )
                .select_from(row)
                .join(i, i.id == row.issue_id)
                .join(m, m.id == row.member_id)
                .where(self.of(i.commune_id), m.commune_id != i.commune_id)
            )

        held, pledged = foreign(HoldingRow, holding=HoldingRow.id), foreign(PledgeRow)
        return select(union_all(held, pledged).subquery())

    def holding_postings(self) -> Select[Any]:
        """A holding's account: owed its principal at the bond's clearing (negative),
        repaid by each clearing; what is left is what ``redeemed`` says is left."""
        h, i, p = HoldingRow, BondIssueRow, JournalPostingRow
        expected = (
            select(
                h.id.label("holding_id"),
                i.commune_id.label("commune_id"),
                cast(h.redeemed - h.principal, BigInteger).label("amount"),
            )
            .join(i, i.id == h.issue_id)
            .where(self.of(i.commune_id))
        )
        found = select(
            cast(p.account_ref, BigInteger), p.commune_id, cast(p.amount, BigInteger)
        ).where(self.of(p.commune_id), p.account_kind == HOLDING)
        rows = sides(expected, found)
        return (
            shape(
                "holding_postings",
                commune=func.max(rows.c.commune_id),
                holding=rows.c.holding_id,
                expected=expected_sum(rows),
                found=found_sum(rows),
            )
            .group_by(rows.c.holding_id)
            .having(expected_sum(rows) != found_sum(rows))
        )

    # issues and pledges ------------------------------------------------------------
    def issue_pledges(self) -> list[Select[Any]]:
        i, p = BondIssueRow, PledgeRow
        pledges = (
            select(
                p.issue_id,
                func.sum(p.amount).label("amount"),
                func.count().label("pledgers"),
            )
            .group_by(p.issue_id)
            .subquery()
        )
        amount = func.coalesce(pledges.c.amount, 0)
        pledgers = func.coalesce(pledges.c.pledgers, 0)
        ids = {"commune": i.commune_id, "issue": i.id}
        return [
            shape(
                "issue_overpledged",
                **ids,
                expected=i.price,
                found=i.pledged,
                where=and_(self.of(i.commune_id), i.status == OPEN, i.pledged > i.price),
            ),
            shape(
                "issue_unopened_pledged",
                **ids,
                expected=literal(0),
                found=i.pledged,
                where=and_(self.of(i.commune_id), i.status.in_(UNOPENED), i.pledged != 0),
            ),
            shape("issue_pledged", **ids, expected=i.pledged, found=amount)
            .outerjoin(pledges, pledges.c.issue_id == i.id)
            .where(self.of(i.commune_id), i.pledged != amount),
            shape("issue_pledgers", **ids, expected=i.pledgers, found=pledgers)
            .outerjoin(pledges, pledges.c.issue_id == i.id)
            .where(self.of(i.commune_id), i.pledgers != pledgers),
            shape(
                "pledge_amount",
                **ids,
                member=p.member_id,
                found=p.amount,
            )
            .join(p, p.issue_id == i.id)
            .where(self.of(i.commune_id), p.amount <= 0),
        ]

    def _cleared_price(self) -> Select[Any]:
        """Each issue of the commune with what it should have raised: its price once
        cleared, nothing otherwise."""
        i = BondIssueRow
        return select(
            i.id.label("issue_id"),
            i.commune_id.label("commune_id"),
            cast(case((i.status == CLEARED, i.price), else_=0), BigInteger).label("amount"),
        ).where(self.of(i.commune_id))

    def issue_holdings(self) -> Select[Any]:
        h, i = HoldingRow, BondIssueRow
        found = (
            select(h.issue_id, i.commune_id, cast(h.principal, BigInteger))
            .join(i, i.id == h.issue_id)
            .where(self.of(i.commune_id))
        )
        rows = sides(self._cleared_price(), found)
        return (
            shape(
                "issue_holdings",
                commune=func.max(rows.c.commune_id),
                issue=rows.c.issue_id,
                expected=expected_sum(rows),
                found=found_sum(rows),
            )
            .group_by(rows.c.issue_id)
            .having(expected_sum(rows) != found_sum(rows))
        )

    def issue_assets(self) -> Select[Any]:
        """The asset account: bought for its price at the bond's clearing; its sale (if
        any) takes the proceeds out."""
        p, s = JournalPostingRow, AssetSaleRow
        found = select(
            cast(p.account_ref, BigInteger), p.commune_id, cast(p.amount, BigInteger)
        ).where(self.of(p.commune_id), p.account_kind == ASSET)
        sold = select(s.issue_id, s.commune_id, cast(-s.proceeds, BigInteger)).where(
            self.of(s.commune_id)
        )
        rows = sides(union_all(self._cleared_price(), sold), found)
        return (
            shape(
                "issue_asset",
                commune=func.max(rows.c.commune_id),
                issue=rows.c.issue_id,
                expected=expected_sum(rows),
                found=found_sum(rows),
            )
            .group_by(rows.c.issue_id)
            .having(expected_sum(rows) != found_sum(rows))
        )
