"""Which ``!vote`` a reaction to a motion's notice, or its removal, stands for
(bot/matrix/reactions.py), against the stored notices and reactions; no homeserver."""

from __future__ import annotations

from datetime import UTC, datetime

from harness import ASSEMBLY_COMMUNE, ConsoleChat
from sqlalchemy import text

from bot.matrix.reactions import as_vote
from bot.matrix.sync import Reacted, Said, Unreacted

ROOM = "!garden:example.org"
ANA = "@ana:example.org"
NOW = datetime(2027, 2, 1, 17, 30, tzinfo=UTC)


def said(event_id: str, sender: str = ANA, room: str = ROOM) -> Said:
    return Said(event_id, room, sender, "ana", "Garden", False, "")


def test_reactions_to_a_motions_notice_are_votes_and_removing_them_withdraws(
    chat: ConsoleChat,
) -> None:
    chat.script(ASSEMBLY_COMMUNE)
    chat.say(
        'ana@group: /assembly new "Spring" 2027-02-01T18:00 2027-02-01T20:00',
        'ana@group: /motion 1 "Buy a tractor"',
    )
    with chat.database.engine.connect() as connection:
        motion_id, assembly_id = connection.execute(
            text("SELECT id, assembly_id FROM motion")
        ).one()
    ballot = {"assembly_id": assembly_id, "motion_id": motion_id, "number": 1}
    steps: list[tuple[Reacted | Unreacted, str | None]] = [
        (Reacted(said("$r0"), "$elsewhere", "yes"), None),  # not a motion's notice
        (Reacted(said("$r0", room="!other:example.org"), "$notice", "yes"), None),
        (Reacted(said("$r1"), "$notice", "yes"), "!vote 1 yes"),
        (Reacted(said("$r2"), "$notice", "no"), "!vote 1 no"),
        (Unreacted(said("$x1"), "$r1"), None),  # an older one: the 👎 is still the vote
        (Reacted(said("$r3"), "$notice", "abstain"), "!vote 1 abstain"),
        (Unreacted(said("$x3"), "$r3"), "!vote 1 no"),  # back to the one still there
        (Unreacted(said("$x2", sender="@mod:example.org"), "$r2"), None),  # not theirs
        (Unreacted(said("$x4"), "$unknown"), None),
        (Unreacted(said("$x2"), "$r2"), "!vote 1 withdraw"),
        (Unreacted(said("$x2b"), "$r2"), None),  # taken back already
    ]
    with chat.database.unit_of_work() as uow:
        uow.matrix.save_ballot("$notice", ROOM, ballot, NOW)
        uow.matrix.save_ballot("$notice", ROOM, ballot, NOW)  # a retried send: kept once
        found = []
        for item, _ in steps:
            vote = as_vote(uow, item, NOW)
            found.append(vote.text if vote is not None else None)
            if vote is not None:
                assert (vote.user_id, vote.chat_id, vote.message_id) == (
                    item.said.sender,
                    ROOM,
                    item.event_id,
                )
                assert not vote.chat_is_private
        uow.commit()
    assert found == [expected for _, expected in steps]
