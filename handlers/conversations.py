"""Step-by-step forms of /setup and /propose, with their state in the database.

A command given with arguments missing starts a conversation that asks for the
rest one at a time; each answer is checked when given (a wrong one is asked
again, with the reason), and the finished form runs the one-line command, so both
ways share every rule. The state lives in the conversation table: a restart of the
bot, or another adapter process, picks it up where it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain import names
from domain.errors import Refusal
from domain.periods import end_of_day
from handlers.commands.setup import (
    check_currency,
    check_name,
    check_name_free,
    check_timezone,
)
from handlers.money import parse_amount
from handlers.parsing import parse_day
from handlers.turn import Turn

Check = Callable[[Turn, str], str]


@dataclass(frozen=True)
class Step:
    prompt: str  # template that asks for this answer
    check: Check  # returns the answer as the command wants it, or raises Refusal


@dataclass(frozen=True)
class Flow:
    command: str
    intro: str  # template that says what the form is for and how to leave it
    steps: tuple[Step, ...]
    precheck: Callable[[Turn], None]  # beyond the command's rule, checked before
    required: int  # how many arguments make the one-line form complete


def _amount(turn: Turn, text: str) -> str:
    commune = turn.require_commune()
    parse_amount(text, commune.currency, turn.locale)
    return text.strip()


def _deadline(turn: Turn, text: str) -> str:
    commune = turn.require_commune()
    day = parse_day(text)
    if end_of_day(day, commune.timezone) <= turn.now:
        raise Refusal("deadline_past")
    return day.isoformat()


def _asset(turn: Turn, text: str) -> str:
    return names.clean(text.strip().strip('"'), names.ASSET)


def _timezone(turn: Turn, text: str) -> str:
    return "UTC" if text.strip() in {"-", ""} else check_timezone(text)


def _free_commune_name(turn: Turn, text: str) -> str:
    name = check_name(text.strip('"'))
    check_name_free(turn, name)
    return name


def _nothing_more(turn: Turn) -> None:
    """The dispatcher has checked the command's rule; nothing else to check first."""


def _may_propose(turn: Turn) -> None:
    if turn.speaker.cooperative_id is None:
        raise Refusal("no_cooperative")


FLOWS: dict[str, Flow] = {
    "setup": Flow(
        "setup",
        "form_setup",
        (
            Step("ask_commune_name", _free_commune_name),
            Step("ask_currency", lambda turn, text: check_currency(text)),
            Step("ask_timezone", _timezone),
        ),
        _nothing_more,
        required=2,
    ),
    "propose": Flow(
        "propose",
        "form_propose",
        (
            Step("ask_asset", _asset),
            Step("ask_price", _amount),
            Step("ask_rent", _amount),
            Step("ask_deadline", _deadline),
        ),
        _may_propose,
        required=4,
    ),
}


def _key(turn: Turn) -> tuple[str, str, str]:
    return turn.msg.platform, turn.msg.chat_id, turn.msg.user_id


def load_state(turn: Turn) -> tuple[Flow, list[str]] | None:
    found = turn.uow.conversations.get(*_key(turn))
    if found is None or found[0] not in FLOWS:
        return None
    return FLOWS[found[0]], list(found[1].get("args", []))


def save_state(turn: Turn, name: str, args: list[str]) -> None:
    turn.uow.conversations.save(*_key(turn), name, {"args": args}, turn.now)


def end_state(turn: Turn) -> bool:
    return turn.uow.conversations.end(*_key(turn))


def start(turn: Turn, flow: Flow, given: list[str]) -> None:
    """Begin the form with what the one-line command already said."""
    flow.precheck(turn)
    save_state(turn, flow.command, given)
    turn.reply(flow.intro)
    ask(turn, flow, len(given))


def ask(turn: Turn, flow: Flow, index: int) -> None:
    """Ask for answer ``index``; ``form`` and ``answerer`` let an adapter offer
    answer buttons that only the person filling in the form may press."""
    turn.reply(
        flow.steps[index].prompt,
        step=index + 1,
        steps=len(flow.steps),
        form=flow.command,
        answerer=turn.msg.user_id,
    )


def answer(turn: Turn, flow: Flow, given: list[str], text: str) -> list[str] | None:
    """Take one answer; returns the complete arguments when the form is done."""
    step = flow.steps[len(given)]
    try:
        value = step.check(turn, text)
    except Refusal as refusal:
        turn.reply(f"refusal/{refusal.code}", **refusal.params)
        ask(turn, flow, len(given))
        return None
    given = [*given, value]
    if len(given) == len(flow.steps):
        return given
    save_state(turn, flow.command, given)
    ask(turn, flow, len(given))
    return None
