"""Open assemblies: counting motions with liquid delegation, presence and quorum.

The rules (issue #5): a member with no direct vote counts with the vote of the
first member along their delegation chain who voted directly; a chain that ends
without a vote, or loops, counts for nobody. Results show how much of each tally
came by delegation. turnout = members whose vote counts / members eligible; a
motion is ``no quorum`` if turnout is under the quorum, otherwise ``carried`` if
its threshold holds, else ``rejected``. Present and remote members are tallied
apart; with binding presence only present members decide. Only eligible members'
votes count.

Behaviour of ``domain.assemblies`` found while writing these tests (pinned below):

- ``count_motion``/``resolve`` walk the eligible members only, so a direct vote of
  a member who is not eligible is never counted as that member's own vote.
- They ignore direct votes of members who are not eligible altogether, so an
  eligible member's chain passes such a member by as if they had not voted.
- A chain may pass *through* a non-eligible member who has no (visible) vote and
  go on along that member's own delegation.
- Presence belongs to the member who is counted, not to the delegate whose choice
  they carry: a present member counted through a remote delegate is in the
  present tally (and decides under binding presence).
- With binding presence the quorum is checked against the present turnout, while
  ``MotionResult.turnout`` stays the total turnout (remote included).
- ``count_motion`` de-duplicates the eligible members; ``resolve`` on its own does
  not (a member listed twice is counted twice), so it relies on its caller.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.assemblies import (
    Assembly,
    AssemblyStatus,
    Choice,
    CountedVote,
    MotionResult,
    Outcome,
    Tally,
    Threshold,
    count_motion,
    holds,
    is_withdrawal,
    parse_choice,
    parse_threshold,
    quorum_met,
    resolve,
    validate_opening,
    validate_quorum,
    validate_schedule,
)
from domain.errors import Refusal

YES, NO, ABSTAIN = Choice.YES, Choice.NO, Choice.ABSTAIN
MAJORITY, TWO_THIRDS, CONSENSUS = Threshold.MAJORITY, Threshold.TWO_THIRDS, Threshold.CONSENSUS

# --- an independent reference -------------------------------------------------------------


def reference_first_voter(
    member: int, direct: dict[int, Choice], delegations: dict[int, int]
) -> int | None:
    """The member whose direct vote ``member`` counts with, or None.

    Written differently from ``resolve``: no "seen" set, just a walk bounded by the
    number of members in the graph. A walk that has not reached a voter after that
    many steps is going round a cycle (a functional graph has no other way to be
    long), so it counts for nobody.
    """
    if member in direct:
        return member
    nodes = {member, *direct, *delegations, *delegations.values()}
    node = member
    for _ in range(len(nodes) + 1):
        if node not in delegations:
            return None
        node = delegations[node]
        if node in direct:
            return node
    return None


def loops_without_voter(
    member: int, direct: dict[int, Choice], delegations: dict[int, int]
) -> bool:
    """The member has no direct vote and their chain comes back to a member already on it
    before reaching anyone who voted."""
    if member in direct:
        return False
    path = [member]
    node = member
    while node in delegations:
        node = delegations[node]
        if node in direct:
            return False
        if node in path:
            return True
        path.append(node)
    return False


def tally_of(choices) -> Tally:
    choices = list(choices)
    return Tally(choices.count(YES), choices.count(NO), choices.count(ABSTAIN))


def leq(small: Tally, big: Tally) -> bool:
    return small.yes <= big.yes and small.no <= big.no and small.abstain <= big.abstain


# --- strategies ---------------------------------------------------------------------------

MEMBERS = list(range(1, 13))
member_ids = st.sampled_from(MEMBERS)
choices = st.sampled_from(list(Choice))


@st.composite
def scenarios(draw):
    """A random assembly: who is eligible (possibly listed twice, in any order), who voted
    directly (eligible or not), who delegated to whom (cycles, self-loops, chains through
    members who are not eligible), who is in the room and the rules of the motion."""
    eligible_set = draw(st.sets(member_ids, max_size=len(MEMBERS)))
    eligible = draw(st.permutations(sorted(eligible_set)))
    eligible = (
        list(eligible) + draw(st.lists(st.sampled_from(eligible), max_size=3)) if eligible else []
    )
    direct = draw(st.dictionaries(member_ids, choices, max_size=len(MEMBERS)))
    delegations = draw(st.dictionaries(member_ids, member_ids, max_size=len(MEMBERS)))
    present = draw(st.sets(member_ids))
    threshold = draw(st.sampled_from(list(Threshold)))
    quorum = draw(st.one_of(st.none(), st.integers(1, 100)))
    binding = draw(st.booleans())
    return eligible, direct, delegations, present, threshold, quorum, binding


def run(scenario) -> MotionResult:
    eligible, direct, delegations, present, threshold, quorum, binding = scenario
    return count_motion(threshold, eligible, direct, delegations, present, quorum, binding)


# --- delegation: properties ---------------------------------------------------------------


@settings(max_examples=250, deadline=None)
@given(scenarios())
def test_every_eligible_member_counts_at_most_once_and_only_eligible_members_count(scenario):
    eligible = scenario[0]
    result = run(scenario)
    ids = [vote.member_id for vote in result.counted]
    assert len(ids) == len(set(ids))
    assert set(ids) <= set(eligible)
    assert result.eligible == len(set(eligible))


@settings(max_examples=250, deadline=None)
@given(scenarios())
def test_a_direct_vote_always_beats_a_delegation(scenario):
    eligible, direct = scenario[:2]
    by_member = {vote.member_id: vote for vote in run(scenario).counted}
    for member in set(eligible) & set(direct):
        assert by_member[member] == CountedVote(member, direct[member], delegated=False)
    for vote in by_member.values():
        assert vote.delegated == (vote.member_id not in direct)


@settings(max_examples=250, deadline=None)
@given(scenarios())
def test_counted_members_and_choices_match_an_independent_reference(scenario):
    """Exactly the members whose chain reaches a direct voter count, each with the
    choice of the *first* direct voter on their chain."""
    eligible, direct, delegations = scenario[:3]
    own_votes = {m: c for m, c in direct.items() if m in set(eligible)}  # others' never count
    expected = {}
    for member in set(eligible):
        voter = reference_first_voter(member, own_votes, delegations)
        if voter is not None:
            expected[member] = (own_votes[voter], voter != member)
    counted = {vote.member_id: (vote.choice, vote.delegated) for vote in run(scenario).counted}
    assert counted == expected


@settings(max_examples=250, deadline=None)
@given(scenarios())
def test_loops_and_dead_ends_count_for_nobody(scenario):
    eligible, direct, delegations = scenario[:3]
    counted = run(scenario).counted_members
    for member in set(eligible):
        if loops_without_voter(member, direct, delegations):
            assert member not in counted
        if member not in direct and member not in delegations:
            assert member not in counted


@settings(max_examples=250, deadline=None)
@given(scenarios())
def test_tallies_add_up(scenario):
    eligible, present = scenario[0], scenario[3]
    result = run(scenario)
    assert result.total.total <= result.eligible == len(set(eligible))
    assert result.total == tally_of(v.choice for v in result.counted)
    assert result.total.yes == result.present.yes + result.remote.yes
    assert result.total.no == result.present.no + result.remote.no
    assert result.total.abstain == result.present.abstain + result.remote.abstain
    assert leq(result.delegated, result.total)
    assert result.delegated == tally_of(v.choice for v in result.counted if v.delegated)
    assert result.present == tally_of(v.choice for v in result.counted if v.member_id in present)
    assert result.turnout == result.total.total == len(result.counted)


@settings(max_examples=250, deadline=None)
@given(scenarios())
def test_outcome_follows_quorum_then_threshold(scenario):
    *_, threshold, quorum, binding = scenario
    result = run(scenario)
    deciding = result.present if binding else result.total
    met = quorum is None or deciding.total * 100 >= quorum * result.eligible
    assert result.quorum_met == met
    if not met:
        assert result.outcome is Outcome.NO_QUORUM
    elif holds(threshold, deciding):
        assert result.outcome is Outcome.CARRIED
    else:
        assert result.outcome is Outcome.REJECTED


@pytest.mark.parametrize(
    ("text", "withdrawing"),
    [
        ("withdraw", True),
        (" WITHDRAW ", True),
        ("retirar", True),
        ("Retira", True),
        ("yes", False),
        ("withdrawn", False),
        ("", False),
    ],
)
def test_withdrawal_words(text, withdrawing):
    assert is_withdrawal(text) is withdrawing


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_the_order_of_the_eligible_members_does_not_matter(scenario, rnd):
    eligible = list(scenario[0])
    rnd.shuffle(eligible)
    first, second = run(scenario), run((eligible, *scenario[1:]))
    assert first.counted_members == second.counted_members
    for field in ("total", "delegated", "present", "remote", "turnout", "outcome"):
        assert getattr(first, field) == getattr(second, field)


@settings(max_examples=250, deadline=None)
@given(scenarios())
def test_with_votes_filtered_as_the_handler_does_every_choice_comes_from_an_eligible_voter(
    scenario,
):
    """``handlers.assembly_results.count`` keeps only eligible members' votes before
    counting; then every counted choice traces back to an eligible direct voter, and a
    chain may still pass through members who are not eligible."""
    eligible, direct, delegations, *rest = scenario
    visible = {m: c for m, c in direct.items() if m in set(eligible)}
    result = count_motion(rest[1], eligible, visible, delegations, rest[0], rest[2], rest[3])
    for vote in result.counted:
        voter = reference_first_voter(vote.member_id, visible, delegations)
        assert voter in set(eligible)
        assert vote.choice is direct[voter]


def test_a_member_in_a_voterless_cycle_counts_for_nobody_but_a_cycle_with_a_voter_carries():
    delegations = {1: 2, 2: 3, 3: 1, 4: 4, 5: 6, 6: 5, 7: 5}
    assert resolve([1, 2, 3, 4, 5, 6, 7], {}, delegations) == []
    counted = resolve([1, 2, 3, 4, 5, 6, 7], {6: NO}, delegations)
    assert counted == [
        CountedVote(5, NO, True),
        CountedVote(6, NO, False),
        CountedVote(7, NO, True),
    ]


def test_a_chain_exits_a_loop_it_reaches_only_if_a_voter_is_on_the_way():
    # 1 -> 2 -> 3 -> 2 : loops at 2, 3 without a voter; 4 -> 5 -> 6 (voted) -> 5
    delegations = {1: 2, 2: 3, 3: 2, 4: 5, 5: 6, 6: 5}
    counted = resolve([1, 4, 6], {6: YES}, delegations)
    assert counted == [CountedVote(4, YES, True), CountedVote(6, YES, False)]


def test_the_first_direct_voter_on_the_chain_decides_not_the_last():
    delegations = {1: 2, 2: 3, 3: 4}
    everyone = [1, 2, 3, 4]
    assert resolve(everyone, {3: NO, 4: YES}, delegations)[0] == CountedVote(1, NO, True)
    first = resolve(everyone, {2: ABSTAIN, 3: NO, 4: YES}, delegations)[0]
    assert first == CountedVote(1, ABSTAIN, True)


def test_a_member_who_delegated_but_voted_counts_their_own_vote():
    assert resolve([1, 2], {1: NO, 2: YES}, {1: 2, 2: 1}) == [
        CountedVote(1, NO, False),
        CountedVote(2, YES, False),
    ]


# --- non-eligible members -----------------------------------------------------------------


def test_a_non_eligible_members_direct_vote_is_not_their_own_counted_vote():
    result = count_motion(MAJORITY, [1, 2], {1: NO, 9: YES}, {})
    assert result.counted == (CountedVote(1, NO, False),)
    assert result.total == Tally(0, 1, 0)
    assert result.eligible == 2


def test_a_chain_passes_through_a_non_eligible_member_without_a_vote():
    # 1 (eligible) -> 9 (not eligible, did not vote) -> 2 (eligible, voted)
    result = count_motion(MAJORITY, [1, 2], {2: YES}, {1: 9, 9: 2})
    assert result.counted == (CountedVote(1, YES, True), CountedVote(2, YES, False))
    assert result.delegated == Tally(1, 0, 0)


def test_a_non_eligible_direct_voters_choice_never_reaches_an_eligible_delegator():
    result = count_motion(MAJORITY, [1], {9: YES}, {1: 9})
    assert result.counted == ()


def test_only_eligible_members_votes_count_even_through_delegation():
    # 1 and 2 are eligible; 9 is not (joined after voting opened, or left) but voted yes.
    # 1 delegated to 9, 9 delegated on to 2 who voted no.
    result = count_motion(MAJORITY, [1, 2], {2: NO, 9: YES}, {1: 9, 9: 2})
    assert YES not in {vote.choice for vote in result.counted}
    assert result.total == Tally(0, 2, 0)  # 9's vote ignored: 1 follows the chain on to 2


def test_resolve_and_count_motion_count_a_repeated_member_once():
    assert resolve([1, 1], {1: YES}, {}) == [CountedVote(1, YES, False)]
    result = count_motion(MAJORITY, [1, 1, 2], {1: YES}, {2: 1})
    assert result.eligible == 2
    assert result.total == Tally(2, 0, 0)


# --- thresholds ---------------------------------------------------------------------------


def decide(threshold: Threshold, yes: int, no: int, abstain: int = 0) -> Outcome:
    votes = [YES] * yes + [NO] * no + [ABSTAIN] * abstain
    direct = dict(enumerate(votes, start=1))
    return count_motion(threshold, list(direct), direct, {}).outcome


@pytest.mark.parametrize(
    ("threshold", "yes", "no", "abstain", "outcome"),
    [
        (MAJORITY, 2, 2, 0, Outcome.REJECTED),
        (MAJORITY, 3, 2, 0, Outcome.CARRIED),
        (MAJORITY, 1, 0, 5, Outcome.CARRIED),
        (MAJORITY, 0, 0, 3, Outcome.REJECTED),
        (MAJORITY, 0, 0, 0, Outcome.REJECTED),
        (TWO_THIRDS, 2, 1, 0, Outcome.CARRIED),
        (TWO_THIRDS, 3, 2, 0, Outcome.REJECTED),
        (TWO_THIRDS, 4, 2, 0, Outcome.CARRIED),
        (TWO_THIRDS, 0, 0, 3, Outcome.REJECTED),
        (TWO_THIRDS, 0, 0, 0, Outcome.REJECTED),
        (TWO_THIRDS, 2, 1, 9, Outcome.CARRIED),
        (CONSENSUS, 5, 0, 0, Outcome.CARRIED),
        (CONSENSUS, 5, 1, 0, Outcome.REJECTED),
        (CONSENSUS, 0, 0, 0, Outcome.REJECTED),
        (CONSENSUS, 0, 0, 2, Outcome.REJECTED),
        (CONSENSUS, 1, 0, 4, Outcome.CARRIED),
    ],
)
def test_threshold_boundaries(threshold, yes, no, abstain, outcome):
    assert decide(threshold, yes, no, abstain) is outcome
    assert holds(threshold, Tally(yes, no, abstain)) == (outcome is Outcome.CARRIED)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40), st.integers(0, 40))
def test_holds_matches_the_rules(yes, no, abstain):
    tally = Tally(yes, no, abstain)
    assert holds(MAJORITY, tally) == (yes > no)
    assert holds(TWO_THIRDS, tally) == (3 * yes >= 2 * (yes + no) and yes > 0)
    assert holds(CONSENSUS, tally) == (yes > 0 and no == 0)


# --- quorum -------------------------------------------------------------------------------


def test_quorum_boundaries():
    assert quorum_met(2, 4, 50)
    assert not quorum_met(1, 4, 50)
    assert quorum_met(0, 4, None)
    assert quorum_met(3, 3, 100)
    assert not quorum_met(2, 3, 67)  # 66.7 % is under 67 %


def test_quorum_in_a_counted_motion():
    eligible = [1, 2, 3, 4]
    two = count_motion(MAJORITY, eligible, {1: YES, 2: YES}, {}, quorum_percent=50)
    assert (two.turnout, two.quorum_met, two.outcome) == (2, True, Outcome.CARRIED)
    one = count_motion(MAJORITY, eligible, {1: YES}, {}, quorum_percent=50)
    assert (one.turnout, one.quorum_met, one.outcome) == (1, False, Outcome.NO_QUORUM)
    # a delegated vote counts towards turnout like any other
    via = count_motion(MAJORITY, eligible, {1: YES}, {2: 1}, quorum_percent=50)
    assert (via.turnout, via.quorum_met, via.outcome) == (2, True, Outcome.CARRIED)


def test_no_quorum_requirement_when_quorum_is_none():
    result = count_motion(MAJORITY, list(range(1, 101)), {1: YES}, {}, quorum_percent=None)
    assert (result.turnout, result.quorum_met, result.outcome) == (1, True, Outcome.CARRIED)


def test_no_quorum_wins_even_when_the_threshold_would_hold():
    result = count_motion(CONSENSUS, [1, 2, 3, 4, 5], {1: YES}, {}, quorum_percent=60)
    assert holds(CONSENSUS, result.total)
    assert result.outcome is Outcome.NO_QUORUM
    assert not result.quorum_met


# --- presence -----------------------------------------------------------------------------


def test_binding_presence_flips_the_outcome_the_remote_votes_would_have_decided():
    direct = {1: YES, 2: YES, 3: NO, 4: NO, 5: NO}
    present = {1, 2}
    advisory = count_motion(MAJORITY, [1, 2, 3, 4, 5], direct, {}, present)
    binding = count_motion(MAJORITY, [1, 2, 3, 4, 5], direct, {}, present, binding_present=True)
    assert advisory.outcome is Outcome.REJECTED
    assert binding.outcome is Outcome.CARRIED
    for result in (advisory, binding):
        assert result.present == Tally(2, 0, 0)
        assert result.remote == Tally(0, 3, 0)
        assert result.total == Tally(2, 3, 0)
        assert result.turnout == 5


def test_binding_presence_can_also_carry_what_a_remote_no_would_reject():
    direct = {1: NO, 2: YES, 3: YES, 4: YES}
    advisory = count_motion(CONSENSUS, [1, 2, 3, 4], direct, {}, {2, 3, 4})
    binding = count_motion(CONSENSUS, [1, 2, 3, 4], direct, {}, {2, 3, 4}, binding_present=True)
    assert advisory.outcome is Outcome.REJECTED  # everyone decides: one no breaks consensus
    assert binding.outcome is Outcome.CARRIED  # the no was remote, hence advisory
    assert binding.remote == Tally(0, 1, 0)


def test_presence_belongs_to_the_counted_member_not_to_their_delegate():
    # 1 is in the room but delegated to 2, who voted remotely; 3 is remote, delegated to 4
    # who is in the room and voted.
    result = count_motion(MAJORITY, [1, 2, 3, 4], {2: YES, 4: NO}, {1: 2, 3: 4}, {1, 4})
    assert result.present == Tally(1, 1, 0)
    assert result.remote == Tally(1, 1, 0)


def test_present_members_who_are_not_eligible_or_do_not_count_change_nothing():
    result = count_motion(MAJORITY, [1, 2], {1: YES}, {}, present={1, 2, 9})
    assert result.present == Tally(1, 0, 0)
    assert result.remote == Tally()


def test_documented_binding_quorum_is_the_present_turnout_while_turnout_stays_total():
    # 4 eligible, 50 % quorum: 1 present and 3 remote voted. Total turnout 4/4, but only
    # 1/4 of the members decide, so the motion has no quorum under binding presence.
    direct = {1: YES, 2: YES, 3: YES, 4: YES}
    result = count_motion(MAJORITY, [1, 2, 3, 4], direct, {}, {1}, 50, binding_present=True)
    assert result.turnout == 4
    assert not result.quorum_met
    assert result.outcome is Outcome.NO_QUORUM


# --- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("yes", YES),
        ("YES", YES),
        ("Yes", YES),
        (" yes ", YES),
        ("sí", YES),
        ("SÍ", YES),
        ("Sí", YES),
        ("si", YES),
        ("SI", YES),
        ("no", NO),
        ("NO", NO),
        ("No", NO),
        ("abstain", ABSTAIN),
        ("ABSTAIN", ABSTAIN),
        ("Abstain", ABSTAIN),
        ("abstención", ABSTAIN),
        ("ABSTENCIÓN", ABSTAIN),
        ("Abstención", ABSTAIN),
        ("abstenció", ABSTAIN),
        ("ABSTENCIÓ", ABSTAIN),
        ("Abstenció", ABSTAIN),
    ],
)
def test_parse_choice_accepts_the_words_in_any_case(text, choice):
    assert parse_choice(text) is choice


@pytest.mark.parametrize("text", ["", "  ", "maybe", "yess", "oui", "sí!", "2", "ja", "nein"])
def test_parse_choice_refuses_other_words(text):
    with pytest.raises(Refusal) as refused:
        parse_choice(text)
    assert refused.value.code == "bad_choice"
    assert refused.value.params == {"text": text}


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["yes", "no", "abstain", "sí", "si", "abstención", "abstenció"]), st.randoms()
)
def test_parse_choice_ignores_case(word, rnd):
    mixed = "".join(c.upper() if rnd.random() < 0.5 else c for c in word)
    assert parse_choice(mixed) is parse_choice(word)


@pytest.mark.parametrize(
    ("text", "threshold"),
    [
        ("majority", MAJORITY),
        ("MAJORITY", MAJORITY),
        ("two-thirds", TWO_THIRDS),
        ("Two-Thirds", TWO_THIRDS),
        ("two_thirds", TWO_THIRDS),
        ("2/3", TWO_THIRDS),
        ("consensus", CONSENSUS),
        (" Consensus ", CONSENSUS),
        # Multi-word ones: any run of spaces between the words reads as one.
        ("dos tercios", TWO_THIRDS),
        ("Dos  Tercios", TWO_THIRDS),
        ("dos terços", TWO_THIRDS),
        (" dos\tterços ", TWO_THIRDS),
        ("dos-tercios", TWO_THIRDS),
        ("mayoría", MAJORITY),
        ("consens", CONSENSUS),
    ],
)
def test_parse_threshold_accepts(text, threshold):
    assert parse_threshold(text) is threshold


# "two thirds" reads as two-thirds: hyphens and spaces are one (domain/keywords.py).
@pytest.mark.parametrize("text", ["", "half", "unanimity", "two third", "1/2", "majorities"])
def test_parse_threshold_refuses_other_words(text):
    with pytest.raises(Refusal) as refused:
        parse_threshold(text)
    assert refused.value.code == "bad_threshold"
    assert refused.value.params == {"text": text}


# --- the voting window --------------------------------------------------------------------

OPENS = datetime(2027, 3, 1, 18, 0, tzinfo=UTC)
CLOSES = datetime(2027, 3, 3, 18, 0, tzinfo=UTC)


def make_assembly(status: AssemblyStatus) -> Assembly:
    return Assembly(
        id=1,
        commune_id=1,
        number=4,
        title="Spring assembly",
        opens_at=OPENS,
        closes_at=CLOSES,
        created_by=1,
        created_at=OPENS - timedelta(days=7),
        status=status,
    )


def test_require_open_refuses_before_opening():
    with pytest.raises(Refusal) as refused:
        make_assembly(AssemblyStatus.SCHEDULED).require_open(OPENS - timedelta(minutes=5))
    assert refused.value.code == "voting_not_open"
    assert refused.value.params["opens"] == OPENS.isoformat()


def test_require_open_accepts_while_open():
    make_assembly(AssemblyStatus.OPEN).require_open(OPENS)
    make_assembly(AssemblyStatus.OPEN).require_open(CLOSES - timedelta(seconds=1))


@pytest.mark.parametrize(
    ("status", "now"),
    [
        (AssemblyStatus.CLOSED, CLOSES + timedelta(minutes=1)),
        (AssemblyStatus.CLOSED, OPENS + timedelta(hours=1)),  # closed early
        (AssemblyStatus.OPEN, CLOSES),  # the closing job has not run yet
        (AssemblyStatus.OPEN, CLOSES + timedelta(hours=1)),
    ],
)
def test_require_open_refuses_after_closing(status, now):
    with pytest.raises(Refusal) as refused:
        make_assembly(status).require_open(now)
    assert refused.value.code == "voting_closed"


def test_validations_of_schedule_and_quorum():
    now = OPENS - timedelta(days=1)
    validate_schedule(OPENS, CLOSES, now)
    validate_opening(now - timedelta(seconds=59), now)  # a minute's grace
    for opens, closes, code in [
        (now - timedelta(minutes=2), CLOSES, "opens_in_past"),
        (OPENS, OPENS, "closes_before_opening"),
        (OPENS, OPENS + timedelta(days=62, seconds=1), "voting_too_long"),
    ]:
        with pytest.raises(Refusal) as refused:
            validate_schedule(opens, closes, now)
        assert refused.value.code == code
    for percent in (None, 1, 50, 100):
        validate_quorum(percent)
    for percent in (0, 101, -5):
        with pytest.raises(Refusal) as refused:
            validate_quorum(percent)
        assert refused.value.code == "bad_quorum"


# --- a weekly assembly's repeat, across clock changes ---------------------------------

MADRID = "Europe/Madrid"


def repeating(opens: str, closes: str, weeks: int | None) -> Assembly:
    """An assembly between two local Madrid times written with their offsets."""
    return replace(
        make_assembly(AssemblyStatus.CLOSED),
        opens_at=datetime.fromisoformat(opens),
        closes_at=datetime.fromisoformat(closes),
        repeat_weeks=weeks,
    )


def repeat(opens: str, closes: str, weeks: int | None) -> tuple[str, str]:
    return tuple(when.isoformat() for when in repeating(opens, closes, weeks).repeat_times(MADRID))


def test_a_repeat_keeps_the_local_wall_clock_times_across_a_clock_change():
    # 18:00 to 20:00 in winter time, two weeks before summer time: 18:00 to 20:00 again.
    assert repeat("2027-03-20T18:00+01:00", "2027-03-20T20:00+01:00", 2) == (
        "2027-04-03T18:00:00+02:00",
        "2027-04-03T20:00:00+02:00",
    )
    assert repeat("2027-03-20T18:00+01:00", "2027-03-20T20:00+01:00", 1) == (
        "2027-03-27T18:00:00+01:00",
        "2027-03-27T20:00:00+01:00",
    )


def test_an_assembly_that_does_not_repeat_repeats_at_its_own_times():
    assert repeat("2027-03-20T18:00+01:00", "2027-03-20T20:00+01:00", None) == (
        "2027-03-20T18:00:00+01:00",
        "2027-03-20T20:00:00+01:00",
    )


def test_a_repeat_whose_window_the_skipped_hour_closes_keeps_the_real_length():
    # 02:00 to 03:00 a week before the gap; on the night of the gap 02:00 moves on to
    # 03:00 and 03:00 stays, an empty window: it keeps its hour instead.
    assert repeat("2027-03-21T02:00+01:00", "2027-03-21T03:00+01:00", 1) == (
        "2027-03-28T03:00:00+02:00",
        "2027-03-28T04:00:00+02:00",
    )
    # 02:15 to 02:45 both move on by the hour: the window stays half an hour.
    assert repeat("2027-03-21T02:15+01:00", "2027-03-21T02:45+01:00", 1) == (
        "2027-03-28T03:15:00+02:00",
        "2027-03-28T03:45:00+02:00",
    )
    # 02:30 to 03:10: the opening moves to 03:30, after the closing; 40 minutes kept.
    assert repeat("2027-03-21T02:30+01:00", "2027-03-21T03:10+01:00", 1) == (
        "2027-03-28T03:30:00+02:00",
        "2027-03-28T04:10:00+02:00",
    )


def test_a_repeat_on_the_repeated_hour_opens_at_its_first_occurrence():
    assert repeat("2027-10-24T02:30+02:00", "2027-10-24T03:30+02:00", 1) == (
        "2027-10-31T02:30:00+02:00",
        "2027-10-31T03:30:00+01:00",
    )
