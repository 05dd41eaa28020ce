"""People and their chat accounts, and how to reach a member privately."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, func, select, update

from domain.model import Account, Address, Contact
from storage.connection import connection_of
from storage.repositories.parts import SessionPart
from storage.tables import AccountRow, MemberRow, PersonRow

_ACCOUNT = AccountRow.__table__
_MEMBER = MemberRow.__table__
_PERSON = PersonRow.__table__

# Every message starts with this (and chats' _IN_CHAT): built once, it costs a fraction
# of building it.
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


class People(SessionPart):
    """A part of ``CommuneRepository``: who a sender is, and how to reach members."""

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
