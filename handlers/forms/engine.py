"""Running a form: start it, take each answer, and finish, with the state in the database.

A command given too few arguments starts its form (``starting``, then ``start``), which
asks for the rest one question at a time. Each answer is read by the question's check
when given; a wrong one is answered with the refusal and asked again. A repeated
question takes answers until ``DONE``; a confirm question shows a summary, and ``no``
drops the form. The finished form runs under the command's rule, checked again then.

The state is a row of the conversation table, keyed by (platform, chat, user): a restart
of the bot, or another adapter process, picks the form up where it was. Adapters read
it through ``waiting`` (is a form at this question, for this person's buttons?).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto
from typing import Any

from domain.errors import Refusal
from domain.ports import UnitOfWork
from handlers.forms.model import DONE, Answer, Answers, Form, Step
from handlers.forms.registry import FORMS
from handlers.registry import authorise
from handlers.turn import Turn
from handlers.when import parse_yes_no

CONFIRM = "confirm"  # the step key of a form's summary


@dataclass
class State:
    """Where one person's form is: the question it waits at and the answers so far."""

    form: Form
    step: int  # index into form.steps; len(form.steps) is the confirm question
    answers: Answers

    @property
    def position(self) -> int:
        """The question it waits at, 1-based, as "step n of m" says it (and buttons carry)."""
        return self.step + 1

    @property
    def question(self) -> Step | None:
        """The step asked now; None at the summary."""
        return self.form.steps[self.step] if self.step < len(self.form.steps) else None

    @property
    def key(self) -> str:
        question = self.question
        return CONFIRM if question is None else question.key

    def items(self) -> list[Answer]:
        """The answers so far to the repeated question asked now."""
        question = self.question
        found = self.answers.get(question.key) if question is not None else None
        return found if isinstance(found, list) else []


class _Progress(Enum):
    NEXT = auto()  # ask the next question
    NOTED = auto()  # one more answer to a repeated question
    COMPLETE = auto()
    DECLINED = auto()  # no to the summary


# the state in the conversation table ---------------------------------------------------
def _key(turn: Turn) -> tuple[str, str, str]:
    return turn.msg.platform, turn.msg.chat_id, turn.msg.user_id


def _loaded(form: Form, data: dict[str, Any]) -> State:
    """The state as saved; rows saved before the one engine read the same."""
    keys = [step.key for step in form.steps] + [CONFIRM]
    if "answers" in data:
        return State(form, keys.index(data["step"]), dict(data["answers"]))
    if "args" in data:  # /setup and /propose: the answers as the command's arguments
        args = list(data["args"])
        return State(form, len(args), dict(zip(keys, args, strict=False)))
    # /assembly: the answers beside the step's key
    answers = {key: value for key, value in data.items() if key != "step"}
    return State(form, keys.index(data["step"]), answers)


def waiting(uow: UnitOfWork, platform: str, chat_id: str, user_id: str) -> State | None:
    """The form this person is filling in, in this chat, if any."""
    found = uow.conversations.get(platform, chat_id, user_id)
    if found is None or found[0] not in FORMS:
        return None
    return _loaded(FORMS[found[0]], found[1])


def current(turn: Turn) -> State | None:
    """The form the sender is filling in here, if any."""
    return waiting(turn.uow, *_key(turn))


def _save(turn: Turn, state: State) -> None:
    data = {"step": state.key, "answers": state.answers}
    turn.uow.conversations.save(*_key(turn), state.form.name, state.key, data, turn.now)


def cancel(turn: Turn) -> bool:
    """Drop the sender's form here; False when there was none."""
    return turn.uow.conversations.end(*_key(turn))


# asking ----------------------------------------------------------------------------
def starting(name: str, args: list[str]) -> Form | None:
    """The form a command starts when given these arguments (too few for one line)."""
    form = FORMS.get(name)
    return form if form is not None and len(args) < form.complete_with else None


def start(turn: Turn, form: Form, given: list[str]) -> None:
    """Begin the form with what the command line already said (checked when it ends).

    Starting a form replaces one in progress; any other command leaves it be.
    """
    form.precheck(turn)
    keys = [step.key for step in form.steps]
    state = State(form, len(given), dict(zip(keys, given, strict=False)))
    _save(turn, state)
    turn.reply(form.intro)
    _ask(turn, state)


def _asking(turn: Turn, state: State) -> dict[str, object]:
    """``form``, ``step`` and ``answerer`` let an adapter offer answer buttons that only
    the person filling in the form may press, and only while it waits at this step."""
    return {
        "step": state.position,
        "steps": state.form.questions,
        "form": state.form.name,
        "answerer": turn.msg.user_id,
    }


def _ask(turn: Turn, state: State) -> None:
    question, confirm = state.question, state.form.confirm
    if question is None:
        assert confirm is not None
        turn.reply(confirm.prompt, summary=confirm.summary(state.answers), **_asking(turn, state))
        return
    values = dict(question.context(state.answers))
    if question.repeat is not None:
        values["count"] = len(state.items())
    turn.reply(question.prompt, **values, **_asking(turn, state))


# answering -------------------------------------------------------------------------
def _take(turn: Turn, state: State, text: str) -> _Progress:
    """Read one answer into ``state``; a Refusal leaves it as it was."""
    if state.form.in_commune:
        turn.require_commune()
    question = state.question
    if question is None:
        return _Progress.COMPLETE if parse_yes_no(text) else _Progress.DECLINED
    if question.repeat is None:
        state.answers[question.key] = question.check(turn, text, state.answers)
    elif text.strip().lower() not in DONE:
        item = question.check(turn, text, state.answers)
        state.answers[question.key] = [*state.items(), item]
        return _Progress.NOTED
    elif not state.items():
        raise Refusal(question.repeat.empty)
    state.step += 1
    while state.question is not None and not state.question.asked(state.answers):
        state.answers[state.question.key] = None
        state.step += 1
    last = state.step == len(state.form.steps) and state.form.confirm is None
    return _Progress.COMPLETE if last else _Progress.NEXT


def answer(turn: Turn, text: str) -> bool:
    """Take the sender's next answer; False when no form waits for one (chatter)."""
    state = current(turn)
    if state is None:
        return False
    try:
        progress = _take(turn, state, text)
    except Refusal as refusal:
        turn.reply(f"refusal/{refusal.code}", **refusal.params)
        _ask(turn, state)
        return True
    if progress is _Progress.DECLINED:
        cancel(turn)
        turn.reply("cancelled")
    elif progress is _Progress.COMPLETE:
        cancel(turn)
        _finish(turn, state)
    else:
        _save(turn, state)
        question = state.question
        if progress is _Progress.NOTED and question is not None and question.repeat is not None:
            count = len(state.items())
            turn.reply(question.repeat.noted, **{**_asking(turn, state), "count": count})
        else:
            _ask(turn, state)
    return True


def _finish(turn: Turn, state: State) -> None:
    """Do what the form was for, under the command's rule as it stands now (the sender
    may have lost the role meanwhile); its effects roll back together on a refusal."""
    form, answers = state.form, state.answers
    args = [str(answers[step.key]) for step in form.steps] if form.finish is None else []
    found = authorise(turn, form.name, args)  # bare, a finishing form's rule is the form's
    with turn.uow.savepoint():
        turn.register()
        if form.finish is None:
            found.function(turn, args)
        else:
            form.finish(turn, answers)
