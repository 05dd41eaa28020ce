"""/propose as a form: asset, price, rent and deadline, each checked when given.

The answers are kept as typed (the amounts and the day) and become /propose's
arguments, so the one-line command reads them once more and applies every rule.
"""

from __future__ import annotations

from domain.bonds import check_deadline, clean_asset
from domain.errors import Refusal
from domain.periods import end_of_day
from handlers.forms.model import Answers, Form, Step
from handlers.money import parse_amount
from handlers.turn import Turn
from handlers.when import parse_deadline_day


def _asset(turn: Turn, text: str, answers: Answers) -> str:
    return clean_asset(text.strip().strip('"'))


def _amount(turn: Turn, text: str, answers: Answers) -> str:
    commune = turn.require_commune()
    parse_amount(text, commune.currency, turn.locale)
    return text.strip()


def _deadline(turn: Turn, text: str, answers: Answers) -> str:
    commune = turn.require_commune()
    day = parse_deadline_day(text, commune.timezone, turn.locale, turn.now)
    check_deadline(end_of_day(day, commune.timezone), turn.now)
    return day.isoformat()


def _may_propose(turn: Turn) -> None:
    if turn.speaker.cooperative_id is None:
        raise Refusal("no_cooperative")


PROPOSE = Form(
    "propose",
    "form_propose",
    (
        Step("asset", "ask_asset", _asset),
        Step("price", "ask_price", _amount),
        Step("rent", "ask_rent", _amount),
        Step("deadline", "ask_deadline", _deadline),
    ),
    complete_with=4,
    precheck=_may_propose,
)
