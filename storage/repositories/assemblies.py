"""Assemblies, their motions, voters, votes and the commune's delegations."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, literal, select, update
from sqlmodel import Session

from domain.assemblies import Assembly, AssemblyStatus, Choice, Motion, Threshold
from domain.due import AssemblyClosing, AssemblyOpening, AssemblyReminder, AssemblyStep
from storage.tables import (
    AssemblyRow,
    AssemblyVoterRow,
    DelegationRow,
    MemberRow,
    MotionRow,
    VoteRow,
)


def _assembly(row: AssemblyRow) -> Assembly:
    return Assembly(
        id=row.id,
        commune_id=row.commune_id,
        number=row.number,
        title=row.title,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        created_by=row.created_by,
        created_at=row.created_at,
        quorum_percent=row.quorum_percent,
        repeat_weeks=row.repeat_weeks,
        secret=row.secret,
        binding_present=row.binding_present,
        status=AssemblyStatus(row.status),
        reminded=row.reminded,
        eligible=row.eligible,
    )


def _motion(row: MotionRow) -> Motion:
    return Motion(
        row.id,
        row.commune_id,
        row.assembly_id,
        row.number,
        row.position,
        row.text,
        Threshold(row.threshold),
    )


class AssemblyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # assemblies ------------------------------------------------------------------------
    def add(self, assembly: Assembly) -> Assembly:
        highest = self.session.execute(
            select(func.max(AssemblyRow.number)).where(
                AssemblyRow.commune_id == assembly.commune_id
            )
        ).scalar_one()
        row = AssemblyRow(
            commune_id=assembly.commune_id,
            number=(highest or 0) + 1,
            title=assembly.title,
            opens_at=assembly.opens_at,
            closes_at=assembly.closes_at,
            quorum_percent=assembly.quorum_percent,
            repeat_weeks=assembly.repeat_weeks,
            secret=assembly.secret,
            binding_present=assembly.binding_present,
            status=assembly.status.value,
            created_by=assembly.created_by,
            created_at=assembly.created_at,
        )
        self.session.add(row)
        self.session.flush()
        assembly.id, assembly.number = row.id, row.number
        return assembly

    def get(self, commune_id: int, number: int, lock: bool = False) -> Assembly | None:
        query = select(AssemblyRow).where(
            AssemblyRow.commune_id == commune_id, AssemblyRow.number == number
        )
        if lock:
            query = query.with_for_update()
        row = self.session.execute(query).scalar_one_or_none()
        return _assembly(row) if row else None

    def by_id(self, assembly_id: int, lock: bool = False) -> Assembly:
        query = select(AssemblyRow).where(AssemblyRow.id == assembly_id)
        if lock:
            query = query.with_for_update()
        return _assembly(self.session.execute(query).scalar_one())

    def all(self, commune_id: int) -> list[Assembly]:
        rows = self.session.execute(
            select(AssemblyRow)
            .where(AssemblyRow.commune_id == commune_id)
            .order_by(AssemblyRow.opens_at, AssemblyRow.number)
        ).scalars()
        return [_assembly(r) for r in rows]

    def save(self, assembly: Assembly) -> None:
        self.session.execute(
            update(AssemblyRow)
            .where(AssemblyRow.id == assembly.id)
            .values(
                status=assembly.status.value, reminded=assembly.reminded, eligible=assembly.eligible
            )
        )

    def due(self, now: datetime) -> list[AssemblyStep]:
        """Openings, reminders and closings whose time has come."""
        items: list[AssemblyStep] = []
        for row in self.session.execute(
            select(AssemblyRow).where(
                AssemblyRow.status != AssemblyStatus.CLOSED.value, AssemblyRow.opens_at <= now
            )
        ).scalars():
            if row.status == AssemblyStatus.SCHEDULED.value:
                items.append(
                    AssemblyOpening(commune_id=row.commune_id, number=row.number, when=row.opens_at)
                )
            for index, before in enumerate((timedelta(hours=24), timedelta(hours=1))):
                when = row.closes_at - before
                if row.reminded <= index and when <= now and when > row.opens_at:
                    items.append(
                        AssemblyReminder(
                            commune_id=row.commune_id, number=row.number, which=index + 1, when=when
                        )
                    )
            if row.closes_at <= now:
                items.append(
                    AssemblyClosing(
                        commune_id=row.commune_id, number=row.number, when=row.closes_at
                    )
                )
        return items

    # motions -------------------------------------------------------------------------
    def add_motion(self, assembly: Assembly, text: str, threshold: Threshold) -> Motion:
        highest = self.session.execute(
            select(func.max(MotionRow.number)).where(MotionRow.commune_id == assembly.commune_id)
        ).scalar_one()
        position = self.session.execute(
            select(func.count()).select_from(MotionRow).where(MotionRow.assembly_id == assembly.id)
        ).scalar_one()
        row = MotionRow(
            commune_id=assembly.commune_id,
            assembly_id=assembly.id,
            number=(highest or 0) + 1,
            position=position + 1,
            text=text,
            threshold=threshold.value,
        )
        self.session.add(row)
        self.session.flush()
        return _motion(row)

    def motions(self, assembly_id: int) -> list[Motion]:
        rows = self.session.execute(
            select(MotionRow)
            .where(MotionRow.assembly_id == assembly_id)
            .order_by(MotionRow.position)
        ).scalars()
        return [_motion(r) for r in rows]

    def motion(self, commune_id: int, number: int) -> Motion | None:
        row = self.session.execute(
            select(MotionRow).where(MotionRow.commune_id == commune_id, MotionRow.number == number)
        ).scalar_one_or_none()
        return _motion(row) if row else None

    def save_result(self, motion_id: int, result: str) -> None:
        self.session.execute(
            update(MotionRow).where(MotionRow.id == motion_id).values(result=result)
        )

    def results(self, assembly_id: int) -> dict[int, str]:
        return {
            motion_id: result
            for motion_id, result in self.session.execute(
                select(MotionRow.id, MotionRow.result).where(
                    MotionRow.assembly_id == assembly_id, MotionRow.result.is_not(None)
                )
            ).all()
        }

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
