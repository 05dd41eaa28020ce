"""Who may vote and is present, the votes, and the commune's delegations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, literal, select, update

from domain.assemblies import Assembly, AssemblyStatus, Choice
from storage.repositories.parts import SessionPart
from storage.tables import (
    AssemblyRow,
    AssemblyVoterRow,
    DelegationRow,
    MemberRow,
    MotionRow,
    VoteRow,
)


class Ballots(SessionPart):
    """A part of ``AssemblyRepository``: voters, presence, votes and delegations."""

    # voters and presence ------------------------------------------------------------------
    def snapshot_voters(self, assembly: Assembly) -> int:
        """Fix who may vote: the commune's members at the moment voting opens."""
        members = select(literal(assembly.id), MemberRow.id).where(
            MemberRow.commune_id == assembly.commune_id, MemberRow.left_at.is_(None)
        )
        self.session.execute(
            insert(AssemblyVoterRow.__table__).from_select(["assembly_id", "member_id"], members)
        )
        return len(self.voters(assembly.id))

    def voters(self, assembly_id: int) -> list[int]:
        return list(
            self.session.execute(
                select(AssemblyVoterRow.member_id)
                .where(AssemblyVoterRow.assembly_id == assembly_id)
                .order_by(AssemblyVoterRow.member_id)
            ).scalars()
        )

    def present(self, assembly_id: int) -> set[int]:
        return set(
            self.session.execute(
                select(AssemblyVoterRow.member_id).where(
                    AssemblyVoterRow.assembly_id == assembly_id, AssemblyVoterRow.present.is_(True)
                )
            ).scalars()
        )

    def mark_present(self, assembly_id: int, member_ids: list[int]) -> None:
        self.session.execute(
            update(AssemblyVoterRow)
            .where(
                AssemblyVoterRow.assembly_id == assembly_id,
                AssemblyVoterRow.member_id.in_(member_ids),
            )
            .values(present=True)
        )

    def unmark_present(self, assembly_id: int, member_ids: list[int]) -> None:
        """Take back presence marks: those members are remote again."""
        self.session.execute(
            update(AssemblyVoterRow)
            .where(
                AssemblyVoterRow.assembly_id == assembly_id,
                AssemblyVoterRow.member_id.in_(member_ids),
            )
            .values(present=False)
        )

    # votes ---------------------------------------------------------------------------------
    def cast(self, motion_id: int, member_id: int, choice: Choice, now: datetime) -> bool:
        """Record or change a vote; True when it changed an earlier one."""
        row = self.session.execute(
            select(VoteRow).where(VoteRow.motion_id == motion_id, VoteRow.member_id == member_id)
        ).scalar_one_or_none()
        changed = row is not None
        row = row or VoteRow(
            motion_id=motion_id, member_id=member_id, choice=choice.value, cast_at=now
        )
        row.choice, row.cast_at = choice.value, now
        self.session.add(row)
        self.session.flush()
        return changed

    def uncast(self, motion_id: int, member_id: int) -> Choice | None:
        """Take the member's vote back; the choice it was, None if there was none."""
        removed = self.session.execute(
            delete(VoteRow)
            .where(VoteRow.motion_id == motion_id, VoteRow.member_id == member_id)
            .returning(VoteRow.choice)
        ).scalar_one_or_none()
        return None if removed is None else Choice(removed)

    def votes(self, motion_id: int) -> dict[int, Choice]:
        return {
            member_id: Choice(choice)
            for member_id, choice in self.session.execute(
                select(VoteRow.member_id, VoteRow.choice).where(VoteRow.motion_id == motion_id)
            ).all()
        }

    # delegations -----------------------------------------------------------------------------
    def delegations(self, commune_id: int) -> dict[int, int]:
        return dict(
            self.session.execute(
                select(DelegationRow.member_id, DelegationRow.delegate_id).where(
                    DelegationRow.commune_id == commune_id
                )
            ).all()
        )

    def delegate(self, commune_id: int, member_id: int, delegate_id: int, now: datetime) -> None:
        self.undelegate(commune_id, member_id)
        self.session.add(
            DelegationRow(
                commune_id=commune_id, member_id=member_id, delegate_id=delegate_id, created_at=now
            )
        )
        self.session.flush()

    def undelegate(self, commune_id: int, member_id: int) -> int | None:
        """Remove the member's delegation; returns who it was to."""
        previous = self.session.execute(
            select(DelegationRow.delegate_id).where(
                DelegationRow.commune_id == commune_id, DelegationRow.member_id == member_id
            )
        ).scalar_one_or_none()
        self.session.execute(
            delete(DelegationRow).where(
                DelegationRow.commune_id == commune_id, DelegationRow.member_id == member_id
            )
        )
        return previous

    def end_delegations(self, commune_id: int, member_id: int) -> list[int]:
        """Remove the member's delegation and every one to them; who had delegated to them."""
        delegators = list(
            self.session.execute(
                delete(DelegationRow)
                .where(
                    DelegationRow.commune_id == commune_id,
                    (DelegationRow.member_id == member_id)
                    | (DelegationRow.delegate_id == member_id),
                )
                .returning(DelegationRow.member_id)
            ).scalars()
        )
        return sorted(m for m in delegators if m != member_id)

    def withdraw_voter(self, commune_id: int, member_id: int, now: datetime) -> list[int]:
        """Off every open vote of the commune: voter row, presence, votes; eligible - 1."""
        # Lock the open assemblies as /vote does, so a vote is either in before this
        # (and deleted with the rest) or checks the voters after it (and is refused).
        running = list(
            self.session.execute(
                select(AssemblyRow.id)
                .where(
                    AssemblyRow.commune_id == commune_id,
                    AssemblyRow.status == AssemblyStatus.OPEN.value,
                    AssemblyRow.closes_at > now,
                )
                .order_by(AssemblyRow.id)
                .with_for_update()
            ).scalars()
        )
        if not running:
            return []
        held = list(
            self.session.execute(
                select(AssemblyVoterRow.assembly_id)
                .where(
                    AssemblyVoterRow.member_id == member_id,
                    AssemblyVoterRow.assembly_id.in_(running),
                )
                .order_by(AssemblyVoterRow.assembly_id)
            ).scalars()
        )
        if not held:
            return []
        motions = select(MotionRow.id).where(MotionRow.assembly_id.in_(held))
        self.session.execute(
            delete(VoteRow).where(VoteRow.member_id == member_id, VoteRow.motion_id.in_(motions))
        )
        self.session.execute(
            delete(AssemblyVoterRow).where(
                AssemblyVoterRow.member_id == member_id, AssemblyVoterRow.assembly_id.in_(held)
            )
        )
        self.session.execute(
            update(AssemblyRow)
            .where(AssemblyRow.id.in_(held), AssemblyRow.eligible.is_not(None))
            .values(eligible=AssemblyRow.eligible - 1)
        )
        return held
