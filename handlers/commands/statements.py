"""/statement: a member's own money, always by DM.

Also for a former member who left holding bonds: those are still repaid to them,
so their statements are still theirs to read (nothing else a member does is).
"""

from __future__ import annotations

from domain.errors import Refusal
from domain.model import Commune, Member
from domain.periods import Period
from handlers.access import Rule, Who
from handlers.registry import command
from handlers.statements import statements
from handlers.turn import Turn


def _whose(turn: Turn) -> tuple[Commune, Member]:
    """The commune and the membership the statement is about: the member's own, or
    else that of a former member who left holding bonds (the rule let them in)."""
    if turn.member is not None:
        return turn.require_commune(), turn.member
    former = turn.former_bondholder()
    if former is None:
        raise RuntimeError("/statement ran for someone its rule refuses")
    return former


@command("statement", Rule(Who.HOLDER), where_note="answers by DM")
def statement(turn: Turn, args: list[str]) -> None:
    commune, member = _whose(turn)
    if len(args) > 1:
        raise Refusal("usage", command="statement", example="/statement 2027-01")
    if args:
        period = Period.parse(args[0])
        if turn.uow.clearings.get(commune.id, str(period)) is None:
            # The commune's books, not the member's money: said where it was asked.
            raise Refusal("not_cleared", period=str(period))
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
