"""/link: one person, several chat accounts (a Telegram and a Matrix account, say).

``/link`` in a private chat with the bot gives a one-time code. ``/link <code>``
(or ``!link <code>``) sent privately from another account, on any platform,
joins that account to the person who asked for the code: memberships, roles,
holdings and statements are then one person's, and private messages go to the
account they used last. Two accounts that are each a member of the same commune
cannot be joined: one of them leaves first.
"""

from __future__ import annotations

from datetime import timedelta

from domain.errors import Refusal
from handlers.access import Rule, Where, Who
from handlers.registry import command
from handlers.turn import Turn

CODE_LIFETIME = timedelta(minutes=15)


@command("link", Rule(Who.ANYONE, Where.DM, elsewhere="link_in_private"))
def link(turn: Turn, args: list[str]) -> None:
    person = turn.account.person_id
    if not args:
        code = turn.uow.links.new_code(person, turn.msg.platform, turn.now, CODE_LIFETIME)
        turn.reply("link_code", code=code, minutes=CODE_LIFETIME.seconds // 60)
        return
    if len(args) != 1:
        raise Refusal("usage", command="link", example="/link K7QM3XPA")
    found = turn.uow.links.take(args[0], turn.now)
    if found is None:
        raise Refusal("link_bad_code", text=args[0])
    target, platform = found
    if target == person:
        raise Refusal("link_same_person")
    shared = turn.uow.links.shared_communes(person, target)
    if shared:
        raise Refusal("link_both_members", commune=shared[0])
    turn.uow.links.merge(person, target)
    turn.reply("linked", platform=platform.capitalize())
