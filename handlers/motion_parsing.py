"""/motion's actions: the words after the assembly number, read into an action.

``/motion <assembly> rent 1 350 "The roof is fixed" two-thirds``: the first word
names the action and its parser (``PARSERS``) reads the words it takes, checking
that what they name exists now; what is left is an optional reason and threshold.
Another module adds an action by registering its first word with ``@action_words``.
The words are read in any language minga speaks (domain/keywords.py ``ACTIONS`` and
``ACTION_PARTS``): "alquiler 1 350" and "lloguer 1 350" are "rent 1 350".
"""

from __future__ import annotations

from collections.abc import Callable

from domain import keywords, names
from domain.actions import (
    Action,
    ApproveBond,
    ChangePolicy,
    ChangeRent,
    ChangeRole,
    EndLease,
    Grant,
    Relet,
)
from domain.assemblies import Threshold, at_least, least_threshold, parse_threshold
from domain.bonds import BondIssue, IssueStatus, ended_from
from domain.errors import Refusal
from domain.periods import Period
from domain.policies import POLICIES, policy_named
from domain.sales import check_ended
from handlers.bond_views import load_issue
from handlers.money import parse_amount
from handlers.parsing import parse_role
from handlers.turn import Turn

Parser = Callable[[Turn, list[str]], Action]
#: first word -> (how many words follow it, the parser of those words, a usage example)
PARSERS: dict[str, tuple[int, Parser, str]] = {}


def action_words(word: str, count: int, example: str) -> Callable[[Parser], Parser]:
    """Register the parser of ``/motion <assembly> <word> …`` taking ``count`` words;
    ``word`` is the canonical (English) word, its other languages' words are read
    from ``keywords.ACTIONS``."""

    def register(parser: Parser) -> Parser:
        PARSERS[word] = (count, parser, example)
        return parser

    return register


def _action_word(text: str) -> str:
    """The canonical first word ``text`` stands for, in any language."""
    return keywords.read(text, keywords.ACTIONS) or text.lower()


def _part(text: str) -> str | None:
    """The part ("bond", "lease" or "to") ``text`` stands for: "bono", "arrendament", "a"..."""
    return keywords.read(text, keywords.ACTION_PARTS)


def is_action(args: list[str]) -> bool:
    """Whether ``/motion``'s words (after the assembly) name an action, not a text.

    A text motion is one quoted text and maybe a threshold: two words at most, so
    ``/motion 1 "Rent" majority`` stays a text motion; an action takes more words.
    """
    if not args or _action_word(args[0]) not in PARSERS:
        return False
    if len(args) >= 3:
        return True
    return len(args) == 2 and not _threshold_or_none(args[1])


#: first word -> what its second (or third) word must be for a line of the /assembly
#: form to be read as that action rather than as a motion's text (an action
#: registered without one is read whenever its first word comes first)
_SHAPES: dict[str, Callable[[list[str]], bool]] = {
    "approve": lambda words: _part(words[1]) == "bond",
    "end": lambda words: _part(words[1]) == "lease",
    "rent": lambda words: words[1].lstrip("#").isascii() and words[1].lstrip("#").isdigit(),
    "relet": lambda words: (
        len(words) > 3 and words[1].lstrip("#").isascii() and words[1].lstrip("#").isdigit()
    ),
    "role": lambda words: len(words) > 2 and keywords.read(words[2], keywords.ROLES) is not None,
    "policy": lambda words: words[1].lower() in POLICIES,
    "fund": lambda words: len(words) > 4 and _part(words[3]) == "to",
}


def reads_as_action(words: list[str]) -> bool:
    """Whether a motion typed as one line (the /assembly form's answer) is an action.

    A text motion there is unquoted ("End the meeting at nine — two-thirds"), so the
    line must also look like its action: ``end lease 1``, ``rent 1 350``, ``relet 1 Pan
    250``, ``role ben treasurer``, ``approve bond 3``, ``policy approval assembly``,
    ``fund 500 "Seeds" to Pan`` (or their words in es and ca); then every check of
    ``/motion`` applies.
    """
    return is_action(words) and _SHAPES.get(_action_word(words[0]), bool)(words)


def parse_action(turn: Turn, args: list[str]) -> tuple[Action, str, Threshold]:
    """The action, the reason ("" when none) and the threshold, each checked."""
    count, parser, example = PARSERS[_action_word(args[0])]
    words, rest = args[1 : 1 + count], args[1 + count :]
    if len(words) < count or len(rest) > 3:
        raise Refusal("usage", command="motion", example=example)
    action = parser(turn, words)
    reason, threshold = _reason_and_threshold(rest, example)
    if threshold is None:
        threshold = least_threshold(action)
    if not at_least(threshold, action):
        raise Refusal(
            "threshold_too_low", asked=threshold.value, least=least_threshold(action).value
        )
    return action, reason, threshold


def _threshold_or_none(text: str) -> Threshold | None:
    try:
        return parse_threshold(text)
    except Refusal:
        return None


def _reason_and_threshold(rest: list[str], example: str) -> tuple[str, Threshold | None]:
    """``["<reason>"] [threshold]``; a threshold of two words may come unquoted."""
    threshold = None
    for size in (2, 1):
        if len(rest) >= size and (found := _threshold_or_none(" ".join(rest[-size:]))):
            threshold, rest = found, rest[:-size]
            break
    if len(rest) > 1:
        raise Refusal("usage", command="motion", example=example)
    return (names.clean(rest[0], names.MOTION) if rest else ""), threshold


def _bond_number(words: list[str], word: str, example: str) -> str:
    if _part(words[0]) != word:
        raise Refusal("usage", command="motion", example=example)
    return words[1]


def _leased(turn: Turn, text: str) -> BondIssue:
    """A bond whose lease runs: cleared, and not ended by an earlier motion."""
    issue = load_issue(turn, text)
    if issue.status is not IssueStatus.CLEARED:
        raise Refusal("not_leased", number=issue.number, asset=issue.asset)
    ended = ended_from(turn.uow.bonds.lease_terms(issue.id))
    if ended is not None:
        last = str(Period.parse(ended).previous())
        raise Refusal("lease_ended", number=issue.number, asset=issue.asset, last=last)
    return issue


APPROVE_EXAMPLE = "/motion 1 approve bond 3"
RENT_EXAMPLE = "/motion 1 rent 1 350"
END_EXAMPLE = "/motion 1 end lease 1"
RELET_EXAMPLE = "/motion 1 relet 1 Pan 250"
ROLE_EXAMPLE = "/motion 1 role ben treasurer"
POLICY_EXAMPLE = "/motion 1 policy approval assembly"
FUND_EXAMPLE = '/motion 1 fund 500 "Seeds for the garden" to Pan'


@action_words("approve", 2, APPROVE_EXAMPLE)
def _approve(turn: Turn, words: list[str]) -> Action:
    """A bond awaiting approval (handlers/bond_approval.py puts its motion on the
    agenda by itself; an admin may also put it to another assembly)."""
    issue = load_issue(turn, _bond_number(words, "bond", APPROVE_EXAMPLE))
    if issue.status is not IssueStatus.AWAITING:
        raise Refusal("not_awaiting_approval", number=issue.number, asset=issue.asset)
    return ApproveBond(issue.number)


@action_words("rent", 2, RENT_EXAMPLE)
def _rent(turn: Turn, words: list[str]) -> Action:
    issue = _leased(turn, words[0])
    amount = parse_amount(words[1], turn.require_commune().currency, turn.locale)
    if amount <= 0:
        raise Refusal("amount_not_positive")
    return ChangeRent(issue.number, amount)


@action_words("end", 2, END_EXAMPLE)
def _end_lease(turn: Turn, words: list[str]) -> Action:
    return EndLease(_leased(turn, _bond_number(words, "lease", END_EXAMPLE)).number)


@action_words("relet", 3, RELET_EXAMPLE)
def _relet(turn: Turn, words: list[str]) -> Action:
    """An ended lease whose asset was not sold, let again to a cooperative at a rent."""
    issue = load_issue(turn, words[0])
    sold = turn.uow.sales.sold(issue.id) is not None
    check_ended(issue, turn.uow.bonds.lease_terms(issue.id), sold)
    commune = turn.require_commune()
    cooperative = turn.uow.communes.cooperative_by_name(commune.id, words[1])
    if cooperative is None:
        listed = [c.name for c in turn.uow.communes.cooperatives(commune.id)]
        raise Refusal("unknown_cooperative", name=words[1], cooperatives=listed)
    amount = parse_amount(words[2], commune.currency, turn.locale)
    if amount <= 0:
        raise Refusal("amount_not_positive")
    return Relet(issue.number, cooperative.name, amount)


@action_words("role", 2, ROLE_EXAMPLE)
def _role(turn: Turn, words: list[str]) -> Action:
    wanted = parse_role(words[1])
    commune = turn.require_commune()
    target = turn.uow.communes.member_by_name(commune.id, words[0].lstrip("@"))
    if target is None or not target.active:
        raise Refusal("unknown_member", name=words[0])
    return ChangeRole(target.name, wanted)


@action_words("policy", 2, POLICY_EXAMPLE)
def _policy(turn: Turn, words: list[str]) -> Action:
    found = policy_named(words[0])
    return ChangePolicy(found.name, found.parse(words[1]))


@action_words("fund", 4, FUND_EXAMPLE)
def _fund(turn: Turn, words: list[str]) -> Action:
    """A grant from the common fund to a cooperative (looked for first) or a member; the
    fund's balance is checked when it would be paid, at the assembly's close."""
    amount_text, purpose, to_word, recipient = words
    if _part(to_word) != "to":
        raise Refusal("usage", command="motion", example=FUND_EXAMPLE)
    commune = turn.require_commune()
    amount = parse_amount(amount_text, commune.currency, turn.locale)
    if amount <= 0:
        raise Refusal("amount_not_positive")
    purpose = names.clean(purpose, names.MOTION)
    cooperative = turn.uow.communes.cooperative_by_name(commune.id, recipient)
    if cooperative is not None:
        return Grant(amount, purpose, cooperative.name, to_member=False)
    member = turn.uow.communes.member_by_name(commune.id, recipient.lstrip("@"))
    if member is None or not member.active:
        raise Refusal("unknown_recipient", name=recipient)
    return Grant(amount, purpose, member.name, to_member=True)
