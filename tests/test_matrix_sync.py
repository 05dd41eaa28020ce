"""What a /sync response brings (bot/matrix/sync.py), and how the inbox keeps it.

Pure: no homeserver. Responses are built from the JSON a homeserver sends, rooms
as matrix-nio keeps them after that sync.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from nio import MatrixRoom, SyncResponse

from bot.matrix.inbox import payload, stored
from bot.matrix.sync import (
    Classified,
    Invited,
    Joined,
    Reacted,
    Said,
    Undecrypted,
    Unreacted,
    classify,
    gaps,
    incoming,
    power_level,
    room_creators,
    vote_choice,
)

ME = "@minga:example.org"
ANA = "@ana:example.org"
BEN = "@ben:example.org"
ROOM = "!garden:example.org"


def message(event_id: str, body: str, sender: str = ANA, **content: Any) -> dict[str, Any]:
    return {
        "type": "m.room.message",
        "event_id": event_id,
        "sender": sender,
        "origin_server_ts": 1,
        "content": {"msgtype": "m.text", "body": body, **content},
    }


def member(user_id: str, membership: str, before: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "m.room.member",
        "event_id": f"$member-{user_id}-{membership}",
        "sender": user_id,
        "state_key": user_id,
        "origin_server_ts": 1,
        "content": {"membership": membership},
    }
    if before is not None:
        event["unsigned"] = {"prev_content": {"membership": before}}
    return event


def encrypted(event_id: str) -> dict[str, Any]:
    return {
        "type": "m.room.encrypted",
        "event_id": event_id,
        "sender": ANA,
        "origin_server_ts": 1,
        "content": {
            "algorithm": "m.megolm.v1.aes-sha2",
            "ciphertext": "AwgAEn...",
            "sender_key": "curve-key",
            "session_id": "session",
            "device_id": "ANADEVICE",
        },
    }


def response(
    timeline: list[dict[str, Any]] | None = None,
    invites: dict[str, list[dict[str, Any]]] | None = None,
    limited: bool = False,
    state: list[dict[str, Any]] | None = None,
) -> SyncResponse:
    join = {}
    if timeline is not None or state is not None:
        join[ROOM] = {
            "timeline": {"events": timeline or [], "limited": limited, "prev_batch": "gap-end"},
            "state": {"events": state or []},
        }
    raw = {
        "next_batch": "s42",
        "rooms": {
            "join": join,
            "invite": {
                room_id: {"invite_state": {"events": events}}
                for room_id, events in (invites or {}).items()
            },
            "leave": {},
        },
    }
    answer = SyncResponse.from_dict(raw)
    assert isinstance(answer, SyncResponse), answer
    return answer


def garden(encrypted: bool = False) -> MatrixRoom:
    room = MatrixRoom(ROOM, ME, encrypted=encrypted)
    room.add_member(ANA, "Ana", None)
    room.add_member(BEN, None, None)
    room.add_member(ME, "minga", None)
    room.name = "Garden"
    return room


def run(answer: SyncResponse, since: str | None = "s41", **rooms: Any) -> Classified:
    known = rooms.get("rooms", {ROOM: garden()})
    return classify(answer, ME, since, known, rooms.get("creators", {}), rooms.get("filled"))


def test_an_invite_of_the_bot_is_staged_even_on_the_first_start() -> None:
    answer = response(
        timeline=[message("$old", "!setup Old EUR")],
        invites={
            "!dm:example.org": [
                {
                    "type": "m.room.member",
                    "sender": ANA,
                    "state_key": ME,
                    "content": {"membership": "invite", "is_direct": True},
                },
                {  # someone else invited to the same room: not for us
                    "type": "m.room.member",
                    "sender": ANA,
                    "state_key": BEN,
                    "content": {"membership": "invite"},
                },
            ]
        },
    )
    found = run(answer, since=None)
    assert found.staged == [Invited("invite:!dm:example.org:s42", "!dm:example.org", ANA, True)]
    assert found.joins == []
    assert found.next_batch == "s42"


def test_messages_in_a_joined_room_are_said_by_name() -> None:
    answer = response(
        timeline=[
            message("$1", "!help"),
            message("$2", "hello", sender=BEN),
            message("$4", "!help", sender="@cy:example.org"),
            message("$mine", "a notice of ours", sender=ME),
            message("$3", "* !help", **{"m.relates_to": {"rel_type": "m.replace"}}),
        ]
    )
    found = run(answer)
    assert found.staged == [
        Said("$1", ROOM, ANA, "Ana", "Garden", False, "!help"),
        Said("$2", ROOM, BEN, BEN, "Garden", False, "hello"),  # no display name: nio's
        Said("$4", ROOM, "@cy:example.org", "cy", "Garden", False, "!help"),  # not a member yet
    ]


def test_nothing_from_before_the_bot_joined_and_members_joining_after() -> None:
    answer = response(
        timeline=[
            message("$before", "!setup Garden EUR"),
            member(ME, "join", before="invite"),
            message("$after", "!help"),
            member(BEN, "join", before="invite"),
            member(ANA, "join", before="join"),  # a new display name, not a join
        ]
    )
    found = run(answer)
    assert [item.event_id for item in found.staged] == ["$after"]
    assert found.joins == [Joined(ROOM, BEN)]


def test_an_undecrypted_message_keeps_its_event_to_try_again() -> None:
    found = run(response(timeline=[encrypted("$secret")]), rooms={ROOM: garden(encrypted=True)})
    [item] = found.staged
    assert isinstance(item, Undecrypted)
    assert (item.event_id, item.room_id) == ("$secret", ROOM)
    assert item.source["content"]["session_id"] == "session"
    assert found.encrypted_rooms == frozenset({ROOM})


def test_a_room_nio_does_not_know_yields_no_message() -> None:
    assert run(response(timeline=[message("$1", "!help")]), rooms={}).staged == []


def test_a_limited_timeline_is_completed_with_the_filled_gap_first() -> None:
    answer = response(timeline=[message("$new", "!help")], limited=True)
    assert gaps(answer, "s41") == {ROOM: "gap-end"}
    assert gaps(answer, None) == {}  # the first start skips the backlog anyway
    assert gaps(response(timeline=[message("$new", "!help")]), "s41") == {}
    filled = response(timeline=[message("$gap", "!coop new Pan")]).rooms.join[ROOM].timeline.events
    found = run(answer, filled={ROOM: filled})
    assert [item.event_id for item in found.staged] == ["$gap", "$new"]


def test_moderators_and_room_creators_are_admins() -> None:
    room = garden()
    room.power_levels.users[BEN] = 50
    found = run(response(timeline=[message("$1", "!setup", sender=BEN)]), rooms={ROOM: room})
    assert [item.admin for item in found.staged if isinstance(item, Said)] == [True]
    creators = {ROOM: {ANA}}
    assert power_level(room, ANA, creators) == 0  # before room version 12: power levels only
    room.room_version = "12"
    assert power_level(room, ANA, creators) == float("inf")
    assert power_level(room, BEN, creators) == 50


def test_room_creators_come_from_the_create_event() -> None:
    create = {
        "type": "m.room.create",
        "event_id": "$create",
        "sender": ANA,
        "state_key": "",
        "origin_server_ts": 1,
        "content": {"room_version": "12", "additional_creators": [BEN]},
    }
    assert room_creators(response(state=[create])) == {ROOM: {ANA, BEN}}
    assert room_creators(response(timeline=[message("$1", "hi")])) == {}


def test_a_dm_is_private_with_no_title_and_no_admin() -> None:
    said = Said("$1", ROOM, ANA, "Ana", "Garden", True, "!statement")
    group, private = incoming(said, private=False), incoming(said, private=True)
    assert (group.chat_title, group.sender_is_platform_admin) == ("Garden", True)
    assert (private.chat_title, private.sender_is_platform_admin) == ("", False)
    assert (private.platform, private.message_id, private.chat_id) == ("matrix", "$1", ROOM)


def test_the_inbox_keeps_what_a_sync_staged() -> None:
    invite = Invited("invite:!dm:example.org:s42", "!dm:example.org", ANA, True)
    secret = Undecrypted("$secret", ROOM, encrypted("$secret"))
    said = incoming(Said("$1", ROOM, ANA, "Ana", "Garden", False, "!help"), private=False)
    for event_id, item in ((invite.event_id, invite), ("$secret", secret), ("$1", said)):
        assert stored(event_id, payload(item)) == item
    assert stored("$x", None) is None
    assert stored("$x", '{"kind": "something else"}') is None


def reaction(event_id: str, target: str, key: str, sender: str = ANA) -> dict[str, Any]:
    return {
        "type": "m.reaction",
        "event_id": event_id,
        "sender": sender,
        "origin_server_ts": 1,
        "content": {"m.relates_to": {"rel_type": "m.annotation", "event_id": target, "key": key}},
    }


def redaction(event_id: str, redacts: str, sender: str = ANA, in_content: bool = False) -> dict:
    event: dict[str, Any] = {
        "type": "m.room.redaction",
        "event_id": event_id,
        "sender": sender,
        "origin_server_ts": 1,
        "content": {"redacts": redacts} if in_content else {},
    }
    if not in_content:
        event["redacts"] = redacts
    return event


def test_vote_reactions_are_staged_and_other_keys_are_nothing() -> None:
    answer = response(
        timeline=[
            reaction("$r1", "$motion", "👍"),
            reaction("$r2", "$motion", "👎\ufe0f", sender=BEN),  # variation selector
            reaction("$r3", "$motion", "🤷🏽‍♀️"),  # skin tone, gender
            reaction("$r4", "$motion", "❤️"),
            reaction("$r5", "$motion", "👍", sender=ME),
        ]
    )
    ana = Said("$r1", ROOM, ANA, "Ana", "Garden", False, "")
    assert run(answer).staged == [
        Reacted(ana, "$motion", "yes"),
        Reacted(Said("$r2", ROOM, BEN, BEN, "Garden", False, ""), "$motion", "no"),
        Reacted(replace(ana, event_id="$r3"), "$motion", "abstain"),
    ]


def test_a_redaction_is_staged_with_what_it_takes_back() -> None:
    answer = response(
        timeline=[
            redaction("$x1", "$r1"),
            redaction("$x2", "$r2", sender=BEN, in_content=True),  # room version 11 on
            redaction("$x3", "$r3", sender=ME),
        ]
    )
    found = run(answer).staged
    assert found == [
        Unreacted(Said("$x1", ROOM, ANA, "Ana", "Garden", False, ""), "$r1"),
        Unreacted(Said("$x2", ROOM, BEN, BEN, "Garden", False, ""), "$r2"),
    ]
    assert [item.event_id for item in found] == ["$x1", "$x2"]


def test_reactions_before_the_first_start_are_not_for_minga() -> None:
    answer = response(timeline=[reaction("$r1", "$motion", "👍"), redaction("$x1", "$r1")])
    assert run(answer, since=None).staged == []


@pytest.mark.parametrize(
    ("key", "choice"),
    [
        ("👍", "yes"),
        ("👍\ufe0f", "yes"),
        ("👍🏿", "yes"),
        ("👎", "no"),
        ("👎\ufe0f", "no"),
        ("🤷", "abstain"),
        ("🤷\ufe0f", "abstain"),
        ("🤷‍♂️", "abstain"),
        ("❤️", None),
        ("+1", None),
        ("👍👍", None),
        ("", None),
    ],
)
def test_vote_choice_of_a_reaction_key(key: str, choice: str | None) -> None:
    assert vote_choice(key) == choice
