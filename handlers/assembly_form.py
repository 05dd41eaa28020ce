"""/assembly as a conversation: one question at a time, then a summary to confirm.

Every answer is checked when given and a wrong one is asked again with an example;
dates in words ("jueves 18:00") are echoed back as exact dates; the state is in the
conversation table, so a restart of the bot loses nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain import names
from domain.assemblies import (
    Threshold,
    threshold_words,
    validate_opening,
    validate_quorum,
    validate_schedule,
)
from domain.errors import Refusal
from handlers.registry import authorise
from handlers.turn import Turn
from handlers.when import parse_closing, parse_moment, parse_quorum, parse_repeat, parse_yes_no

NAME = "assembly"
STEPS = ("title", "opens", "closes", "quorum", "repeat", "secret", "binding", "motions", "confirm")
_DONE = {"done", "hecho", "listo", "fet", "fin", "end", "ya", "prou"}
_THRESHOLD_WORDS = threshold_words()


def _key(turn: Turn) -> tuple[str, str, str]:
    return turn.msg.platform, turn.msg.chat_id, turn.msg.user_id


def _save(turn: Turn, data: dict[str, Any]) -> None:
    turn.uow.conversations.save(*_key(turn), NAME, data, turn.now)


def start(turn: Turn) -> None:
    _save(turn, {"step": "title", "motions": []})
    turn.reply("form_assembly")
    _ask(turn, {"step": "title"})


def position(data: dict[str, Any]) -> int:
    """Which question the form waits at (1-based), so an adapter's answer buttons
    apply only while it is still that question."""
    return STEPS.index(data["step"]) + 1


def parse_motion(text: str) -> tuple[str, Threshold]:
    """'Buy a tractor — two-thirds' -> ('Buy a tractor', TWO_THIRDS); majority by default."""
    cleaned = names.clean(text, names.MOTION)
    lowered = cleaned.lower()
    for word in sorted(_THRESHOLD_WORDS, key=len, reverse=True):
        if lowered.endswith(word) and len(lowered) > len(word):
            motion = cleaned[: -len(word)].rstrip(" -—–;,:|(").strip()
            if motion:
                return motion, _THRESHOLD_WORDS[word]
    return cleaned, Threshold.MAJORITY


def _moment(data: dict[str, Any], key: str) -> datetime:
    return datetime.fromisoformat(data[key])


def _ask(turn: Turn, data: dict[str, Any]) -> None:
    step = data["step"]
    form = {"form": NAME, "answerer": turn.msg.user_id, "step": position(data)}
    if step == "title":
        turn.reply("ask_assembly_title", **form)
    elif step == "opens":
        turn.reply("ask_assembly_opens", **form)
    elif step == "closes":
        turn.reply("ask_assembly_closes", opens=data["opens"], **form)
    elif step == "quorum":
        turn.reply("ask_assembly_quorum", opens=data["opens"], closes=data["closes"], **form)
    elif step == "repeat":
        turn.reply("ask_assembly_repeat", **form)
    elif step == "secret":
        turn.reply("ask_assembly_secret", **form)
    elif step == "binding":
        turn.reply("ask_assembly_binding", **form)
    elif step == "motions":
        turn.reply("ask_motion", count=len(data["motions"]), **form)
    elif step == "confirm":
        turn.reply("assembly_summary", summary=_summary(data), **form)


def _summary(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": data["title"],
        "opens": data["opens"],
        "closes": data["closes"],
        "quorum": data["quorum"],
        "repeat_weeks": data["repeat"],
        "secret": data["secret"],
        "binding_present": data["binding"],
        "motions": [{"text": t, "threshold": h} for t, h in data["motions"]],
    }


def _take(turn: Turn, data: dict[str, Any], text: str) -> bool:
    """Store one answer in ``data``; True when the form is confirmed and complete."""
    commune = turn.require_commune()
    step = data["step"]
    if step == "title":
        data["title"] = names.clean(text.strip().strip('"'), names.TITLE)
    elif step == "opens":
        opens = parse_moment(text, commune.timezone, turn.locale, turn.now)
        validate_opening(opens, turn.now)
        data["opens"] = opens.isoformat()
    elif step == "closes":
        opens = _moment(data, "opens")
        closes = parse_closing(text, opens, commune.timezone, turn.locale, turn.now)
        validate_schedule(opens, closes, turn.now)
        data["closes"] = closes.isoformat()
    elif step == "quorum":
        data["quorum"] = parse_quorum(text)
        validate_quorum(data["quorum"])
    elif step == "repeat":
        data["repeat"] = parse_repeat(text)
    elif step == "secret":
        data["secret"] = parse_yes_no(text)
    elif step == "binding":
        data["binding"] = parse_yes_no(text)
    elif step == "motions":
        if text.strip().lower() in _DONE:
            if not data["motions"]:
                raise Refusal("no_motions")
        else:
            motion, threshold = parse_motion(text)
            data["motions"].append([motion, threshold.value])
            return False  # stay on this step for the next motion
    elif step == "confirm":
        if not parse_yes_no(text):
            raise _Cancelled
        return True
    data["step"] = STEPS[STEPS.index(step) + 1]
    return False


class _Cancelled(Exception):
    pass


def answer(turn: Turn, data: dict[str, Any], text: str) -> None:
    """Take the next answer; create the assembly once the summary is confirmed."""
    from handlers.commands.assemblies import create

    step = data["step"]
    try:
        complete = _take(turn, data, text)
    except _Cancelled:
        turn.uow.conversations.end(*_key(turn))
        turn.reply("cancelled")
        return
    except Refusal as refusal:
        turn.reply(f"refusal/{refusal.code}", **refusal.params)
        _ask(turn, data)
        return
    if complete:
        turn.uow.conversations.end(*_key(turn))
        authorise(turn, NAME, [])  # still an admin when confirming: the bare /assembly rule
        with turn.uow.savepoint():
            create(
                turn,
                data["title"],
                _moment(data, "opens"),
                _moment(data, "closes"),
                data["quorum"],
                data["repeat"],
                data["secret"],
                data["binding"],
                [(t, Threshold(h)) for t, h in data["motions"]],
            )
        return
    _save(turn, data)
    if step == "motions" and data["step"] == "motions":
        turn.reply(
            "motion_noted",
            count=len(data["motions"]),
            form=NAME,
            answerer=turn.msg.user_id,
            step=position(data),
        )
        return
    _ask(turn, data)
