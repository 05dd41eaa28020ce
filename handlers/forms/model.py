"""What a form is made of: questions as data, each with the check that reads its answer.

A check is the same function the one-line command uses for that argument (or calls
it), so a form and its command refuse the same things with the same words. It gets
the answers so far, because some questions depend on earlier ones (an assembly's
closing time is read after its opening).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from handlers.turn import Turn

#: An answer as the form keeps it between messages: JSON, so a restart loses nothing.
Answer = str | int | bool | None | list["Answer"]
Answers = dict[str, Answer]
Check = Callable[[Turn, str, Answers], Answer]
Context = Callable[[Answers], Mapping[str, object]]
Finish = Callable[[Turn, Answers], None]

#: Words that end a repeated question, in every language minga speaks.
DONE = frozenset({"done", "hecho", "listo", "fet", "fin", "end", "ya", "prou"})


def _no_context(answers: Answers) -> Mapping[str, object]:
    return {}


def _always(answers: Answers) -> bool:
    return True


def _nothing_more(turn: Turn) -> None:
    """The dispatcher has checked the command's rule; nothing else to check first."""


@dataclass(frozen=True)
class Repeat:
    """A question asked again and again (an assembly's motions) until ``DONE``.

    The answers are a list; after each one minga says ``noted`` (with ``count``) rather
    than asking again, and ``DONE`` with none given is refused with ``empty``.
    """

    noted: str  # template acknowledging one more answer
    empty: str  # refusal code for DONE before any answer


@dataclass(frozen=True)
class Step:
    key: str  # where the answer is kept
    prompt: str  # template that asks for it
    check: Check  # the answer as the form keeps it, or a Refusal (asked again)
    context: Context = _no_context  # what the prompt shows of earlier answers
    quick: tuple[str, ...] = ()  # answers worth a button, where an adapter has them
    repeat: Repeat | None = None
    asked: Callable[[Answers], bool] = _always  # False: skipped, its answer None


@dataclass(frozen=True)
class Confirm:
    """A last question: the summary of every answer; yes does it, no drops it."""

    prompt: str  # template given ``summary``
    summary: Callable[[Answers], Mapping[str, object]]
    quick: tuple[str, ...] = ("yes", "no")


@dataclass(frozen=True)
class Form:
    """A command's step-by-step form, started when it is given too few arguments.

    ``name`` is the command: the form keeps its rule (checked when it starts and again
    when it ends). Without ``finish`` the answers, in order, become the command's
    arguments and the one-line command runs; with it, ``finish`` does the work.
    """

    name: str
    intro: str  # template that says what the form is for and how to leave it
    steps: tuple[Step, ...]
    complete_with: int  # arguments that make the one-line command complete; fewer start it
    confirm: Confirm | None = None
    finish: Finish | None = None
    precheck: Callable[[Turn], None] = _nothing_more  # beyond the command's rule
    in_commune: bool = False  # every answer is read in the commune's terms

    @property
    def questions(self) -> int:
        """How many questions it asks, the summary included: "step n of m"."""
        return len(self.steps) + (self.confirm is not None)

    def quick_answers(self) -> dict[str, tuple[str, ...]]:
        """Quick answers by the template that asks for them."""
        found: dict[str, tuple[str, ...]] = {}
        for step in self.steps:
            if step.quick:
                found[step.prompt] = step.quick
                if step.repeat is not None:
                    found[step.repeat.noted] = step.quick
        if self.confirm is not None:
            found[self.confirm.prompt] = self.confirm.quick
        return found
