"""The fake's ``Communes``: communes, chats, people, accounts, cooperatives, members.

Each method does what storage.repositories.communes does, over tests/fake_tables.py's
dicts instead of SQL (tests/test_fakes.py checks the signatures against the port).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime

from fake_tables import AccountRow, ChatRow, Tables

from domain.model import Account, Address, Chat, Commune, Contact, Cooperative, Member
from domain.names import name_key

Rows = Callable[[], Tables]


class FakeCommunes:
    def __init__(self, rows: Rows) -> None:
        self._rows = rows

    @property
    def t(self) -> Tables:
        return self._rows()

    # communes -------------------------------------------------------------------------
    def get(self, commune_id: int, lock: bool = False) -> Commune:
        return replace(self.t.communes[commune_id])

    def set_locale(self, commune_id: int, locale: str) -> None:
        self.t.communes[commune_id] = replace(self.t.communes[commune_id], locale=locale)

    def claim(self, commune_id: int) -> Commune | None:
        return self.get(commune_id)  # one process, nobody else holds it

    def by_name(self, name: str) -> Commune | None:
        key = name_key(name)
        found = [c for c in self.t.communes.values() if name_key(c.name) == key]
        return replace(found[0]) if found else None

    def all(self) -> list[Commune]:
        return [replace(c) for _, c in sorted(self.t.communes.items())]

    def add(self, name: str, currency: str, timezone: str, locale: str, now: datetime) -> Commune:
        if self.by_name(name) is not None:
            raise ValueError(f"commune name {name!r} is taken (a unique key in storage)")
        commune = Commune(self.t.next_id("commune"), name, currency, timezone, locale, now)
        self.t.communes[commune.id] = commune
        return replace(commune)

    # chats ----------------------------------------------------------------------------
    def chat(self, platform: str, platform_chat_id: str) -> Chat | None:
        row = self.t.chats.get((platform, platform_chat_id))
        if row is None:
            return None
        return Chat(platform, platform_chat_id, row.is_private, row.commune_id)

    def in_chat(
        self, platform: str, platform_chat_id: str, person_id: int | None
    ) -> tuple[Chat | None, Commune | None, Member | None]:
        chat = self.chat(platform, platform_chat_id)
        if chat is None or chat.commune_id is None:
            return chat, None, None
        member = self.member_of(chat.commune_id, person_id) if person_id is not None else None
        return chat, self.get(chat.commune_id), member

    def bind_chat(self, platform: str, platform_chat_id: str, title: str, commune_id: int) -> None:
        row = self.t.chats.get((platform, platform_chat_id))
        if row is None:
            row = ChatRow(self.t.next_id("chat"), title, None)
            self.t.chats[(platform, platform_chat_id)] = row
        row.commune_id = commune_id

    def group_addresses(self, commune_id: int) -> list[Address]:
        found = sorted(
            (row.id, platform, chat_id)
            for (platform, chat_id), row in self.t.chats.items()
            if row.commune_id == commune_id and not row.is_private
        )
        return [Address(platform, chat_id, False) for _, platform, chat_id in found]

    # people and accounts ----------------------------------------------------------------
    def _account(self, platform: str, platform_user_id: str) -> Account | None:
        row = self.t.accounts.get((platform, platform_user_id))
        if row is None:
            return None
        return Account(
            row.id,
            platform,
            platform_user_id,
            row.person_id,
            row.display_name,
            row.language,
            self.t.people[row.person_id],
        )

    def seen_account(
        self,
        platform: str,
        platform_user_id: str,
        display_name: str,
        language: str | None,
        now: datetime,
    ) -> Account | None:
        row = self.t.accounts.get((platform, platform_user_id))
        if row is None:
            return None
        row.display_name = display_name or row.display_name
        row.language = language or row.language
        row.last_seen_at = now
        return self._account(platform, platform_user_id)

    def touch_account(
        self,
        platform: str,
        platform_user_id: str,
        display_name: str,
        language: str | None,
        now: datetime,
    ) -> Account:
        seen = self.seen_account(platform, platform_user_id, display_name, language, now)
        if seen is not None:
            return seen
        person_id = self.t.next_id("person")
        self.t.people[person_id] = None
        self.t.accounts[(platform, platform_user_id)] = AccountRow(
            self.t.next_id("account"), person_id, display_name, language, now
        )
        account = self._account(platform, platform_user_id)
        assert account is not None
        return account

    def set_person_locale(self, person_id: int, locale: str) -> None:
        self.t.people[person_id] = locale

    def contacts(self, member_ids: Iterable[int]) -> dict[int, Contact]:
        latest: dict[int, tuple[str, str, str | None]] = {}
        for (platform, user_id), row in sorted(
            self.t.accounts.items(), key=lambda item: (item[1].last_seen_at, item[1].id)
        ):
            latest[row.person_id] = (platform, user_id, row.language)  # later rows win
        found: dict[int, Contact] = {}
        for member_id in sorted(set(member_ids)):
            member = self.t.members.get(member_id)
            if member is None or member.person_id not in latest:
                continue
            platform, address, language = latest[member.person_id]
            found[member_id] = Contact(
                Address(platform, address, True, member.person_id),
                self.t.people[member.person_id],
                language,
            )
        return found

    # cooperatives ----------------------------------------------------------------------
    def cooperative(self, cooperative_id: int) -> Cooperative:
        return replace(self.t.cooperatives[cooperative_id])

    def cooperative_by_name(self, commune_id: int, name: str) -> Cooperative | None:
        key = name_key(name)
        for cooperative in self.t.cooperatives.values():
            if cooperative.commune_id == commune_id and name_key(cooperative.name) == key:
                return replace(cooperative)
        return None

    def cooperatives(self, commune_id: int) -> list[Cooperative]:
        return [
            replace(c) for _, c in sorted(self.t.cooperatives.items()) if c.commune_id == commune_id
        ]

    def add_cooperative(self, commune_id: int, name: str) -> Cooperative:
        if self.cooperative_by_name(commune_id, name) is not None:
            raise ValueError(f"cooperative name {name!r} is taken (a unique key in storage)")
        cooperative = Cooperative(self.t.next_id("cooperative"), commune_id, name)
        self.t.cooperatives[cooperative.id] = cooperative
        return replace(cooperative)

    # members ---------------------------------------------------------------------------
    def _members(
        self, *, commune_id: int | None = None, person_id: int | None = None
    ) -> Iterator[Member]:
        for _, member in sorted(self.t.members.items()):
            if commune_id is not None and member.commune_id != commune_id:
                continue
            if person_id is not None and member.person_id != person_id:
                continue
            yield replace(member)

    def member(self, member_id: int) -> Member:
        return replace(self.t.members[member_id])

    def member_of(self, commune_id: int, person_id: int) -> Member | None:
        return next(self._members(commune_id=commune_id, person_id=person_id), None)

    def member_by_name(self, commune_id: int, name: str) -> Member | None:
        key = name_key(name)
        named = [m for m in self._members(commune_id=commune_id) if name_key(m.name) == key]
        named.sort(key=lambda m: (m.left_at is not None, m.id))
        return named[0] if named else None

    def names_taken(self, commune_id: int, names: Sequence[str], member_id: int) -> set[str]:
        keys = {name_key(name): name for name in names}
        held = {name_key(m.name) for m in self._members(commune_id=commune_id) if m.id != member_id}
        return {name for key, name in keys.items() if key in held}

    def memberships(self, person_id: int) -> list[Member]:
        active = [m for m in self._members(person_id=person_id) if m.left_at is None]
        return sorted(active, key=lambda m: (m.joined_at, m.id), reverse=True)

    def former_bondholders(self, person_id: int) -> list[Member]:
        holders = {h.member_id for h in self.t.holdings.values()}
        former = [
            m
            for m in self._members(person_id=person_id)
            if m.left_at is not None and m.id in holders
        ]
        return sorted(former, key=lambda m: (m.left_at, m.id), reverse=True)

    def count_members(self, commune_id: int) -> int:
        return sum(1 for m in self._members(commune_id=commune_id) if m.left_at is None)

    def count_admins(self, commune_id: int) -> int:
        return len(self.admin_ids(commune_id))

    def admin_ids(self, commune_id: int) -> list[int]:
        return [
            m.id for m in self._members(commune_id=commune_id) if m.left_at is None and m.is_admin
        ]

    def treasurer_ids(self, commune_id: int) -> list[int]:
        return [
            m.id
            for m in self._members(commune_id=commune_id)
            if m.left_at is None and m.is_treasurer
        ]

    def save_member(self, member: Member) -> Member:
        if not member.id or member.id not in self.t.members:
            mine = {
                (member.commune_id, member.person_id),
                (member.commune_id, name_key(member.name)),
            }
            for other in self.t.members.values():
                if mine & {
                    (other.commune_id, other.person_id),
                    (other.commune_id, name_key(other.name)),
                }:
                    raise ValueError("a second membership or a taken name (storage's unique keys)")
            member.id = self.t.next_id("member")
        self.t.members[member.id] = replace(member)
        return member
