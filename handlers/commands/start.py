"""/start: someone opened the bot's private chat, maybe through an invitation link.

Chat apps send ``/start`` when a person presses Start in a bot's private chat, and
``/start <code>`` when they came through a deep link (handlers/invites.py). With
a valid code the person becomes a member of that commune, like /join in its group
(a platform with no member list has no other way to find them); the adapter
delivers their pending private messages as soon as it sees them here.
"""

from __future__ import annotations

from handlers.access import Rule, Who
from handlers.invites import commune_for_code
from handlers.members import join
from handlers.registry import command
from handlers.turn import Turn


@command("start", Rule(Who.ANYONE), listed=False)
def start(turn: Turn, args: list[str]) -> None:
    commune_id = commune_for_code(turn.uow, args[0]) if args else None
    if commune_id is None or not turn.msg.chat_is_private:
        turn.reply("start_hello", member=turn.member is not None)
        return
    turn.commune = turn.uow.communes.get(commune_id)
    found = turn.uow.communes.member_of(commune_id, turn.account.person_id)
    turn.member = found if found is not None and found.active else None
    if turn.member is not None:
        turn.reply("start_ready", name=turn.member.name)
        return
    join(turn, [])
    assert turn.member is not None
    turn.tell_group("joined", name=turn.member.name, cooperative=None)
