"""The fake's ``Bonds`` and ``Assemblies``, as storage's repositories do them, in dicts."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from fake_people import Rows
from fake_tables import Tables

from domain.actions import Action
from domain.assemblies import Assembly, AssemblyStatus, Choice, Motion, MotionStatus, Threshold
from domain.bonds import BondIssue, IssueStatus, LeaseTerm, Pledge, rent_in
from domain.due import (
    AssemblyClosing,
    AssemblyOpening,
    AssemblyReminder,
    AssemblyStep,
    BondDeadline,
    PaymentWindow,
)
from domain.model import Holding, LeaseBook, RentReceipt


class FakeBonds:
    def __init__(self, rows: Rows) -> None:
        self._rows = rows

    @property
    def t(self) -> Tables:
        return self._rows()

    def _of(self, commune_id: int) -> list[BondIssue]:
        return sorted(
            (i for i in self.t.issues.values() if i.commune_id == commune_id),
            key=lambda i: i.number,
        )

    def next_number(self, commune_id: int) -> int:
        return max((i.number for i in self._of(commune_id)), default=0) + 1

    def add(self, issue: BondIssue) -> BondIssue:
        if any(i.number == issue.number for i in self._of(issue.commune_id)):
            raise ValueError(f"bond #{issue.number} exists (a unique key in storage)")
        issue.id = self.t.next_id("bond_issue")
        self.t.issues[issue.id] = replace(issue, pledged=0, pledgers=0, last_seq=0)
        return issue

    def get(self, commune_id: int, number: int, lock: bool = False) -> BondIssue | None:
        found = [i for i in self._of(commune_id) if i.number == number]
        return replace(found[0]) if found else None

    def for_pledging(
        self, commune_id: int, number: int, member_id: int
    ) -> tuple[BondIssue, Pledge | None] | None:
        issue = self.get(commune_id, number)
        if issue is None:
            return None
        return issue, self.t.pledges.get((issue.id, member_id))

    def save(self, issue: BondIssue) -> None:
        stored = self.t.issues[issue.id]
        self.t.issues[issue.id] = replace(
            stored,
            status=issue.status,
            deadline=issue.deadline,
            closed_at=issue.closed_at,
            pledged=issue.pledged,
            pledgers=issue.pledgers,
            last_seq=issue.last_seq,
            pay_by=issue.pay_by,
        )

    def save_pledge(self, issue: BondIssue, pledge: Pledge) -> None:
        earlier = self.t.pledges.get((issue.id, pledge.member_id))
        kept = pledge if earlier is None else replace(earlier, amount=pledge.amount)
        self.t.pledges[(issue.id, pledge.member_id)] = kept  # on conflict: the amount only
        self.save(issue)

    def remove_pledge(self, issue: BondIssue, member_id: int) -> None:
        self.t.pledges.pop((issue.id, member_id), None)
        self.save(issue)

    def pledges(self, issue_id: int) -> list[Pledge]:
        return sorted(
            (p for (i, _), p in self.t.pledges.items() if i == issue_id), key=lambda p: p.seq
        )

    def issues(self, commune_id: int, status: IssueStatus | None = None) -> list[BondIssue]:
        return [replace(i) for i in self._of(commune_id) if status is None or i.status is status]

    def open_pledges_of(self, member_id: int) -> list[tuple[int, int]]:
        return [
            (issue.commune_id, issue.number)
            for (issue_id, who) in sorted(self.t.pledges)
            if who == member_id and (issue := self.t.issues[issue_id]).status is IssueStatus.OPEN
        ]

    def due_deadlines(self, now: datetime) -> list[BondDeadline]:
        due = sorted(
            (i.deadline, i.id, i)
            for i in self.t.issues.values()
            if i.status is IssueStatus.OPEN and i.deadline <= now
        )
        return [BondDeadline(commune_id=i.commune_id, number=i.number, when=d) for d, _, i in due]

    def due_payment_windows(self, now: datetime) -> list[PaymentWindow]:
        due = sorted(
            (i.pay_by, i.id, i)
            for i in self.t.issues.values()
            if i.status is IssueStatus.SOLD and i.pay_by is not None and i.pay_by <= now
        )
        return [PaymentWindow(commune_id=i.commune_id, number=i.number, when=d) for d, _, i in due]

    # payments ------------------------------------------------------------------------
    def add_payment(
        self,
        commune_id: int,
        issue_id: int,
        member_id: int,
        kind: str,
        amount: int,
        at: datetime,
        recorded_by: int,
    ) -> int:
        payment_id = self.t.next_id("pledge_payment")
        self.t.payments[payment_id] = (issue_id, member_id, kind, amount)
        return payment_id

    def payments(self, issue_id: int) -> dict[int, tuple[int, int]]:
        found: dict[int, tuple[int, int]] = {}
        for issue, member, kind, amount in self.t.payments.values():
            if issue == issue_id:
                paid, back = found.get(member, (0, 0))
                found[member] = (
                    (paid + amount, back) if kind == "payment" else (paid, back + amount)
                )
        return found

    # holdings ------------------------------------------------------------------------
    def add_holdings(self, issue: BondIssue) -> list[Holding]:
        for pledge in self.pledges(issue.id):
            holding_id = self.t.next_id("holding")
            self.t.holdings[holding_id] = Holding(
                holding_id, issue.id, pledge.member_id, pledge.amount, 0, pledge.seq
            )
        return sorted(
            (replace(h) for h in self.t.holdings.values() if h.issue_id == issue.id),
            key=lambda h: h.seq,
        )

    def outstanding(self, issue_id: int) -> int:
        return sum(h.outstanding for h in self.t.holdings.values() if h.issue_id == issue_id)

    # rent --------------------------------------------------------------------------------
    def add_rent(self, receipt: RentReceipt, commune_id: int) -> RentReceipt:
        receipt.id = self.t.next_id("rent_receipt")
        self.t.rents[receipt.id] = (replace(receipt), commune_id)
        return receipt

    def rent_total(self, issue_id: int, period: str | None = None) -> int:
        return sum(
            r.amount
            for r, _ in self.t.rents.values()
            if r.issue_id == issue_id and (period is None or r.period == period)
        )

    def period_rent(self, commune_id: int, period: str) -> int:
        return sum(
            r.amount for r, c in self.t.rents.values() if c == commune_id and r.period == period
        )

    def principal_outstanding(self, commune_id: int) -> int:
        open_prices = sum(
            i.price
            for i in self._of(commune_id)
            if i.status in (IssueStatus.OPEN, IssueStatus.AWAITING, IssueStatus.SOLD)
        )
        return open_prices + self.owed(commune_id)[0]

    def rents_due(self, commune_id: int, period: str, period_start: datetime) -> dict[int, int]:
        due = {
            i.id: rent_in(i.rent, self.lease_terms(i.id), period)
            for i in self.issues(commune_id, IssueStatus.CLEARED)
            if i.closed_at is not None and i.closed_at < period_start
        }
        return {issue_id: rent for issue_id, rent in due.items() if rent is not None}

    def lease_terms(self, issue_id: int) -> list[LeaseTerm]:
        terms = [self.t.lease_terms[key] for key in sorted(self.t.lease_terms)]
        return [term for (i, term, _) in terms if i == issue_id]

    def add_lease_term(
        self, commune_id: int, issue_id: int, term: LeaseTerm, motion_id: int | None
    ) -> None:
        self.t.lease_terms[self.t.next_id("lease_term")] = (issue_id, term, motion_id)

    def labels(self, commune_id: int) -> dict[int, tuple[int, str]]:
        return {i.id: (i.number, i.asset) for i in self._of(commune_id)}

    def lease_books(self, commune_id: int) -> list[LeaseBook]:
        return [
            LeaseBook(
                i.number,
                i.asset,
                self.t.cooperatives[i.cooperative_id].name,
                i.price,
                self.outstanding(i.id),
                self.rent_total(i.id),
            )
            for i in self.issues(commune_id, IssueStatus.CLEARED)
        ]

    def owed(self, commune_id: int) -> tuple[int, int]:
        mine = {i.id for i in self._of(commune_id)}
        owing = [h for h in self.t.holdings.values() if h.issue_id in mine and h.outstanding > 0]
        return sum(h.outstanding for h in owing), len({h.issue_id for h in owing})


class FakeAssemblies:
    def __init__(self, rows: Rows) -> None:
        self._rows = rows

    @property
    def t(self) -> Tables:
        return self._rows()

    def add(self, assembly: Assembly) -> Assembly:
        numbers = [
            a.number for a in self.t.assemblies.values() if a.commune_id == assembly.commune_id
        ]
        assembly.id, assembly.number = self.t.next_id("assembly"), max(numbers, default=0) + 1
        self.t.assemblies[assembly.id] = replace(assembly, reminded=0, eligible=None)
        return assembly

    def get(self, commune_id: int, number: int, lock: bool = False) -> Assembly | None:
        for assembly in self.t.assemblies.values():
            if assembly.commune_id == commune_id and assembly.number == number:
                return replace(assembly)
        return None

    def by_id(self, assembly_id: int, lock: bool = False) -> Assembly:
        return replace(self.t.assemblies[assembly_id])

    def all(self, commune_id: int) -> list[Assembly]:
        return sorted(
            (replace(a) for a in self.t.assemblies.values() if a.commune_id == commune_id),
            key=lambda a: (a.opens_at, a.number),
        )

    def save(self, assembly: Assembly) -> None:
        stored = self.t.assemblies[assembly.id]
        self.t.assemblies[assembly.id] = replace(
            stored, status=assembly.status, reminded=assembly.reminded, eligible=assembly.eligible
        )

    def due(self, now: datetime) -> list[AssemblyStep]:
        items: list[AssemblyStep] = []
        for row in self.t.assemblies.values():
            if row.status is AssemblyStatus.CLOSED or row.opens_at > now:
                continue
            if row.status is AssemblyStatus.SCHEDULED:
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
        motions = self.t.motions.values()
        number = max((m.number for m in motions if m.commune_id == assembly.commune_id), default=0)
        motion = Motion(
            self.t.next_id("motion"),
            assembly.commune_id,
            assembly.id,
            number + 1,
            self._last_position(assembly.id) + 1,
            text,
            threshold,
            action,
            MotionStatus.AGENDA if proposer_id is None else MotionStatus.PROPOSAL,
            proposer_id,
        )
        self.t.motions[motion.id] = motion
        return replace(motion)

    def _last_position(self, assembly_id: int) -> int:
        mine = (m.position for m in self.t.motions.values() if m.assembly_id == assembly_id)
        return max(mine, default=0)

    def motions(self, assembly_id: int) -> list[Motion]:
        return sorted(
            (
                replace(m)
                for m in self.t.motions.values()
                if m.assembly_id == assembly_id and m.on_agenda
            ),
            key=lambda m: m.position,
        )

    def undecided_actions(self, commune_id: int) -> list[tuple[Assembly, Motion]]:
        return [
            (assembly, motion)
            for assembly in self.all(commune_id)
            if assembly.status is not AssemblyStatus.CLOSED
            for motion in self.motions(assembly.id)
            if motion.action is not None
        ]

    def proposals(self, assembly_id: int) -> list[Motion]:
        return sorted(
            (
                replace(m)
                for m in self.t.motions.values()
                if m.assembly_id == assembly_id and not m.on_agenda
            ),
            key=lambda m: m.number,
        )

    def to_agenda(self, motion: Motion) -> Motion:
        position = self._last_position(motion.assembly_id) + 1
        stored = self.t.motions[motion.id]
        stored.status, stored.position = MotionStatus.AGENDA, position
        motion.status, motion.position = MotionStatus.AGENDA, position
        return motion

    def not_supported(self, motion_id: int) -> None:
        self.t.motions[motion_id].status = MotionStatus.NOT_SUPPORTED

    def support(self, motion_id: int, member_id: int, at: datetime) -> bool:
        if (motion_id, member_id) in self.t.supports:
            return False
        self.t.supports[(motion_id, member_id)] = at
        return True

    def unsupport(self, motion_id: int, member_id: int) -> bool:
        return self.t.supports.pop((motion_id, member_id), None) is not None

    def supporters(self, motion_id: int) -> list[int]:
        mine = [(at, m) for (motion, m), at in self.t.supports.items() if motion == motion_id]
        return [m for _, m in sorted(mine)]

    def motion(self, commune_id: int, number: int) -> Motion | None:
        for motion in self.t.motions.values():
            if motion.commune_id == commune_id and motion.number == number:
                return replace(motion)
        return None

    def save_result(self, motion_id: int, result: str) -> None:
        self.t.results[motion_id] = result

    def results(self, assembly_id: int) -> dict[int, str]:
        return {
            motion_id: result
            for motion_id, result in self.t.results.items()
            if self.t.motions[motion_id].assembly_id == assembly_id
        }

    # voters and presence ---------------------------------------------------------------
    def snapshot_voters(self, assembly: Assembly) -> int:
        for member in self.t.members.values():
            if member.commune_id == assembly.commune_id and member.left_at is None:
                self.t.voters[(assembly.id, member.id)] = False
        return len(self.voters(assembly.id))

    def voters(self, assembly_id: int) -> list[int]:
        return sorted(m for a, m in self.t.voters if a == assembly_id)

    def present(self, assembly_id: int) -> set[int]:
        return {m for (a, m), here in self.t.voters.items() if a == assembly_id and here}

    def _mark(self, assembly_id: int, member_ids: list[int], present: bool) -> None:
        for member_id in member_ids:
            if (assembly_id, member_id) in self.t.voters:
                self.t.voters[(assembly_id, member_id)] = present

    def mark_present(self, assembly_id: int, member_ids: list[int]) -> None:
        self._mark(assembly_id, member_ids, True)

    def unmark_present(self, assembly_id: int, member_ids: list[int]) -> None:
        self._mark(assembly_id, member_ids, False)

    # votes -----------------------------------------------------------------------------
    def cast(self, motion_id: int, member_id: int, choice: Choice, now: datetime) -> bool:
        changed = (motion_id, member_id) in self.t.votes
        self.t.votes[(motion_id, member_id)] = (choice, now)
        return changed

    def uncast(self, motion_id: int, member_id: int) -> Choice | None:
        removed = self.t.votes.pop((motion_id, member_id), None)
        return None if removed is None else removed[0]

    def votes(self, motion_id: int) -> dict[int, Choice]:
        return {
            m: choice for (motion, m), (choice, _) in self.t.votes.items() if motion == motion_id
        }

    # delegations -----------------------------------------------------------------------
    def delegations(self, commune_id: int) -> dict[int, int]:
        return {m: d for (c, m), d in self.t.delegations.items() if c == commune_id}

    def delegate(self, commune_id: int, member_id: int, delegate_id: int, now: datetime) -> None:
        self.t.delegations[(commune_id, member_id)] = delegate_id

    def undelegate(self, commune_id: int, member_id: int) -> int | None:
        return self.t.delegations.pop((commune_id, member_id), None)

    def end_delegations(self, commune_id: int, member_id: int) -> list[int]:
        ending = [
            (c, m)
            for (c, m), d in self.t.delegations.items()
            if c == commune_id and member_id in (m, d)
        ]
        for key in ending:
            del self.t.delegations[key]
        return sorted(m for _, m in ending if m != member_id)

    def withdraw_voter(self, commune_id: int, member_id: int, now: datetime) -> list[int]:
        held = sorted(
            a.id
            for a in self.t.assemblies.values()
            if a.commune_id == commune_id
            and a.status is AssemblyStatus.OPEN
            and a.closes_at > now
            and (a.id, member_id) in self.t.voters
        )
        for assembly_id in held:
            del self.t.voters[(assembly_id, member_id)]
            for motion in self.motions(assembly_id):
                self.t.votes.pop((motion.id, member_id), None)
            assembly = self.t.assemblies[assembly_id]
            if assembly.eligible is not None:
                assembly.eligible -= 1
        return held
