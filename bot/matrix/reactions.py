"""Votes by reaction: a reaction to a motion's notice is ``!vote``, removing it withdraws.

When voting opens, each motion gets a notice of its own (handlers/ballots.py); the
deliverer keeps which event carries which motion. A member's 👍, 👎 or 🤷 on that
notice becomes the message ``!vote <motion> yes|no|abstain`` from them in that
room, stored in the inbox like any command and handled by the same handler: the
same refusals (not a voter, voting closed, a secret ballot in the group), the same
confirmation, delegation and closing rules.

Removing a vote reaction (a redaction of it) withdraws the vote (``!vote <motion>
withdraw``), unless the member has another vote reaction still on the notice: then
the latest of those is their vote again. Removing a reaction that was not the one
that counts changes nothing. A reaction to any other message, any other key, or a
redaction of anything else is not for minga (bot/matrix/sync.py filters the keys).

Runs inside the receiver's transaction (bot/matrix/receiver.py), in event order, or
for a reaction decrypted only later, the inbox's (bot/matrix/inbox.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.matrix.rooms import to_incoming
from bot.matrix.sync import Reacted, Said, Unreacted
from handlers.incoming import Incoming
from storage.uow import SqlUnitOfWork

WITHDRAW = "withdraw"


def as_vote(uow: SqlUnitOfWork, item: Reacted | Unreacted, now: datetime) -> Incoming | None:
    """The ``!vote`` a reaction or a redaction stands for; None when it is none."""
    if isinstance(item, Reacted):
        return _reacted(uow, item, now)
    return _unreacted(uow, item)


def _vote(uow: SqlUnitOfWork, said: Said, number: int, word: str) -> Incoming:
    return to_incoming(uow, replace(said, text=f"!vote {number} {word}"))


def _reacted(uow: SqlUnitOfWork, item: Reacted, now: datetime) -> Incoming | None:
    ballot = uow.matrix.ballot(item.target)
    if ballot is None or ballot.room_id != item.said.room_id:
        return None  # not a motion's notice
    said = item.said
    # Kept once; seen again (a reaction decrypted late, tried again after a crash), it is
    # the same vote, handled at most once: the dispatcher claims its inbox row.
    uow.matrix.add_reaction(said.event_id, said.room_id, said.sender, item.target, item.choice, now)
    return _vote(uow, said, ballot.number, item.choice)


def _unreacted(uow: SqlUnitOfWork, item: Unreacted) -> Incoming | None:
    removed = uow.matrix.reaction(item.redacts)
    if removed is None or removed.sender != item.said.sender:
        return None  # not a vote reaction, or a moderator's clean-up: the vote stays
    kept = uow.matrix.reactions(removed.target_event_id, removed.sender)
    uow.matrix.remove_reaction(removed.event_id)
    if kept[-1] != removed:
        return None  # an older reaction: the latest one is the vote
    ballot = uow.matrix.ballot(removed.target_event_id)
    if ballot is None:
        return None
    still = kept[:-1]
    return _vote(uow, item.said, ballot.number, still[-1].choice if still else WITHDRAW)
