"""Inline keyboards on minga's messages, and reading back what a pressed button means.

Buttons save typing; each one stands for a line someone could have typed, so a
press goes through the same dispatcher and the same rules:

- a new bond issue (and its live message while open): quick pledge amounts,
  ``p:<issue>:<whole units>`` -> ``/pledge <issue> <units>``;
- an open assembly with a public ballot: yes / no / abstain per motion,
  ``v:<motion>:<y|n|a>`` -> ``/vote <motion> yes|no|abstain``;
- a member's proposal for an assembly: Support, ``s:<motion>`` -> ``/support <motion>``;
- each question of a step-by-step form, by DM: quick answers where there are obvious
  ones (currency, time zone) and Cancel, ``f:<user>:<form>:<step>:<answer>``. Only the
  person filling in the form may press these (a /setup form is a platform admin's),
  and only while the form is still at that step. In a group a question instead asks
  for a reply (a selective ForceReply, the question replying to its answerer's last
  message): with privacy mode on, Telegram gives a bot a group message only when it
  is a command or a reply to the bot, so a typed answer must be a reply.

Callback data is at most 64 bytes and comes back from the client, so it is
parsed strictly; anything else is "expired". Who may do what is decided by the
dispatcher as for a typed command, except form ownership, checked by the adapter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from handlers.forms.registry import quick_answers
from handlers.money import minor_digits
from handlers.rendering import render
from storage.repositories.messaging import PendingMessage

CANCEL = "x"
CHOICES = {"y": "yes", "n": "no", "a": "abstain"}
#: Quick answers offered on a form's questions, by question template (the forms say which).
QUICK_ANSWERS: dict[str, tuple[str, ...]] = quick_answers()
_ANSWER = re.compile(r"^[A-Za-z0-9_/+-]{1,32}$")
_PLEDGE = re.compile(r"^p:([0-9]{1,9}):([0-9]{1,13})$")
_VOTE = re.compile(r"^v:([0-9]{1,9}):([yna])$")
_SUPPORT = re.compile(r"^s:([0-9]{1,9})$")
_FORM = re.compile(r"^f:([0-9]{1,20}):([a-z_]{1,16}):([0-9]{1,2}):([A-Za-z0-9_/+-]{1,32})$")
MAX_MOTION_ROWS = 10

Markup = InlineKeyboardMarkup | ForceReply


@dataclass(frozen=True)
class Pledge:
    issue: int
    units: int

    @property
    def text(self) -> str:
        return f"/pledge {self.issue} {self.units}"


@dataclass(frozen=True)
class Vote:
    motion: int
    choice: str

    @property
    def text(self) -> str:
        return f"/vote {self.motion} {self.choice}"


@dataclass(frozen=True)
class Support:
    motion: int

    @property
    def text(self) -> str:
        return f"/support {self.motion}"


@dataclass(frozen=True)
class FormAnswer:
    answerer: str
    form: str
    step: int  # 1-based, as the question says "step n of m"
    answer: str

    @property
    def text(self) -> str:
        return "/cancel" if self.answer == CANCEL else self.answer


Press = Pledge | Vote | Support | FormAnswer


def parse_callback(data: str | None) -> Press | None:
    """What a button's callback data asks for; None for anything minga did not make."""
    if not data or len(data.encode()) > 64:
        return None
    if match := _PLEDGE.match(data):
        issue, units = int(match[1]), int(match[2])
        return Pledge(issue, units) if issue > 0 and units > 0 else None
    if match := _VOTE.match(data):
        motion = int(match[1])
        return Vote(motion, CHOICES[match[2]]) if motion > 0 else None
    if match := _SUPPORT.match(data):
        motion = int(match[1])
        return Support(motion) if motion > 0 else None
    if match := _FORM.match(data):
        return FormAnswer(match[1], match[2], int(match[3]), match[4])
    return None


def _label(message: PendingMessage, name: str, **values: Any) -> str:
    return render("button_label", message.locale, {**message.context, "name": name, **values})


def pledge_amounts(price: int, remaining: int, currency: str) -> list[int]:
    """Whole-unit amounts worth a button: a tenth, a quarter and half of the price,
    and what remains, none above what remains (in minor units)."""
    unit = 10 ** minor_digits(currency)
    candidates = [price // 10, price // 4, price // 2, remaining]
    amounts = sorted({a // unit * unit for a in candidates if a // unit * unit > 0})
    return [a for a in amounts if a <= remaining]


def pledge_keyboard(message: PendingMessage, issue: dict[str, Any]) -> InlineKeyboardMarkup | None:
    if issue.get("status", "open") != "open" or issue.get("remaining", 0) <= 0:
        return None
    currency = message.context["currency"]
    unit = 10 ** minor_digits(currency)
    buttons = [
        InlineKeyboardButton(
            _label(message, "pledge", amount=amount),
            callback_data=f"p:{issue['number']}:{amount // unit}",
        )
        for amount in pledge_amounts(issue["price"], issue["remaining"], currency)
    ]
    return InlineKeyboardMarkup([buttons]) if buttons else None


def vote_keyboard(message: PendingMessage) -> InlineKeyboardMarkup | None:
    assembly = message.context.get("assembly") or {}
    if assembly.get("secret"):
        return None  # a secret ballot is cast by DM, never in the group
    rows = []
    for motion in (assembly.get("motions") or [])[:MAX_MOTION_ROWS]:
        number = motion["number"]
        rows.append(
            [
                InlineKeyboardButton(
                    _label(message, "vote", number=number, choice=choice),
                    callback_data=f"v:{number}:{key}",
                )
                for key, choice in CHOICES.items()
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def support_keyboard(message: PendingMessage) -> InlineKeyboardMarkup:
    number = (message.context.get("proposal") or {})["motion"]
    label = _label(message, "support", number=number)
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=f"s:{number}")]])


def form_keyboard(message: PendingMessage) -> Markup | None:
    context = message.context
    answerer, form, step = context.get("answerer"), context.get("form"), context.get("step")
    if not (answerer and form and step) or not str(answerer).isdigit():
        return None
    if not message.is_private:  # selective: only the answerer's reply box opens
        return ForceReply(selective=True)
    prefix = f"f:{answerer}:{form}:{step}:"
    quick = [
        InlineKeyboardButton(answer, callback_data=prefix + answer)
        for answer in QUICK_ANSWERS.get(message.template, ())
        if _ANSWER.match(answer)
    ]
    cancel = [InlineKeyboardButton(_label(message, "cancel"), callback_data=prefix + CANCEL)]
    return InlineKeyboardMarkup([quick, cancel] if quick else [cancel])


def keyboard_for(message: PendingMessage) -> Markup | None:
    """The buttons that go with an outbox message, if any."""
    if message.template == "bond_new" and not message.is_private:
        return pledge_keyboard(message, message.context.get("issue") or {})
    if message.template == "assembly_open" and not message.is_private:
        return vote_keyboard(message)
    if message.template == "proposal_added" and not message.is_private:
        return support_keyboard(message)
    if "answerer" in message.context and "form" in message.context:
        return form_keyboard(message)
    return None
