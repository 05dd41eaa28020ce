"""The front door: one incoming message in, one transaction of effects out.

Recording the message in the inbox, its effects and the messages it causes all
commit together, so a redelivered message changes nothing and a crash loses
nothing. A refusal rolls the command's effects back to a savepoint and answers
with the reason instead.

Before routing, flood control (domain/flood.py) takes a token for every message
addressed to minga (a command, a form's answer, a pressed button; not ordinary
chatter) from its sender's bucket in that chat. A message over the limit is not
acted on: the first one is answered with ``refusal/slow_down`` (when to go on),
the rest get silence until the bucket has refilled. The inbox is checked first,
so a redelivered message never takes a token.

Who may use a command, and where, is checked here before it runs, from the rule it
declares (handlers/registry.py): the commands themselves no longer check roles.
"""

from __future__ import annotations

import logging
from datetime import datetime

import handlers.commands  # noqa: F401  (registers the commands)
from domain.errors import Refusal
from domain.flood import FloodLimit, Verdict, instant
from domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from handlers import observe
from handlers.forms import engine as forms
from handlers.incoming import Incoming
from handlers.parsing import parse_command
from handlers.registry import authorise
from handlers.turn import Turn

log = logging.getLogger(__name__)


def route(turn: Turn) -> None:
    line = parse_command(turn.msg.text, turn.locale)
    if line is None:
        forms.answer(turn, turn.msg.text)  # to a form in progress, or chatter: not for us
        return
    if line.name == "cancel":
        turn.reply("cancelled" if forms.cancel(turn) else "nothing_to_cancel")
        return
    form = forms.starting(line.name, line.args)
    if form is not None:
        authorise(turn, line.name, line.args)
        # Starting a form replaces one in progress; any other command leaves it be,
        # so someone can check /bonds halfway through /propose and carry on.
        with turn.uow.savepoint():
            forms.start(turn, form, line.args)
        return
    run(turn, line.name, line.args)


def run(turn: Turn, name: str, args: list[str]) -> None:
    """Check the command's rule, then run it; its sender becomes known to minga in the
    same savepoint, so a refusal leaves no person or account behind."""
    found = authorise(turn, name, args)
    with turn.uow.savepoint():
        turn.register()
        found.function(turn, args)


def addressed(uow: UnitOfWork, msg: Incoming) -> bool:
    """Is this message for minga (what ``route`` would act on), not ordinary chatter?"""
    if msg.button_id is not None:
        return True
    try:
        if parse_command(msg.text) is not None:
            return True
    except Refusal:
        return True  # a command with unbalanced quotes: refused, so answered
    return forms.waiting(uow, msg.platform, msg.chat_id, msg.user_id) is not None


class Dispatcher:
    """``flood`` is the limit per sender and chat; None turns flood control off
    (the console by default, whose script lines all share one simulated instant)."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, flood: FloodLimit | None = None
    ) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.flood = flood

    def handle(self, msg: Incoming) -> bool:
        """Process one message exactly once; False when it was a redelivery.

        The time is read once the unit of work has begun, so after SQLite's write
        lock is held: a command that queued behind a clearing is dated after it.
        """
        try:
            return self._handle(msg)
        except Exception:
            log.exception("failed to handle %s %s", msg.platform, msg.message_id)
            answered = self._record_failure(msg)
            if answered:
                observe.command(msg.platform, "failed")
            return answered

    def _handle(self, msg: Incoming) -> bool:
        with self.uow_factory() as uow:
            now: datetime = self.clock()
            if not uow.inbox.record(msg.platform, msg.message_id, now):
                return False
            if not self._admitted(uow, msg, now):
                uow.commit()  # the inbox row and the bucket: nothing else
                observe.command(msg.platform, "refused", "slow_down")
                return True
            # Counted only while someone listens (minga run --metrics): it costs a query.
            counted = observe.listening() and addressed(uow, msg)
            turn = Turn.start(uow, msg, now, self.clock)
            refused = None
            try:
                route(turn)
            except Refusal as refusal:
                turn.outgoing.clear()
                turn.forget_rolled_back()
                turn.refuse(refusal.code, **refusal.params)
                refused = refusal.code
            turn.acknowledge_button()
            uow.outbox.add(turn.outgoing, now)
            uow.commit()
            if counted:
                observe.command(msg.platform, "refused" if refused else "handled", refused or "")
            return True

    def _admitted(self, uow: UnitOfWork, msg: Incoming, now: datetime) -> bool:
        """Take the message's token; over the limit, warn once and act on nothing."""
        limit = self.flood
        if limit is None or not addressed(uow, msg):
            return True
        bucket = uow.flood.take(msg.platform, msg.chat_id, msg.user_id, now, limit)
        if bucket.verdict.admitted:
            return True
        if bucket.verdict is Verdict.WARN:
            turn = Turn.start(uow, msg, now)
            turn.refuse("slow_down", seconds=limit.wait_seconds(bucket, instant(now)))
            uow.outbox.add(turn.outgoing, now)
        return False

    def _record_failure(self, msg: Incoming) -> bool:
        """A bug must not make the platform redeliver the message forever."""
        with self.uow_factory() as uow:
            now: datetime = self.clock()
            if not uow.inbox.record(msg.platform, msg.message_id, now):
                return False
            turn = Turn.start(uow, msg, now)
            turn.reply("internal_error")
            turn.acknowledge_button()
            uow.outbox.add(turn.outgoing, now)
            uow.commit()
            return True
