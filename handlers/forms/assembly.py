"""/assembly as a form: one question at a time, the motions, then a summary to confirm.

Dates in words ("jueves 18:00") are read in the member's language and kept as exact
instants, which the next question and the summary echo back, so a misreading is seen
before anything is scheduled. The checks are those of ``/assembly new`` and
``/motion`` (handlers/when.py, domain/assemblies.py); a motion may be an action, typed
as after ``/motion <assembly>`` ("rent 1 350", handlers/motion_parsing.py), and the
summary writes it out as the agenda will.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from datetime import datetime

from domain import keywords, names
from domain.actions import Action, Grant, from_stored
from domain.assemblies import (
    Threshold,
    validate_opening,
    validate_quorum,
    validate_schedule,
)
from handlers.action_views import closing_view
from handlers.forms.model import Answer, Answers, Confirm, Context, Form, Repeat, Step
from handlers.motion_parsing import parse_action, reads_as_action
from handlers.new_assembly import create_assembly
from handlers.turn import Turn
from handlers.when import (
    parse_closing,
    parse_moment,
    parse_quorum,
    parse_remote_weight,
    parse_repeat,
    parse_yes_no,
)

_SEPARATORS = " -—–;,:|("


def parse_motion(text: str) -> tuple[str, Threshold]:
    """'Buy a tractor — two-thirds' -> ('Buy a tractor', TWO_THIRDS); majority by default.
    The threshold may be written in any language minga speaks ("dos tercios")."""
    cleaned = names.clean(text, names.MOTION)
    words = cleaned.split(" ")
    for count in (2, 1):
        if len(words) <= count:
            continue
        tail = " ".join(words[-count:]).strip("()")
        motion = " ".join(words[:-count]).rstrip(_SEPARATORS).strip()
        found = keywords.read(tail, keywords.THRESHOLDS)
        if found is not None and motion:
            return motion, Threshold(found)
    return cleaned, Threshold.MAJORITY


def _moment(answers: Answers, key: str) -> datetime:
    return datetime.fromisoformat(str(answers[key]))


def _title(turn: Turn, text: str, answers: Answers) -> str:
    return names.clean(text.strip().strip('"'), names.TITLE)


def _opens(turn: Turn, text: str, answers: Answers) -> str:
    commune = turn.require_commune()
    opens = parse_moment(text, commune.timezone, turn.locale, turn.now)
    validate_opening(opens, turn.now)
    return opens.isoformat()


def _closes(turn: Turn, text: str, answers: Answers) -> str:
    commune = turn.require_commune()
    opens = _moment(answers, "opens")
    closes = parse_closing(text, opens, commune.timezone, turn.locale, turn.now)
    validate_schedule(opens, closes, turn.now)
    return closes.isoformat()


def _quorum(turn: Turn, text: str, answers: Answers) -> int | None:
    quorum = parse_quorum(text)
    validate_quorum(quorum)
    return quorum


def _repeat(turn: Turn, text: str, answers: Answers) -> int | None:
    return parse_repeat(text)


def _yes_no(turn: Turn, text: str, answers: Answers) -> bool:
    return parse_yes_no(text)


def _remote(turn: Turn, text: str, answers: Answers) -> int:
    return parse_remote_weight(text)


def _not_binding(answers: Answers) -> bool:
    """How much a remote vote weighs is asked only when those present do not decide."""
    return answers["binding"] is not True


def _weight(answers: Answers) -> int:
    """0 when binding; 100 from a form saved before the question was asked."""
    remote = answers.get("remote")
    return 0 if answers["binding"] is True else remote if isinstance(remote, int) else 100


def _words(text: str) -> list[str]:
    """The line as /motion's words; a dash before the threshold, as a text motion
    has it ("rent 1 350 — two-thirds"), is left out."""
    try:
        words = shlex.split(text.replace("“", '"').replace("”", '"'))
    except ValueError:
        return []  # unbalanced quotes: a text motion
    return [word for word in words if word not in {"-", "—", "–"}]


def _motion(turn: Turn, text: str, answers: Answers) -> list[Answer]:
    """``[text, threshold]``, or for an action ``[reason, threshold, its view]``: the
    view (JSON) is what the summary writes it from, and its stored form besides."""
    words = _words(text)
    if reads_as_action(words):
        action, reason, threshold = parse_action(turn, words)
        commune = turn.require_commune()
        view = closing_view(turn.uow, commune.id, _moment(answers, "closes"), action)
        return [reason, threshold.value, json.dumps(view)]
    motion, threshold = parse_motion(text)
    return [motion, threshold.value]


def _motions(answers: Answers) -> list[list[str]]:
    found = answers.get("motions") or []
    return [list(map(str, item)) for item in found if isinstance(item, list)]


def _view(motion: list[str]) -> dict | None:
    return json.loads(motion[2]) if len(motion) > 2 else None


def _action(motion: list[str]) -> Action | None:
    view = _view(motion)
    return from_stored(view) if view else None


def _has_grants(answers: Answers) -> bool:
    """Whether the assembly could be a budget round: asked only when a motion grants
    money from the common fund."""
    return any(isinstance(_action(m), Grant) for m in _motions(answers))


def _summary(answers: Answers) -> Mapping[str, object]:
    return {
        "title": answers["title"],
        "opens": answers["opens"],
        "closes": answers["closes"],
        "quorum": answers["quorum"],
        "repeat_weeks": answers["repeat"],
        "secret": answers["secret"],
        "binding_present": _weight(answers) == 0,
        "remote_weight": _weight(answers),
        "budget": answers.get("budget") is True,
        "motions": [
            {"text": m[0], "threshold": m[1], "action": _view(m)} for m in _motions(answers)
        ],
    }


def _schedule(turn: Turn, answers: Answers) -> None:
    quorum, repeat = answers["quorum"], answers["repeat"]
    create_assembly(
        turn,
        str(answers["title"]),
        _moment(answers, "opens"),
        _moment(answers, "closes"),
        quorum if isinstance(quorum, int) else None,
        repeat if isinstance(repeat, int) else None,
        answers["secret"] is True,
        answers["binding"] is True,
        [(m[0], Threshold(m[1]), _action(m)) for m in _motions(answers)],
        _weight(answers),
        answers.get("budget") is True,
    )


def _earlier(*keys: str) -> Context:
    """A question that shows earlier answers (the dates it follows on from)."""
    return lambda answers: {key: answers[key] for key in keys}


ASSEMBLY = Form(
    "assembly",
    "form_assembly",
    (
        Step("title", "ask_assembly_title", _title),
        Step("opens", "ask_assembly_opens", _opens),
        Step("closes", "ask_assembly_closes", _closes, context=_earlier("opens")),
        Step(
            "quorum",
            "ask_assembly_quorum",
            _quorum,
            context=_earlier("opens", "closes"),
            quick=("none",),
        ),
        Step("repeat", "ask_assembly_repeat", _repeat, quick=("no",)),
        Step("secret", "ask_assembly_secret", _yes_no, quick=("yes", "no")),
        Step("binding", "ask_assembly_binding", _yes_no, quick=("yes", "no")),
        Step(
            "remote",
            "ask_assembly_remote",
            _remote,
            quick=("100%", "50%", "0%"),
            asked=_not_binding,
        ),
        Step(
            "motions",
            "ask_motion",
            _motion,
            quick=("done",),
            repeat=Repeat(noted="motion_noted", empty="no_motions"),
        ),
        Step("budget", "ask_assembly_budget", _yes_no, quick=("yes", "no"), asked=_has_grants),
    ),
    complete_with=1,  # /assembly bare is the form; /assembly <n> shows one
    confirm=Confirm("assembly_summary", _summary),
    finish=_schedule,
    in_commune=True,
)
