"""Communes, the chats bound to them, people, accounts, cooperatives and members."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlmodel import Session

from domain.model import Account, Address, Chat, Commune, Contact, Cooperative, Member
from domain.names import name_key
from storage.connection import connection_of
from storage.tables import (
    AccountRow,
    ChatRow,
    CommuneRow,
    CooperativeRow,
    HoldingRow,
    MemberRow,
    PersonRow,
)

_ACCOUNT = AccountRow.__table__
_CHAT = ChatRow.__table__
_COMMUNE = CommuneRow.__table__
_MEMBER = MemberRow.__table__
_PERSON = PersonRow.__table__

# Every message starts with these two: built once, they cost a fraction of building them.
_TOUCH_ACCOUNT = (
    update(_ACCOUNT)
    .where(
        _ACCOUNT.c.platform == bindparam("b_platform"),
        _ACCOUNT.c.platform_user_id == bindparam("b_user_id"),
    )
    .values(
        display_name=func.coalesce(bindparam("b_display_name"), _ACCOUNT.c.display_name),
        language=func.coalesce(bindparam("b_language"), _ACCOUNT.c.language),
        last_seen_at=bindparam("b_now"),
    )
    .returning(
        _ACCOUNT.c.id,
        _ACCOUNT.c.person_id,
        _ACCOUNT.c.display_name,
        _ACCOUNT.c.language,
        select(_PERSON.c.locale)
        .where(_PERSON.c.id == _ACCOUNT.c.person_id)
        .scalar_subquery()
        .label("person_locale"),
    )
)
_CONTACTS_BATCH = 5000  # ids in one IN list, well under SQLite's 32,766 parameters
_PEOPLE_OF_MEMBERS = (
    select(_MEMBER.c.id, _MEMBER.c.person_id, _PERSON.c.locale)
    .join(_PERSON, _PERSON.c.id == _MEMBER.c.person_id)
    .where(_MEMBER.c.id.in_(bindparam("member_ids", expanding=True)))
)
_ACCOUNTS_OF_PEOPLE = (
    select(
        _ACCOUNT.c.person_id, _ACCOUNT.c.platform, _ACCOUNT.c.platform_user_id, _ACCOUNT.c.language
    )
    .where(_ACCOUNT.c.person_id.in_(bindparam("person_ids", expanding=True)))
    .order_by(_ACCOUNT.c.last_seen_at, _ACCOUNT.c.id)
)
_COOPERATIVE = select(CooperativeRow.__table__).where(
    CooperativeRow.__table__.c.id == bindparam("id")
)
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


def _member(row: MemberRow) -> Member:
    return Member(
        id=row.id,
        commune_id=row.commune_id,
        person_id=row.person_id,
        name=row.name,
        joined_at=row.joined_at,
        cooperative_id=row.cooperative_id,
        is_admin=row.is_admin,
        is_treasurer=row.is_treasurer,
        left_at=row.left_at,
    )


class CommuneRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # communes -------------------------------------------------------------
    def get(self, commune_id: int, lock: bool = False) -> Commune:
        query = select(CommuneRow).where(CommuneRow.id == commune_id)
        if lock:
            query = query.with_for_update()
        return _commune(self.session.execute(query).scalar_one())

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

    # people and accounts ------------------------------------------------------
    def account(self, platform: str, platform_user_id: str) -> Account | None:
        found = self.session.execute(
            select(AccountRow, PersonRow.locale)
            .join(PersonRow, PersonRow.id == AccountRow.person_id)
            .where(AccountRow.platform == platform, AccountRow.platform_user_id == platform_user_id)
        ).one_or_none()
        if found is None:
            return None
        row, locale = found
        return Account(
            row.id,
            row.platform,
            row.platform_user_id,
            row.person_id,
            row.display_name,
            row.language,
            locale,
        )

    def seen_account(
        self,
        platform: str,
        platform_user_id: str,
        display_name: str,
        language: str | None,
        now: datetime,
    ) -> Account | None:
        """The known account, its name kept fresh (one UPDATE … RETURNING); None for
        someone never seen, and then nothing is written."""
        found = (
            connection_of(self.session)
            .execute(
                _TOUCH_ACCOUNT,
                {
                    "b_platform": platform,
                    "b_user_id": platform_user_id,
                    "b_display_name": display_name or None,
                    "b_language": language or None,
                    "b_now": now,
                },
            )
            .one_or_none()
        )
        if found is None:
            return None
        return Account(
            found.id,
            platform,
            platform_user_id,
            found.person_id,
            found.display_name,
            found.language,
            found.person_locale,
        )

    def touch_account(
        self,
        platform: str,
        platform_user_id: str,
        display_name: str,
        language: str | None,
        now: datetime,
    ) -> Account:
        """Find or create the account (and its person), keeping its name fresh."""
        seen = self.seen_account(platform, platform_user_id, display_name, language, now)
        if seen is not None:
            return seen
        person = PersonRow(created_at=now)
        self.session.add(person)
        self.session.flush()
        self.session.add(
            AccountRow(
                platform=platform,
                platform_user_id=platform_user_id,
                person_id=person.id,
                display_name=display_name,
                language=language,
                last_seen_at=now,
            )
        )
        self.session.flush()
        account = self.account(platform, platform_user_id)
        assert account is not None
        return account

    def set_person_locale(self, person_id: int, locale: str) -> None:
        self.session.execute(
            update(PersonRow).where(PersonRow.id == person_id).values(locale=locale)
        )

    def contacts(self, member_ids: Iterable[int]) -> dict[int, Contact]:
        """{member id: how to reach them privately} for many members in two queries a
        batch: telling a bond's thousand holders it cleared is not three thousand."""
        wanted = sorted(set(member_ids))
        connection = connection_of(self.session)
        found: dict[int, Contact] = {}
        for start in range(0, len(wanted), _CONTACTS_BATCH):
            batch = wanted[start : start + _CONTACTS_BATCH]
            people = connection.execute(_PEOPLE_OF_MEMBERS, {"member_ids": batch}).all()
            latest = {  # later rows win: each person's most recently used account
                person_id: (platform, address, language)
                for person_id, platform, address, language in connection.execute(
                    _ACCOUNTS_OF_PEOPLE, {"person_ids": sorted({p for _, p, _ in people})}
                )
            }
            for member_id, person_id, chosen in people:
                if person_id in latest:
                    platform, address, language = latest[person_id]
                    found[member_id] = Contact(
                        Address(platform, address, True, person_id), chosen, language
                    )
        return found

    # cooperatives --------------------------------------------------------------
    def cooperative(self, cooperative_id: int) -> Cooperative:
        row = connection_of(self.session).execute(_COOPERATIVE, {"id": cooperative_id}).one()
        return Cooperative(row.id, row.commune_id, row.name)

    def cooperative_by_name(self, commune_id: int, name: str) -> Cooperative | None:
        row = self.session.execute(
            select(CooperativeRow).where(
                CooperativeRow.commune_id == commune_id,
                CooperativeRow.name_key == name_key(name),
            )
        ).scalar_one_or_none()
        return Cooperative(row.id, row.commune_id, row.name) if row else None

    def cooperatives(self, commune_id: int) -> list[Cooperative]:
        rows = self.session.execute(
            select(CooperativeRow)
            .where(CooperativeRow.commune_id == commune_id)
            .order_by(CooperativeRow.id)
        ).scalars()
        return [Cooperative(r.id, r.commune_id, r.name) for r in rows]

    def add_cooperative(self, commune_id: int, name: str) -> Cooperative:
        row = CooperativeRow(commune_id=commune_id, name=name, name_key=name_key(name))
        self.session.add(row)
        self.session.flush()
        return Cooperative(row.id, row.commune_id, row.name)

    # members ---------------------------------------------------------------------
    def member(self, member_id: int) -> Member:
        row = self.session.get(MemberRow, member_id)
        assert row is not None
        return _member(row)

    def member_of(self, commune_id: int, person_id: int) -> Member | None:
        row = self.session.execute(
            select(MemberRow).where(
                MemberRow.commune_id == commune_id, MemberRow.person_id == person_id
            )
        ).scalar_one_or_none()
        return _member(row) if row else None

    def member_by_name(self, commune_id: int, name: str) -> Member | None:
        rows = (
            self.session.execute(
                select(MemberRow)
                .where(MemberRow.commune_id == commune_id, MemberRow.name_key == name_key(name))
                .order_by(MemberRow.left_at.is_not(None), MemberRow.id)
            )
            .scalars()
            .first()
        )
        return _member(rows) if rows else None

    def memberships(self, person_id: int) -> list[Member]:
        """Active memberships, the most recently joined first."""
        rows = self.session.execute(
            select(MemberRow)
            .where(MemberRow.person_id == person_id, MemberRow.left_at.is_(None))
            .order_by(MemberRow.joined_at.desc(), MemberRow.id.desc())
        ).scalars()
        return [_member(r) for r in rows]

    def former_bondholders(self, person_id: int) -> list[Member]:
        """Memberships the person left while holding bonds, the most recently left first:
        their bonds are still theirs, and so are the statements about them."""
        rows = self.session.execute(
            select(MemberRow)
            .where(
                MemberRow.person_id == person_id,
                MemberRow.left_at.is_not(None),
                select(HoldingRow.id).where(HoldingRow.member_id == MemberRow.id).exists(),
            )
            .order_by(MemberRow.left_at.desc(), MemberRow.id.desc())
        ).scalars()
        return [_member(r) for r in rows]

    def count_admins(self, commune_id: int) -> int:
        return self.session.execute(
            select(func.count())
            .select_from(MemberRow)
            .where(
                MemberRow.commune_id == commune_id,
                MemberRow.left_at.is_(None),
                MemberRow.is_admin.is_(True),
            )
        ).scalar_one()

    def admin_ids(self, commune_id: int) -> list[int]:
        return list(
            self.session.execute(
                select(MemberRow.id)
                .where(
                    MemberRow.commune_id == commune_id,
                    MemberRow.left_at.is_(None),
                    MemberRow.is_admin.is_(True),
                )
                .order_by(MemberRow.id)
            ).scalars()
        )

    def save_member(self, member: Member) -> Member:
        row = self.session.get(MemberRow, member.id) if member.id else None
        if row is None:
            row = MemberRow(
                commune_id=member.commune_id,
                person_id=member.person_id,
                name=member.name,
                name_key=name_key(member.name),
                joined_at=member.joined_at,
            )
        row.name, row.name_key = member.name, name_key(member.name)
        row.cooperative_id = member.cooperative_id
        row.is_admin = member.is_admin
        row.is_treasurer = member.is_treasurer
        row.joined_at = member.joined_at
        row.left_at = member.left_at
        self.session.add(row)
        self.session.flush()
        member.id = row.id
        return member
