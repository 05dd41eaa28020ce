"""Assemblies, when their steps fall due, and their motions and results."""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson
from sqlalchemy import delete, func, select, update

from domain import actions
from domain.actions import Action
from domain.assemblies import Assembly, AssemblyStatus, Motion, MotionStatus, Threshold
from domain.due import AssemblyClosing, AssemblyOpening, AssemblyReminder, AssemblyStep
from storage.decision_tables import MotionSupportRow
from storage.repositories.parts import SessionPart
from storage.tables import AssemblyRow, MotionRow


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
        remote_weight=row.remote_weight,
        status=AssemblyStatus(row.status),
        reminded=row.reminded,
        eligible=row.eligible,
        budget=row.budget,
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
        actions.from_stored(orjson.loads(row.action)) if row.action else None,
        MotionStatus(row.status),
        row.proposer_id,
    )


class AssembliesAndMotions(SessionPart):
    """A part of ``AssemblyRepository``: the assemblies, their schedule and motions."""

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
            remote_weight=assembly.remote_weight,
            budget=assembly.budget,
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
    def add_motion(
        self,
        assembly: Assembly,
        text: str,
        threshold: Threshold,
        action: Action | None = None,
        proposer_id: int | None = None,
    ) -> Motion:
        highest = self.session.execute(
            select(func.max(MotionRow.number)).where(MotionRow.commune_id == assembly.commune_id)
        ).scalar_one()
        row = MotionRow(
            commune_id=assembly.commune_id,
            assembly_id=assembly.id,
            number=(highest or 0) + 1,
            position=self._last_position(assembly.id) + 1,
            text=text,
            threshold=threshold.value,
            action=orjson.dumps(actions.stored(action)).decode() if action else None,
            status=(MotionStatus.AGENDA if proposer_id is None else MotionStatus.PROPOSAL).value,
            proposer_id=proposer_id,
        )
        self.session.add(row)
        self.session.flush()
        return _motion(row)

    def _last_position(self, assembly_id: int) -> int:
        return self.session.execute(
            select(func.coalesce(func.max(MotionRow.position), 0)).where(
                MotionRow.assembly_id == assembly_id
            )
        ).scalar_one()

    def motions(self, assembly_id: int) -> list[Motion]:
        """The agenda: what is voted on, in its order."""
        rows = self.session.execute(
            select(MotionRow)
            .where(
                MotionRow.assembly_id == assembly_id,
                MotionRow.status == MotionStatus.AGENDA.value,
            )
            .order_by(MotionRow.position)
        ).scalars()
        return [_motion(r) for r in rows]

    def undecided_actions(self, commune_id: int) -> list[tuple[Assembly, Motion]]:
        """Every action motion on the agenda of an assembly not closed yet, in one read:
        by the assemblies' order (``all``), then the agenda's."""
        rows = self.session.execute(
            select(AssemblyRow, MotionRow)
            .join(MotionRow, MotionRow.assembly_id == AssemblyRow.id)
            .where(
                AssemblyRow.commune_id == commune_id,
                AssemblyRow.status != AssemblyStatus.CLOSED.value,
                MotionRow.status == MotionStatus.AGENDA.value,
                MotionRow.action.is_not(None),
            )
            .order_by(AssemblyRow.opens_at, AssemblyRow.number, MotionRow.position)
        ).all()
        return [(_assembly(assembly), _motion(motion)) for assembly, motion in rows]

    # members' proposals ------------------------------------------------------------------
    def proposals(self, assembly_id: int) -> list[Motion]:
        """Members' motions not on the agenda (still proposals, or not supported)."""
        rows = self.session.execute(
            select(MotionRow)
            .where(
                MotionRow.assembly_id == assembly_id,
                MotionRow.status != MotionStatus.AGENDA.value,
            )
            .order_by(MotionRow.number)
        ).scalars()
        return [_motion(r) for r in rows]

    def to_agenda(self, motion: Motion) -> Motion:
        """A proposal with its supporters joins the agenda, at its end."""
        position = self._last_position(motion.assembly_id) + 1
        self.session.execute(
            update(MotionRow)
            .where(MotionRow.id == motion.id)
            .values(status=MotionStatus.AGENDA.value, position=position)
        )
        motion.status, motion.position = MotionStatus.AGENDA, position
        return motion

    def not_supported(self, motion_id: int) -> None:
        self.session.execute(
            update(MotionRow)
            .where(MotionRow.id == motion_id)
            .values(status=MotionStatus.NOT_SUPPORTED.value)
        )

    def support(self, motion_id: int, member_id: int, at: datetime) -> bool:
        """True when the member did not support it yet."""
        if member_id in self.supporters(motion_id):
            return False
        self.session.add(MotionSupportRow(motion_id=motion_id, member_id=member_id, at=at))
        self.session.flush()
        return True

    def unsupport(self, motion_id: int, member_id: int) -> bool:
        """True when the member did support it."""
        removed = self.session.execute(
            delete(MotionSupportRow).where(
                MotionSupportRow.motion_id == motion_id, MotionSupportRow.member_id == member_id
            )
        )
        return bool(removed.rowcount)

    def supporters(self, motion_id: int) -> list[int]:
        """Who supports it, in the order they did (the proposer first)."""
        return list(
            self.session.execute(
                select(MotionSupportRow.member_id)
                .where(MotionSupportRow.motion_id == motion_id)
                .order_by(MotionSupportRow.at, MotionSupportRow.id)
            ).scalars()
        )

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
