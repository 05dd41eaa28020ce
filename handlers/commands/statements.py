"""/statement: a member's own money, always by DM."""

from __future__ import annotations

from domain.errors import Refusal
from domain.periods import Period
from handlers.access import Rule, Who
from handlers.registry import command
from handlers.statements import statements
from handlers.turn import Turn


@command("statement", Rule(Who.MEMBER), where_note="answers by DM")
def statement(turn: Turn, args: list[str]) -> None:
    member = turn.speaker
    commune = turn.require_commune()
    if len(args) > 1:
        raise Refusal("usage", command="statement", example="/statement 2027-01")
    if args:
        period = Period.parse(args[0])
    else:
        latest = turn.uow.clearings.latest(commune.id)
        if latest is None:
            raise Refusal("no_clearing_yet")
        period = Period.parse(latest.period)
    found = statements(turn.uow, commune, period, only_member=member.id)
    if not turn.msg.chat_is_private:
        turn.reply("sent_by_dm", name=member.name)
    if not found:
        turn.reply_privately("no_statement", period=str(period))
        return
    for message in found:
        turn.reply_privately(message.template, **message.context)
