"""Open assemblies: thresholds, quorum, liquid delegation and presence, counted exactly.

Following the Cooperativa Integral Catalana: every member may take part, a member
may delegate their vote along a chain (liquid democracy), members present in the
room can be told apart from remote ones, and every result is published.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain import keywords
from domain.actions import Action, ChangePolicy, ChangeRole
from domain.errors import Refusal
from domain.local_time import later, real_length, weeks_later


class Choice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class Threshold(StrEnum):
    MAJORITY = "majority"
    TWO_THIRDS = "two-thirds"
    CONSENSUS = "consensus"


class Outcome(StrEnum):
    CARRIED = "carried"
    REJECTED = "rejected"
    NO_QUORUM = "no quorum"


class MotionStatus(StrEnum):
    """Where a motion stands: only motions on the agenda are voted on."""

    AGENDA = "agenda"  # an admin's, or a member's proposal that found its supporters
    PROPOSAL = "proposal"  # a member's, still gathering supporters
    NOT_SUPPORTED = "not supported"  # voting opened before it had enough supporters


class AssemblyStatus(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


def is_withdrawal(text: str) -> bool:
    """ "/vote 1 withdraw" (retirar, retira): take one's vote back."""
    return keywords.read(text, keywords.WITHDRAW) is not None


def parse_choice(text: str) -> Choice:
    """yes/no/abstain in any language minga speaks, as minga writes them too
    ("a favor", "en contra", "abstención")."""
    found = keywords.read(text, keywords.CHOICES)
    if found is None:
        raise Refusal("bad_choice", text=text)
    return Choice(found)


STRICTNESS = {Threshold.MAJORITY: 0, Threshold.TWO_THIRDS: 1, Threshold.CONSENSUS: 2}


def least_threshold(action: Action | None) -> Threshold:
    """Policy and role motions need two-thirds at least; the others a majority."""
    if isinstance(action, ChangeRole | ChangePolicy):
        return Threshold.TWO_THIRDS
    return Threshold.MAJORITY


def at_least(asked: Threshold, action: Action | None) -> bool:
    """A motion may ask for more than its action's least threshold, never less."""
    return STRICTNESS[asked] >= STRICTNESS[least_threshold(action)]


def threshold_words() -> dict[str, Threshold]:
    """Every way of writing a threshold that is understood, in en, es and ca, folded
    (domain.keywords.fold)."""
    spellings = keywords.spellings(keywords.THRESHOLDS)
    return {word: Threshold(found) for word, found in spellings.items()}


def parse_threshold(text: str) -> Threshold:
    found = keywords.read(text, keywords.THRESHOLDS)
    if found is None:
        raise Refusal("bad_threshold", text=text)
    return Threshold(found)


@dataclass(frozen=True)
class Tally:
    yes: int = 0
    no: int = 0
    abstain: int = 0

    @property
    def total(self) -> int:
        return self.yes + self.no + self.abstain

    def plus(self, choice: Choice) -> Tally:
        return Tally(
            self.yes + (choice is Choice.YES),
            self.no + (choice is Choice.NO),
            self.abstain + (choice is Choice.ABSTAIN),
        )

    def as_dict(self) -> dict[str, int]:
        return {"yes": self.yes, "no": self.no, "abstain": self.abstain}


@dataclass(frozen=True)
class CountedVote:
    member_id: int
    choice: Choice
    delegated: bool  # counted through a delegation chain, not cast directly


@dataclass(frozen=True)
class MotionResult:
    threshold: Threshold
    eligible: int
    counted: tuple[CountedVote, ...]
    total: Tally
    delegated: Tally
    present: Tally
    remote: Tally
    turnout: int
    quorum_met: bool
    outcome: Outcome
    remote_weight: int = 100  # percent of a vote in the room that a remote vote weighs

    @property
    def counted_members(self) -> frozenset[int]:
        return frozenset(v.member_id for v in self.counted)

    @property
    def weighted(self) -> Tally:
        """Yes, no and abstain weighted, in hundredths of a vote cast in the room."""
        return weigh(self.present, self.remote, self.remote_weight)


def resolve(
    eligible: Iterable[int], direct: Mapping[int, Choice], delegations: Mapping[int, int]
) -> list[CountedVote]:
    """Whose vote counts, and how: a direct vote beats any delegation.

    A member without a direct vote counts with the vote of the first member along
    their delegation chain who voted directly; a chain that ends without a vote, or
    loops back on itself, counts for nobody. Each eligible member counts at most once,
    and only eligible members' own votes count (a chain may pass through others).
    """
    voters = list(dict.fromkeys(eligible))
    allowed = set(voters)
    direct = {member: choice for member, choice in direct.items() if member in allowed}
    counted: list[CountedVote] = []
    for member in voters:
        if member in direct:
            counted.append(CountedVote(member, direct[member], False))
            continue
        seen = {member}
        delegate = delegations.get(member)
        while delegate is not None and delegate not in seen:
            if delegate in direct:
                counted.append(CountedVote(member, direct[delegate], True))
                break
            seen.add(delegate)
            delegate = delegations.get(delegate)
    return counted


def weigh(present: Tally, remote: Tally, remote_weight: int) -> Tally:
    """The room's votes count 100 hundredths each, a remote one ``remote_weight``:
    integers throughout, so the weighted totals compare exactly."""
    return Tally(
        100 * present.yes + remote_weight * remote.yes,
        100 * present.no + remote_weight * remote.no,
        100 * present.abstain + remote_weight * remote.abstain,
    )


def hundredths(amount: int) -> str:
    """A count of hundredths as a decimal: 150 -> "1.5", 100 -> "1", 25 -> "0.25"."""
    whole, part = divmod(amount, 100)
    return str(whole) if part == 0 else f"{whole}.{part:02d}".rstrip("0")


def holds(threshold: Threshold, tally: Tally) -> bool:
    if threshold is Threshold.MAJORITY:
        return tally.yes > tally.no
    if threshold is Threshold.TWO_THIRDS:
        return tally.yes > 0 and 3 * tally.yes >= 2 * (tally.yes + tally.no)
    return tally.yes > 0 and tally.no == 0


def quorum_met(turnout: int, eligible: int, quorum_percent: int | None) -> bool:
    """Turnout under the quorum (a share of eligible members) means no decision."""
    if not quorum_percent:
        return True
    return turnout * 100 >= quorum_percent * eligible


def count_motion(
    threshold: Threshold,
    eligible: Iterable[int],
    direct: Mapping[int, Choice],
    delegations: Mapping[int, int],
    present: Iterable[int] = (),
    quorum_percent: int | None = None,
    binding_present: bool = False,
    remote_weight: int = 100,
) -> MotionResult:
    """Count one motion: a remote vote weighs ``remote_weight`` percent of one cast by a
    member present. ``binding_present`` is the same as a weight of 0: only members
    present decide, and only their turnout meets the quorum. Otherwise the quorum
    counts people, whatever their votes weigh, and the threshold compares the weighted
    yes and no. A vote through a delegation is present or remote as the member whose
    vote it is (the delegator), not as the delegate who cast it."""
    weight = 0 if binding_present else remote_weight
    voters = list(dict.fromkeys(eligible))
    here = set(present)
    counted = resolve(voters, direct, delegations)
    total = delegated = in_room = remote = Tally()
    for vote in counted:
        total = total.plus(vote.choice)
        if vote.delegated:
            delegated = delegated.plus(vote.choice)
        if vote.member_id in here:
            in_room = in_room.plus(vote.choice)
        else:
            remote = remote.plus(vote.choice)
    deciding_turnout = in_room.total if weight == 0 else total.total
    met = quorum_met(deciding_turnout, len(voters), quorum_percent)
    if not met:
        outcome = Outcome.NO_QUORUM
    else:
        deciding = weigh(in_room, remote, weight)
        outcome = Outcome.CARRIED if holds(threshold, deciding) else Outcome.REJECTED
    return MotionResult(
        threshold,
        len(voters),
        tuple(counted),
        total,
        delegated,
        in_room,
        remote,
        total.total,
        met,
        outcome,
        weight,
    )


@dataclass
class Assembly:
    id: int
    commune_id: int
    number: int
    title: str
    opens_at: datetime
    closes_at: datetime
    created_by: int
    created_at: datetime
    quorum_percent: int | None = None
    repeat_weeks: int | None = None
    secret: bool = False
    remote_weight: int = 100  # percent of a vote in the room; 0 is binding presence
    status: AssemblyStatus = AssemblyStatus.SCHEDULED
    reminded: int = 0
    eligible: int | None = None
    budget: bool = False  # a budget round: its fund motions funded by most yes votes

    @property
    def binding_present(self) -> bool:
        """Only the members present decide: remote votes weigh nothing."""
        return self.remote_weight == 0

    def require_open(self, now: datetime) -> None:
        """Votes count only between opening and closing."""
        if self.status is AssemblyStatus.CLOSED or now >= self.closes_at:
            raise Refusal("voting_closed", number=self.number, title=self.title)
        if self.status is not AssemblyStatus.OPEN:
            raise Refusal(
                "voting_not_open",
                number=self.number,
                title=self.title,
                opens=self.opens_at.isoformat(),
            )

    def repeat_times(self, tz: str) -> tuple[datetime, datetime]:
        """When the repeat of this assembly opens and closes: at the same local wall-clock
        times ``repeat_weeks`` later, across a daylight-saving change too.

        Should that make a window that closes before it opens (its local times moved by
        a skipped hour), the repeat keeps this one's real length instead.
        """
        weeks = self.repeat_weeks or 0
        opens_at = weeks_later(self.opens_at, weeks, tz)
        closes_at = weeks_later(self.closes_at, weeks, tz)
        if real_length(opens_at, closes_at) <= timedelta(0):
            closes_at = later(opens_at, real_length(self.opens_at, self.closes_at))
        return opens_at, closes_at


@dataclass
class Motion:
    id: int
    commune_id: int
    assembly_id: int
    number: int
    position: int
    text: str
    threshold: Threshold
    action: Action | None = None  # what carrying it does; None: a text motion
    status: MotionStatus = MotionStatus.AGENDA
    proposer_id: int | None = None  # the member who proposed it; None: an admin's motion

    @property
    def on_agenda(self) -> bool:
        return self.status is MotionStatus.AGENDA


def validate_opening(opens_at: datetime, now: datetime) -> None:
    """A minute's grace: "now" typed by a person is already a little in the past."""
    if opens_at < now - timedelta(minutes=1):
        raise Refusal("opens_in_past")


def validate_schedule(opens_at: datetime, closes_at: datetime, now: datetime) -> None:
    """Measured in real time: two moments in one zone compare and subtract on the wall
    clock in Python, so 02:30 and an hour later are "equal" on autumn's repeated hour."""
    validate_opening(opens_at, now)
    length = real_length(opens_at, closes_at)
    if length <= timedelta(0):
        raise Refusal("closes_before_opening")
    if length > timedelta(days=62):
        raise Refusal("voting_too_long")


def validate_remote_weight(percent: int) -> None:
    if not 0 <= percent <= 100:
        raise Refusal("bad_remote_weight", text=f"{percent}%")


def validate_quorum(percent: int | None) -> None:
    if percent is not None and not 1 <= percent <= 100:
        raise Refusal("bad_quorum", text=f"{percent}%")
