"""/payout: the treasurer records paid what the commune owes a member (domain/payouts.py).

``/payout <member> [amount]`` pays one member (by default all they are owed);
``/payout all [YYYY-MM]`` pays everyone what clearings and sales of periods up to
that one owed them (by default everything owed), set-based. Whose money moved is
shown by DM: asked in a group, the group only reads that the answer went by DM.
"""

from __future__ import annotations

from domain.errors import Refusal
from domain.payouts import paid_out, payout_amount
from domain.periods import Period, open_period
from handlers.access import Rule, Who
from handlers.money import parse_amount
from handlers.registry import command
from handlers.turn import Turn


@command("payout", Rule(Who.TREASURER), where_note="answers by DM")
def payout(turn: Turn, args: list[str]) -> None:
    turn.require_commune()
    if not 1 <= len(args) <= 2:
        raise Refusal("usage", command="payout", example="/payout ana 25")
    # The clearing holds this lock while it pays a period out: a payout goes into the
    # period still open when this commits, and nothing owed changes meanwhile.
    commune = turn.lock_commune()
    uow = turn.uow
    latest = uow.clearings.latest(commune.id)
    period = str(
        open_period(latest.period if latest else None, commune.created_at, commune.timezone)
    )
    if args[0].lower() == "all":
        up_to = str(Period.parse(args[1])) if len(args) == 2 else None
        count, total = uow.payouts.pay_all(commune.id, up_to, period, turn.now, turn.speaker.id)
        if not count:
            raise Refusal("nothing_owed_anyone", up_to=up_to)
        _answer("payout_all_recorded", turn, count=count, amount=total, up_to=up_to)
        return
    member = uow.communes.member_by_name(commune.id, args[0].lstrip("@"))
    if member is None:
        raise Refusal("unknown_member", name=args[0])
    typed = parse_amount(args[1], commune.currency, turn.locale) if len(args) == 2 else None
    owed = uow.payouts.owed(commune.id, member.id)
    amount = payout_amount(owed, typed, member.name)
    payout_id = uow.payouts.pay(commune.id, member.id, amount, period, turn.now, turn.speaker.id)
    uow.journal.append(commune.id, paid_out(member.id, amount, payout_id), turn.now)
    rest = owed - amount
    _answer("payout_recorded", turn, name=member.name, amount=amount, rest=rest)
    if member.id != turn.speaker.id:
        turn.tell_member(member, "payout_received", amount=amount, rest=rest)


def _answer(template: str, turn: Turn, **values: object) -> None:
    """By DM; asked in a group, the group reads only that it went by DM."""
    if not turn.msg.chat_is_private:
        turn.reply("payout_sent_by_dm", name=turn.speaker.name)
    turn.reply_privately(template, **values)
