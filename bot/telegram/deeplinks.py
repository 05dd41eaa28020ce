"""Deep links for members the bot may not write to yet.

Telegram lets a bot write to a person only once they have opened its private
chat (pressed Start). A private message that meets a 403 waits in the outbox
(bot/telegram/delivery.py); each group of the person's communes then gets one
short message naming everyone newly blocked, with a ``t.me`` link that opens the
chat. Their messages go once they press Start.
"""

from __future__ import annotations

from bot.clock import real_now
from bot.telegram.updates import PLATFORM
from handlers.invites import invite_code
from handlers.outbound import to_groups
from storage.uow import SqlUnitOfWork

MAX_NAMES = 10  # names in one deep-link notice; more are counted


def notify_blocked(uow: SqlUnitOfWork, username: str) -> int:
    """One short message per group naming everyone newly blocked, with the link to
    ``username``'s private chat; returns how many messages it queued."""
    blocked = uow.telegram.unnotified()
    if not blocked:
        return 0
    now = real_now()
    names: dict[int, list[str]] = {}
    for person in blocked:
        if person.person_id is None:
            continue
        for membership in uow.communes.memberships(person.person_id):
            names.setdefault(membership.commune_id, []).append(membership.name)
    messages = []
    for commune_id, listed in names.items():
        commune = uow.communes.get(commune_id)
        link = f"https://t.me/{username}?start={invite_code(uow, commune_id)}"
        shown = listed[:MAX_NAMES]
        messages += [
            m
            for m in to_groups(
                uow,
                commune,
                "dm_start_needed",
                names=shown,
                more=len(listed) - len(shown),
                link=link,
            )
            if m.address.platform == PLATFORM
        ]
    uow.outbox.add(messages, now)
    uow.telegram.mark_notified([person.user_id for person in blocked], now)
    return len(messages)
