"""One message being handled: who said it, where, in which commune, and the replies.

A turn collects the messages it causes and writes them to the outbox only when
the command succeeded; a refusal discards them and sends the refusal instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.errors import Refusal
from domain.messages import Outgoing
from domain.model import Account, Address, Chat, Commune, Member
from domain.ports import UnitOfWork
from handlers import locales
from handlers.incoming import BUTTON_ADDRESS_PREFIX, Incoming
from handlers.outbound import commune_context, to_groups, to_member, to_members


@dataclass
class Turn:
    uow: UnitOfWork
    msg: Incoming
    now: datetime
    known: Account | None  # None: someone minga has never seen (see ``account``)
    chat: Chat | None
    commune: Commune | None
    member: Member | None
    locale: str
    outgoing: list[Outgoing] = field(default_factory=list)
    _registered: bool = False  # the account was created during this turn
    clock: Callable[[], datetime] | None = None  # to read the time again under a lock

    @classmethod
    def start(
        cls,
        uow: UnitOfWork,
        msg: Incoming,
        now: datetime,
        clock: Callable[[], datetime] | None = None,
    ) -> Turn:
        known = uow.communes.seen_account(
            msg.platform, msg.user_id, msg.user_name, msg.user_language, now
        )
        person_id = known.person_id if known else None
        chat: Chat | None = None
        commune: Commune | None = None
        member: Member | None = None
        if not msg.chat_is_private:
            chat, commune, member = uow.communes.in_chat(msg.platform, msg.chat_id, person_id)
        else:
            chat = uow.communes.chat(msg.platform, msg.chat_id)
            memberships = uow.communes.memberships(person_id) if person_id is not None else []
            if memberships:
                commune = uow.communes.get(memberships[0].commune_id)
                member = memberships[0]
        if member is not None and not member.active:
            member = None
        locale = locales.choose(
            known.person_locale if known else None,
            known.language if known else msg.user_language,
            commune.locale if commune else None,
        )
        return cls(uow, msg, now, known, chat, commune, member, locale, clock=clock)

    # who is speaking -----------------------------------------------------------------
    @property
    def account(self) -> Account:
        return self.register()

    def register(self) -> Account:
        """The sender's account, created (with its person) the first time a command
        needs it. The dispatcher calls this only once a command is allowed to run, in
        that command's savepoint: a refusal, or chatter, leaves no trace of a stranger."""
        if self.known is None:
            self.known = self.uow.communes.touch_account(
                self.msg.platform,
                self.msg.user_id,
                self.msg.user_name,
                self.msg.user_language,
                self.now,
            )
            self._registered = True
        return self.known

    def forget_rolled_back(self) -> None:
        """The command was refused and rolled back: an account it created is gone."""
        if self._registered:
            self.known, self._registered = None, False

    @property
    def person_id(self) -> int | None:
        return self.known.person_id if self.known else None

    def former_bondholder(self) -> tuple[Commune, Member] | None:
        """The commune and former membership of someone who left holding bonds: in a
        group, of that group's commune; by DM, their most recent such membership."""
        if self.person_id is None:
            return None
        here = None if self.commune is None else self.commune.id
        for former in self.uow.communes.former_bondholders(self.person_id):
            if (here is None and self.msg.chat_is_private) or former.commune_id == here:
                return self.uow.communes.get(former.commune_id), former
        return None

    def require_commune(self) -> Commune:
        """The commune spoken of. Commands declare who may use them and the dispatcher
        checks that first (handlers/access.py); this guards the rest (forms, jobs)."""
        if self.commune is None:
            raise Refusal("no_commune_private" if self.msg.chat_is_private else "no_commune_here")
        return self.commune

    @property
    def speaker(self) -> Member:
        """The member speaking, for a command declared for members (already checked)."""
        if self.member is None:
            raise RuntimeError("a command for members ran for a non-member: check its rule")
        return self.member

    def lock_commune(self) -> Commune:
        """Hold the commune's row until commit, the lock the period's clearing claims,
        then read the clock again: a command that waited for a clearing must date what
        it records after that clearing, not before (SQLite's write lock was already
        held when the turn began, so there the time does not move)."""
        commune = self.require_commune()
        self.commune = self.uow.communes.get(commune.id, lock=True)
        if self.clock is not None:
            self.now = max(self.now, self.clock())
        return self.commune

    # where replies go ---------------------------------------------------------------
    @property
    def here(self) -> Address:
        if self.msg.chat_is_private:
            return Address(self.msg.platform, self.msg.user_id, True, self.person_id)
        return Address(self.msg.platform, self.msg.chat_id, False)

    @property
    def private(self) -> Address:
        return Address(self.msg.platform, self.msg.user_id, True, self.person_id)

    @property
    def button(self) -> Address | None:
        """Where the answer on a pressed button goes; None for a typed message."""
        if self.msg.button_id is None:
            return None
        return Address(self.msg.platform, BUTTON_ADDRESS_PREFIX + self.msg.button_id, False)

    def _context(self, values: dict[str, Any]) -> dict[str, Any]:
        base = commune_context(self.commune) if self.commune else {}
        return {**base, **values}

    @property
    def group_locale(self) -> str:
        """A group has many readers: it reads the commune's language."""
        if self.commune is None:
            return self.locale
        return locales.choose(None, None, self.commune.locale)

    def _answering(self, values: dict[str, Any]) -> dict[str, Any]:
        """The context of an answer in the chat it came from: in a group, ``reply_to``
        names the message it answers (when the platform threads answers), so a group
        sees which command it answers and a form's question whom it asks."""
        context = self._context(values)
        if not self.msg.chat_is_private and self.msg.reply_to is not None:
            context["reply_to"] = self.msg.reply_to
        return context

    def reply(self, template: str, **values: Any) -> None:
        """Answer the sender, in the chat it came from and in the sender's language."""
        self.outgoing.append(Outgoing(self.here, template, self.locale, self._answering(values)))

    def post(self, template: str, **values: Any) -> None:
        """Tell the chat it came from what happened; a group reads the commune's language."""
        locale = self.locale if self.msg.chat_is_private else self.group_locale
        self.outgoing.append(Outgoing(self.here, template, locale, self._answering(values)))

    def refuse(self, code: str, **values: Any) -> None:
        """Say why not: in the chat, or for a pressed button as a short alert on it."""
        template, button = f"refusal/{code}", self.button
        if button is None:
            self.reply(template, **values)
        else:
            self.outgoing.append(Outgoing(button, template, self.locale, self._context(values)))

    def acknowledge_button(self) -> None:
        """A pressed button gets exactly one answer: its refusal, or this plain one."""
        button = self.button
        if button is not None and not any(m.address == button for m in self.outgoing):
            self.outgoing.append(Outgoing(button, "button_done", self.locale, self._context({})))

    def reply_privately(self, template: str, **values: Any) -> None:
        """Answer by DM: anything that shows the sender's own money."""
        self.outgoing.append(Outgoing(self.private, template, self.locale, self._context(values)))

    def tell_member(
        self, member: Member, template: str, dedup_key: str | None = None, **values: Any
    ) -> None:
        commune = self.require_commune()
        self.outgoing.append(to_member(self.uow, commune, member, template, dedup_key, **values))

    def tell_members(self, template: str, values_by_member: dict[int, dict[str, Any]]) -> None:
        """A private message to each of many members, their contacts looked up at once."""
        commune = self.require_commune()
        self.outgoing.extend(to_members(self.uow, commune, template, values_by_member))

    def tell_group(self, template: str, **values: Any) -> None:
        """Post to every group chat bound to the commune, in the commune's language."""
        self.outgoing.extend(to_groups(self.uow, self.require_commune(), template, **values))

    def announce(self, template: str, **values: Any) -> None:
        """Tell the group; when asked by DM, also confirm to the sender."""
        self.tell_group(template, **values)
        if self.msg.chat_is_private:
            self.reply(template, **values)
