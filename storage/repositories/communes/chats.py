"""Communes and the chats bound to them: where a message comes from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update

from domain.model import Address, Chat, Commune, Member
from domain.names import name_key
from storage.connection import connection_of
from storage.repositories.parts import SessionPart
from storage.tables import ChatRow, CommuneRow, MemberRow

_CHAT = ChatRow.__table__
_COMMUNE = CommuneRow.__table__
_MEMBER = MemberRow.__table__

# Every message starts with this (and people's _TOUCH_ACCOUNT): built once, it costs a
# fraction of building it.
_IN_CHAT = (
    select(
        _CHAT.c.is_private.label("chat_is_private"),
        _CHAT.c.commune_id.label("chat_commune_id"),
        _COMMUNE,
        _MEMBER.c.id.label("member_id"),
        _MEMBER.c.name.label("member_name"),
        _MEMBER.c.joined_at,
        _MEMBER.c.cooperative_id,
        _MEMBER.c.is_admin,
        _MEMBER.c.is_treasurer,
        _MEMBER.c.left_at,
    )
    .select_from(_CHAT)
    .outerjoin(_COMMUNE, _COMMUNE.c.id == _CHAT.c.commune_id)
    .outerjoin(
        _MEMBER,
        (_MEMBER.c.commune_id == _CHAT.c.commune_id)
        & (_MEMBER.c.person_id == bindparam("person_id")),
    )
    .where(
        _CHAT.c.platform == bindparam("platform"), _CHAT.c.platform_chat_id == bindparam("chat_id")
    )
)


def _commune(row: CommuneRow) -> Commune:
    return Commune(row.id, row.name, row.currency, row.timezone, row.locale, row.created_at)


class CommunesAndChats(SessionPart):
    """A part of ``CommuneRepository``: the communes, and the chats that speak for them."""

    # communes -------------------------------------------------------------
    def get(self, commune_id: int, lock: bool = False) -> Commune:
        query = select(CommuneRow).where(CommuneRow.id == commune_id)
        if lock:
            query = query.with_for_update()
        return _commune(self.session.execute(query).scalar_one())

    def set_locale(self, commune_id: int, locale: str) -> None:
        self.session.execute(
            update(CommuneRow).where(CommuneRow.id == commune_id).values(locale=locale)
        )

    def claim(self, commune_id: int) -> Commune | None:
        """Lock the commune for scheduled work; None while another process holds it.

        PostgreSQL: FOR UPDATE SKIP LOCKED, so a second worker moves on instead of
        waiting. SQLite: the transaction's BEGIN IMMEDIATE already serialised us.
        """
        row = self.session.execute(
            select(CommuneRow).where(CommuneRow.id == commune_id).with_for_update(skip_locked=True)
        ).scalar_one_or_none()
        return _commune(row) if row else None

    def by_name(self, name: str) -> Commune | None:
        row = self.session.execute(
            select(CommuneRow).where(CommuneRow.name_key == name_key(name))
        ).scalar_one_or_none()
        return _commune(row) if row else None

    def all(self) -> list[Commune]:
        rows = self.session.execute(select(CommuneRow).order_by(CommuneRow.id)).scalars()
        return [_commune(r) for r in rows]

    def add(self, name: str, currency: str, timezone: str, locale: str, now: datetime) -> Commune:
        row = CommuneRow(
            name=name,
            name_key=name_key(name),
            currency=currency,
            timezone=timezone,
            locale=locale,
            created_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return _commune(row)

    # chats ------------------------------------------------------------------
    def chat(self, platform: str, platform_chat_id: str) -> Chat | None:
        row = self.session.execute(
            select(ChatRow).where(
                ChatRow.platform == platform, ChatRow.platform_chat_id == platform_chat_id
            )
        ).scalar_one_or_none()
        if row is None:
            return None
        return Chat(row.platform, row.platform_chat_id, row.is_private, row.commune_id)

    def in_chat(
        self, platform: str, platform_chat_id: str, person_id: int | None
    ) -> tuple[Chat | None, Commune | None, Member | None]:
        """The chat, the commune it is bound to and the person's membership there, at once."""
        row = (
            connection_of(self.session)
            .execute(
                _IN_CHAT,
                {"platform": platform, "chat_id": platform_chat_id, "person_id": person_id},
            )
            .one_or_none()
        )
        if row is None:
            return None, None, None
        chat = Chat(platform, platform_chat_id, row.chat_is_private, row.chat_commune_id)
        if row.chat_commune_id is None:
            return chat, None, None
        commune = Commune(row.id, row.name, row.currency, row.timezone, row.locale, row.created_at)
        member = None
        if row.member_id is not None:
            member = Member(
                id=row.member_id,
                commune_id=row.id,
                person_id=person_id,
                name=row.member_name,
                joined_at=row.joined_at,
                cooperative_id=row.cooperative_id,
                is_admin=row.is_admin,
                is_treasurer=row.is_treasurer,
                left_at=row.left_at,
            )
        return chat, commune, member

    def bind_chat(self, platform: str, platform_chat_id: str, title: str, commune_id: int) -> None:
        row = self.session.execute(
            select(ChatRow).where(
                ChatRow.platform == platform, ChatRow.platform_chat_id == platform_chat_id
            )
        ).scalar_one_or_none()
        if row is None:
            row = ChatRow(platform=platform, platform_chat_id=platform_chat_id, title=title)
        row.commune_id = commune_id
        self.session.add(row)
        self.session.flush()

    def group_addresses(self, commune_id: int) -> list[Address]:
        rows = self.session.execute(
            select(ChatRow.platform, ChatRow.platform_chat_id)
            .where(ChatRow.commune_id == commune_id, ChatRow.is_private.is_(False))
            .order_by(ChatRow.id)
        ).all()
        return [Address(platform, chat_id, False) for platform, chat_id in rows]
