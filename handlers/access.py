"""Who may use a command, and in which kind of chat.

Each command declares its rule once, with the command (handlers/registry.py). The
dispatcher checks it before the command runs, ``/help`` lists what the rule lets
the asker use there, and the command table in docs/commands.md is rendered from it
(handlers/command_table.py), so the three cannot drift apart again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from domain.errors import Refusal
from handlers.turn import Turn


class Who(Enum):
    """Ordered from the widest to the narrowest; /help and the docs list in this order."""

    ANYONE = "anyone"  # no commune needed: /help, /lang, /link
    PLATFORM_ADMIN = "platform admin"  # a group admin of the chat platform: only /setup
    PUBLIC = "anyone in the group"  # the commune's open books; by DM, its members
    HOLDER = "member or bondholder"  # a member, or a former member still holding bonds
    MEMBER = "member"
    TREASURER = "treasurer"
    ADMIN = "admin"


WHO_ORDER = {who: index for index, who in enumerate(Who)}


class Where(Enum):
    BOTH = "group, DM"
    GROUP = "group only"
    DM = "DM only"


@dataclass(frozen=True)
class Rule:
    who: Who
    where: Where = Where.BOTH
    elsewhere: str = ""  # the refusal in the other kind of chat, when ``where`` is one kind
    #: The refusal for a member without the role, when the role's usual one would
    #: misname what the command does (not_treasurer speaks of recording money).
    denied: str = ""

    def check(self, turn: Turn) -> None:
        """Raise the refusal that says why not; return when the sender may, here."""
        private = turn.msg.chat_is_private
        if (self.where is Where.GROUP and private) or (self.where is Where.DM and not private):
            raise Refusal(self.elsewhere)
        if self.who is Who.ANYONE:
            return
        if self.who is Who.HOLDER and turn.member is None and turn.former_bondholder():
            return  # their statements are still theirs to read
        if self.who is Who.PLATFORM_ADMIN:
            if turn.chat is not None and turn.chat.commune_id is not None:
                raise Refusal("already_setup", commune=turn.commune.name if turn.commune else "")
            if not turn.msg.sender_is_platform_admin:
                raise Refusal("setup_not_admin")
            return
        commune = turn.commune
        if commune is None:
            # By DM minga knows the commune only through the sender's membership.
            raise Refusal("no_commune_private" if private else "no_commune_here")
        if self.who is Who.PUBLIC:
            return
        member = turn.member
        if member is None:
            raise Refusal("not_member", commune=commune.name)
        if self.who is Who.TREASURER and not member.is_treasurer:
            raise Refusal(self.denied or "not_treasurer")
        if self.who is Who.ADMIN and not member.is_admin:
            raise Refusal("not_admin")

    def allows(self, turn: Turn) -> bool:
        try:
            self.check(turn)
        except Refusal:
            return False
        return True

    def label(self) -> str:
        """The docs' "who" cell."""
        return {
            Who.ANYONE: "anyone",
            Who.PLATFORM_ADMIN: "a group admin of the platform",
            Who.PUBLIC: "anyone (by DM: member)",
            Who.HOLDER: "member, or former member holding bonds",
        }.get(self.who, self.who.value)

    def place(self) -> str:
        """The docs' "where" cell."""
        if self.who is Who.PLATFORM_ADMIN:
            return "group without a commune"
        if self.who is Who.ANYONE and self.where is Where.BOTH:
            return "anywhere"
        return self.where.value


#: The refusals a rule answers with about roles (and ``elsewhere`` about the chat); the
#: commands never answer these themselves (tests/test_trust_roles.py).
ROLE_REFUSALS = frozenset(
    {
        "already_setup",
        "setup_not_admin",
        "no_commune_private",
        "no_commune_here",
        "not_member",
        "not_treasurer",
        "not_admin",
    }
)
