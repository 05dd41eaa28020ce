"""The front door: one incoming message in, one transaction of effects out.

Recording the message in the inbox, its effects and the messages it causes all
commit together, so a redelivered message changes nothing and a crash loses
nothing. A refusal rolls the command's effects back to a savepoint and answers
with the reason instead.

Who may use a command, and where, is checked here before it runs, from the rule it
declares (handlers/registry.py): the commands themselves no longer check roles.
"""

from __future__ import annotations

import logging
from datetime import datetime

import handlers.commands  # noqa: F401  (registers the commands)
from domain.errors import Refusal
from domain.ports import Clock, UnitOfWorkFactory
from handlers import assembly_form, conversations
from handlers.incoming import Incoming
from handlers.parsing import parse_command
from handlers.registry import authorise
from handlers.turn import Turn

log = logging.getLogger(__name__)


def route(turn: Turn) -> None:
    line = parse_command(turn.msg.text)
    if line is None:
        custom = turn.uow.conversations.get(turn.msg.platform, turn.msg.chat_id, turn.msg.user_id)
        if custom is not None and custom[0] == assembly_form.NAME:
            assembly_form.answer(turn, custom[1], turn.msg.text)
            return
        state = conversations.load_state(turn)
        if state is None:
            return  # ordinary chatter: not for us
        flow, given = state
        complete = conversations.answer(turn, flow, given, turn.msg.text)
        if complete is not None:
            conversations.end_state(turn)
            run(turn, flow.command, complete)
        return
    if line.name == "cancel":
        turn.reply("cancelled" if conversations.end_state(turn) else "nothing_to_cancel")
        return
    flow = conversations.FLOWS.get(line.name)
    if flow is not None and len(line.args) < flow.required:
        authorise(turn, line.name, line.args)
        # Starting a form replaces one in progress; any other command leaves it be,
        # so someone can check /bonds halfway through /propose and carry on.
        with turn.uow.savepoint():
            conversations.start(turn, flow, line.args)
        return
    run(turn, line.name, line.args)


def run(turn: Turn, name: str, args: list[str]) -> None:
    """Check the command's rule, then run it; its sender becomes known to minga in the
    same savepoint, so a refusal leaves no person or account behind."""
    found = authorise(turn, name, args)
    with turn.uow.savepoint():
        turn.register()
        found.function(turn, args)


class Dispatcher:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def handle(self, msg: Incoming) -> bool:
        """Process one message exactly once; False when it was a redelivery."""
        now: datetime = self.clock()
        try:
            return self._handle(msg, now)
        except Exception:
            log.exception("failed to handle %s %s", msg.platform, msg.message_id)
            return self._record_failure(msg, now)

    def _handle(self, msg: Incoming, now: datetime) -> bool:
        with self.uow_factory() as uow:
            if not uow.inbox.record(msg.platform, msg.message_id, now):
                return False
            turn = Turn.start(uow, msg, now)
            try:
                route(turn)
            except Refusal as refusal:
                turn.outgoing.clear()
                turn.forget_rolled_back()
                turn.refuse(refusal.code, **refusal.params)
            turn.acknowledge_button()
            uow.outbox.add(turn.outgoing, now)
            uow.commit()
            return True

    def _record_failure(self, msg: Incoming, now: datetime) -> bool:
        """A bug must not make the platform redeliver the message forever."""
        with self.uow_factory() as uow:
            if not uow.inbox.record(msg.platform, msg.message_id, now):
                return False
            turn = Turn.start(uow, msg, now)
            turn.reply("internal_error")
            turn.acknowledge_button()
            uow.outbox.add(turn.outgoing, now)
            uow.commit()
            return True
