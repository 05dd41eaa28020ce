"""The commune's cooperatives and members."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, func, select

from domain.model import Cooperative, Member
from domain.names import name_key
from storage.connection import connection_of
from storage.repositories.parts import SessionPart
from storage.tables import CooperativeRow, HoldingRow, MemberRow

_COOPERATIVE = select(CooperativeRow.__table__).where(
    CooperativeRow.__table__.c.id == bindparam("id")
)


def _member(row: MemberRow) -> Member:
    return Member(
        id=row.id,
        commune_id=row.commune_id,
        person_id=row.person_id,
        name=row.name,
        joined_at=row.joined_at,
        cooperative_id=row.cooperative_id,
        is_admin=row.is_admin,
        is_treasurer=row.is_treasurer,
        left_at=row.left_at,
    )


class Members(SessionPart):
    """A part of ``CommuneRepository``: the cooperatives and who belongs to them."""

    # cooperatives --------------------------------------------------------------
    def cooperative(self, cooperative_id: int) -> Cooperative:
        row = connection_of(self.session).execute(_COOPERATIVE, {"id": cooperative_id}).one()
        return Cooperative(row.id, row.commune_id, row.name)

    def cooperative_by_name(self, commune_id: int, name: str) -> Cooperative | None:
        row = self.session.execute(
            select(CooperativeRow).where(
                CooperativeRow.commune_id == commune_id,
                CooperativeRow.name_key == name_key(name),
            )
        ).scalar_one_or_none()
        return Cooperative(row.id, row.commune_id, row.name) if row else None

    def cooperatives(self, commune_id: int) -> list[Cooperative]:
        rows = self.session.execute(
            select(CooperativeRow)
            .where(CooperativeRow.commune_id == commune_id)
            .order_by(CooperativeRow.id)
        ).scalars()
        return [Cooperative(r.id, r.commune_id, r.name) for r in rows]

    def add_cooperative(self, commune_id: int, name: str) -> Cooperative:
        row = CooperativeRow(commune_id=commune_id, name=name, name_key=name_key(name))
        self.session.add(row)
        self.session.flush()
        return Cooperative(row.id, row.commune_id, row.name)

    # members ---------------------------------------------------------------------
    def member(self, member_id: int) -> Member:
        row = self.session.get(MemberRow, member_id)
        assert row is not None
        return _member(row)

    def member_of(self, commune_id: int, person_id: int) -> Member | None:
        row = self.session.execute(
            select(MemberRow).where(
                MemberRow.commune_id == commune_id, MemberRow.person_id == person_id
            )
        ).scalar_one_or_none()
        return _member(row) if row else None

    def member_by_name(self, commune_id: int, name: str) -> Member | None:
        rows = (
            self.session.execute(
                select(MemberRow)
                .where(MemberRow.commune_id == commune_id, MemberRow.name_key == name_key(name))
                .order_by(MemberRow.left_at.is_not(None), MemberRow.id)
            )
            .scalars()
            .first()
        )
        return _member(rows) if rows else None

    def names_taken(self, commune_id: int, names: Sequence[str], member_id: int) -> set[str]:
        keys = {name_key(name): name for name in names}
        held = self.session.execute(
            select(MemberRow.name_key).where(
                MemberRow.commune_id == commune_id,
                MemberRow.name_key.in_(sorted(keys)),
                MemberRow.id != member_id,
            )
        ).scalars()
        return {keys[key] for key in held}

    def memberships(self, person_id: int) -> list[Member]:
        """Active memberships, the most recently joined first."""
        rows = self.session.execute(
            select(MemberRow)
            .where(MemberRow.person_id == person_id, MemberRow.left_at.is_(None))
            .order_by(MemberRow.joined_at.desc(), MemberRow.id.desc())
        ).scalars()
        return [_member(r) for r in rows]

    def former_bondholders(self, person_id: int) -> list[Member]:
        """Memberships the person left while holding bonds, the most recently left first:
        their bonds are still theirs, and so are the statements about them."""
        rows = self.session.execute(
            select(MemberRow)
            .where(
                MemberRow.person_id == person_id,
                MemberRow.left_at.is_not(None),
                select(HoldingRow.id).where(HoldingRow.member_id == MemberRow.id).exists(),
            )
            .order_by(MemberRow.left_at.desc(), MemberRow.id.desc())
        ).scalars()
        return [_member(r) for r in rows]

    def count_members(self, commune_id: int) -> int:
        return self.session.execute(
            select(func.count())
            .select_from(MemberRow)
            .where(MemberRow.commune_id == commune_id, MemberRow.left_at.is_(None))
        ).scalar_one()

    def count_admins(self, commune_id: int) -> int:
        return self.session.execute(
            select(func.count())
            .select_from(MemberRow)
            .where(
                MemberRow.commune_id == commune_id,
                MemberRow.left_at.is_(None),
                MemberRow.is_admin.is_(True),
            )
        ).scalar_one()

    def treasurer_ids(self, commune_id: int) -> list[int]:
        return list(
            self.session.execute(
                select(MemberRow.id)
                .where(
                    MemberRow.commune_id == commune_id,
                    MemberRow.left_at.is_(None),
                    MemberRow.is_treasurer.is_(True),
                )
                .order_by(MemberRow.id)
            ).scalars()
        )

    def admin_ids(self, commune_id: int) -> list[int]:
        return list(
            self.session.execute(
                select(MemberRow.id)
                .where(
                    MemberRow.commune_id == commune_id,
                    MemberRow.left_at.is_(None),
                    MemberRow.is_admin.is_(True),
                )
                .order_by(MemberRow.id)
            ).scalars()
        )

    def save_member(self, member: Member) -> Member:
        row = self.session.get(MemberRow, member.id) if member.id else None
        if row is None:
            row = MemberRow(
                commune_id=member.commune_id,
                person_id=member.person_id,
                name=member.name,
                name_key=name_key(member.name),
                joined_at=member.joined_at,
            )
        row.name, row.name_key = member.name, name_key(member.name)
        row.cooperative_id = member.cooperative_id
        row.is_admin = member.is_admin
        row.is_treasurer = member.is_treasurer
        row.joined_at = member.joined_at
        row.left_at = member.left_at
        self.session.add(row)
        self.session.flush()
        member.id = row.id
        return member
