"""A /sync response as what minga does with it.

- an invite of the bot -> ``Invited`` (joined or declined later, from the inbox);
- a text message in a joined room -> ``Said`` (an ``Incoming`` once the database
  says whether the room is the sender's DM); an edit is not a new message;
- an encrypted event nio could not decrypt yet -> ``Undecrypted`` (tried again
  from the inbox when its room key arrives);
- a member joining a room -> ``Joined`` (messages held back for their DM may go);
- a 👍, 👎 or 🤷 reaction -> ``Reacted``, a redaction -> ``Unreacted`` (a vote, or its
  withdrawal, once the database says the target is a motion's notice:
  bot/matrix/reactions.py); any other reaction is nothing.

Whatever happened in a room before the bot joined it is not for minga, and on the
very first start (no saved token) neither is the backlog: only invites count.
A ``limited`` timeline has a gap: ``gaps`` names where, the receiver fetches the
missing events with ``/messages`` and hands them to ``classify``.

Pure: no I/O here, so it is tested without a server (tests/test_matrix_sync.py).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nio import (
    Event,
    InviteMemberEvent,
    MatrixRoom,
    MegolmEvent,
    ReactionEvent,
    RoomCreateEvent,
    RoomMemberEvent,
    RoomMessageText,
    SyncResponse,
)

from handlers.incoming import Incoming

PLATFORM = "matrix"
ADMIN_POWER = 50  # Element's "Moderator": may run !setup
# Room versions in which creators are ordinary users with a power level.
LEGACY_ROOM_VERSIONS = frozenset(str(version) for version in range(1, 12))


@dataclass(frozen=True)
class Invited:
    event_id: str  # ours: ``invite:<room>:<sync token>``, an invite has no event id
    room_id: str
    inviter: str
    is_direct: bool


@dataclass(frozen=True)
class Said:
    event_id: str
    room_id: str
    sender: str
    name: str
    title: str
    admin: bool  # a moderator or more in the room (always False once it is a DM)
    text: str


@dataclass(frozen=True)
class Undecrypted:
    event_id: str
    room_id: str
    source: dict[str, Any]  # the encrypted event as it came, to decrypt later


@dataclass(frozen=True)
class Joined:
    room_id: str
    user_id: str


@dataclass(frozen=True)
class Reacted:
    said: Said  # who reacted, where (``text`` is written once the target is known)
    target: str  # the event reacted to
    choice: str  # yes, no or abstain

    @property
    def event_id(self) -> str:
        return self.said.event_id


@dataclass(frozen=True)
class Unreacted:
    said: Said  # who redacted, where
    redacts: str  # the event taken back: perhaps a vote reaction

    @property
    def event_id(self) -> str:
        return self.said.event_id


#: What a sync stages in the inbox, in the order it came.
Staged = Invited | Said | Undecrypted | Reacted | Unreacted

#: A reaction's key as a vote (after ``bare_key``).
VOTE_KEYS = {"\N{THUMBS UP SIGN}": "yes", "\N{THUMBS DOWN SIGN}": "no", "\N{SHRUG}": "abstain"}
_GENDER = ("\N{ZERO WIDTH JOINER}\N{FEMALE SIGN}", "\N{ZERO WIDTH JOINER}\N{MALE SIGN}")


@dataclass(frozen=True)
class Classified:
    next_batch: str
    staged: list[Staged]
    joins: list[Joined]
    encrypted_rooms: frozenset[str]  # every room nio knows to be encrypted


def power_level(room: MatrixRoom, user_id: str, creators: Mapping[str, Collection[str]]) -> float:
    """The user's power in the room; a creator's is infinite from room version 12."""
    if room.room_version not in LEGACY_ROOM_VERSIONS and user_id in creators.get(room.room_id, ()):
        return float("inf")
    return room.power_levels.get_user_level(user_id)


def room_creators(response: SyncResponse) -> dict[str, set[str]]:
    """The creators of each joined room whose ``m.room.create`` this sync carries.

    From room version 12 on they outrank every power level and are no longer
    listed in ``m.room.power_levels``; nio does not keep them.
    """
    found: dict[str, set[str]] = {}
    for room_id, info in response.rooms.join.items():
        for event in [*info.state, *info.timeline.events]:
            if isinstance(event, RoomCreateEvent):
                content = event.source.get("content", {})
                extra = content.get("additional_creators") or []
                found[room_id] = {event.sender, *extra}
    return found


def said(
    room: MatrixRoom, event: Event, creators: Mapping[str, Collection[str]], text: str | None = None
) -> Said:
    """Who sent ``event`` where, saying ``text`` (a message's body by default)."""
    sender = event.sender
    return Said(
        event_id=event.event_id,
        room_id=room.room_id,
        sender=sender,
        name=room.user_name(sender) or sender.split(":", 1)[0].lstrip("@"),
        title=room.display_name,
        admin=power_level(room, sender, creators) >= ADMIN_POWER,
        text=getattr(event, "body", "") if text is None else text,
    )


def vote_choice(key: str) -> str | None:
    """yes, no or abstain for 👍, 👎, 🤷 (with or without U+FE0F, any skin tone or
    gender); None for any other key."""
    bare = "".join(c for c in key if c != "\ufe0f" and not "\U0001f3fb" <= c <= "\U0001f3ff")
    for suffix in _GENDER:
        bare = bare.removesuffix(suffix)
    return VOTE_KEYS.get(bare)


def redacted_id(event: Event) -> str | None:
    """The event a redaction takes back: ``redacts`` at the top, or in the content
    (room version 11 on), whether or not nio could parse it."""
    source = event.source
    if source.get("type") != "m.room.redaction":
        return None
    redacts = source.get("redacts") or (source.get("content") or {}).get("redacts")
    return redacts if isinstance(redacts, str) else None


def reaction(
    room: MatrixRoom, event: Event, creators: Mapping[str, Collection[str]]
) -> Reacted | Unreacted | None:
    """A vote reaction or a redaction (perhaps of one); None for anything else."""
    if isinstance(event, ReactionEvent):
        choice = vote_choice(event.key)
        if choice is None:
            return None
        return Reacted(said(room, event, creators, ""), event.reacts_to, choice)
    redacts = redacted_id(event)
    if redacts is None:
        return None
    return Unreacted(said(room, event, creators, ""), redacts)


def incoming(message: Said, private: bool) -> Incoming:
    """What the dispatcher gets; ``private``: the room is the sender's DM with the bot."""
    return Incoming(
        platform=PLATFORM,
        message_id=message.event_id,
        chat_id=message.room_id,
        chat_is_private=private,
        user_id=message.sender,
        user_name=message.name,
        text=message.text,
        chat_title="" if private else message.title,
        sender_is_platform_admin=message.admin and not private,
    )


def is_edit(source: dict[str, Any]) -> bool:
    relates = source.get("content", {}).get("m.relates_to") or {}
    return relates.get("rel_type") == "m.replace"


def gaps(response: SyncResponse, since: str | None) -> dict[str, str]:
    """Rooms whose timeline left events out: room id -> where the gap ends (prev_batch)."""
    if since is None:
        return {}  # first start: the backlog is not for us
    return {
        room_id: info.timeline.prev_batch
        for room_id, info in response.rooms.join.items()
        if info.timeline.limited and info.timeline.prev_batch
    }


def invites(response: SyncResponse, me: str) -> list[Invited]:
    found = []
    for room_id, info in response.rooms.invite.items():
        for event in info.invite_state:
            if (
                isinstance(event, InviteMemberEvent)
                and event.state_key == me
                and event.membership == "invite"
            ):
                found.append(
                    Invited(
                        event_id=f"invite:{room_id}:{response.next_batch}",
                        room_id=room_id,
                        inviter=event.sender,
                        is_direct=bool(event.content.get("is_direct")),
                    )
                )
    return found


def since_joined(events: Sequence[Event], me: str) -> Sequence[Event]:
    """The events after the bot's own (latest) join, or all if it joined before."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if (
            isinstance(event, RoomMemberEvent)
            and event.state_key == me
            and event.membership == "join"
            and event.prev_membership != "join"
        ):
            return events[index + 1 :]
    return events


def classify(
    response: SyncResponse,
    me: str,
    since: str | None,
    rooms: Mapping[str, MatrixRoom],
    creators: Mapping[str, Collection[str]],
    filled: Mapping[str, Sequence[Event]] | None = None,
) -> Classified:
    """What this sync brought: ``rooms`` and ``creators`` as nio knows them after it,
    ``filled`` the events of each gap (``gaps``), oldest first."""
    staged: list[Staged] = list(invites(response, me))
    joins: list[Joined] = []
    encrypted = frozenset(room_id for room_id, room in rooms.items() if room.encrypted)
    if since is not None:
        for room_id, info in response.rooms.join.items():
            events = [*(filled or {}).get(room_id, ()), *info.timeline.events]
            room = rooms.get(room_id)
            for event in since_joined(events, me):
                if event.sender == me:
                    continue
                if isinstance(event, RoomMemberEvent):
                    if event.membership == "join" and event.prev_membership != "join":
                        joins.append(Joined(room_id, event.state_key))
                elif isinstance(event, RoomMessageText) and room is not None:
                    if not is_edit(event.source):
                        staged.append(said(room, event, creators))
                elif isinstance(event, MegolmEvent):
                    staged.append(Undecrypted(event.event_id, room_id, event.source))
                elif room is not None and (found := reaction(room, event, creators)):
                    staged.append(found)
    return Classified(response.next_batch, staged, joins, encrypted)
