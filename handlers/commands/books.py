"""/export and /chart: the open books taken away and looked at.

/export gives the treasurer the journal as a CSV file for the accountant, by DM:
it names every member's holdings and dividends, which are theirs alone, so the
group never sees it. /chart draws the commune's money per month (totals only, no
one's own money), for anyone in the group. Both files are made by the delivery
worker (handlers/attachments.py), not here.
"""

from __future__ import annotations

from domain.errors import Refusal
from domain.open_books import book_range, chart_periods
from handlers.access import Rule, Who
from handlers.attachments import chart_data, chart_request, journal_request
from handlers.registry import command
from handlers.turn import Turn


@command("export", Rule(Who.TREASURER, denied="export_not_treasurer"), where_note="answers by DM")
def export(turn: Turn, args: list[str]) -> None:
    commune = turn.require_commune()
    if len(args) > 1:
        raise Refusal("usage", command="export", example="/export 2027")
    span = book_range(args[0] if args else None)
    request = journal_request(turn.uow, commune.id, span, commune.timezone, turn.now)
    if not turn.msg.chat_is_private:
        member = turn.member
        turn.reply("export_sent_by_dm", name=member.name if member else "")
    turn.reply_privately("journal_export", span=span.label, attachment=request)


@command("chart", Rule(Who.PUBLIC))
def chart(turn: Turn, args: list[str]) -> None:
    commune = turn.require_commune()
    if len(args) > 1:
        raise Refusal("usage", command="chart", example="/chart 12")
    periods = chart_data(turn.uow, commune.id, chart_periods(args[0] if args else None))
    if not periods:
        raise Refusal("chart_nothing_cleared")
    turn.reply(
        "money_chart",
        count=len(periods),
        first=periods[0].period,
        last=periods[-1].period,
        attachment=chart_request(periods),
    )
