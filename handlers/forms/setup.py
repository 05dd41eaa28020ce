"""/setup as a form: the commune's name, currency and time zone, one at a time."""

from __future__ import annotations

from handlers.commune_checks import check_currency, check_name, check_name_free, check_timezone
from handlers.forms.model import Answers, Form, Step
from handlers.turn import Turn


def _free_name(turn: Turn, text: str, answers: Answers) -> str:
    name = check_name(text.strip('"'))
    check_name_free(turn, name)
    return name


def _currency(turn: Turn, text: str, answers: Answers) -> str:
    return check_currency(text)


def _timezone(turn: Turn, text: str, answers: Answers) -> str:
    return "UTC" if text.strip() in {"-", ""} else check_timezone(text)


SETUP = Form(
    "setup",
    "form_setup",
    (
        Step("name", "ask_commune_name", _free_name),
        Step("currency", "ask_currency", _currency, quick=("EUR", "USD", "GBP")),
        Step("timezone", "ask_timezone", _timezone, quick=("UTC",)),
    ),
    complete_with=2,
)
