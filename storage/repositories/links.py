"""One person, several chat accounts: the one-time codes of /link and the merge.

A person who sends /link on one platform gets a short code; sending it from an
account on another platform moves that account (and anything of its person)
over to the first person, so the member has one membership and one statement.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import Session, SQLModel

from storage.tables import CommuneRow, LinkCodeRow, MemberRow, PersonRow

# No 0/O, 1/I/L: codes are read off one screen and typed on another.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def normalise_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


class LinkRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def new_code(self, person_id: int, platform: str, now: datetime, ttl: timedelta) -> str:
        while True:
            code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
            taken = self.session.execute(
                select(LinkCodeRow.id).where(LinkCodeRow.code == code)
            ).first()
            if taken is None:
                break
        self.session.add(
            LinkCodeRow(
                code=code,
                person_id=person_id,
                platform=platform,
                created_at=now,
                expires_at=now + ttl,
            )
        )
        self.session.flush()
        return code

    def take(self, code: str, now: datetime) -> tuple[int, str] | None:
        """(person, platform) of a valid code, now used up; None if unknown, used or expired."""
        row = self.session.execute(
            select(LinkCodeRow)
            .where(LinkCodeRow.code == normalise_code(code), LinkCodeRow.used_at.is_(None))
            .with_for_update()
        ).scalar_one_or_none()
        if row is None or row.expires_at <= now:
            return None
        row.used_at = now
        self.session.add(row)
        self.session.flush()
        return row.person_id, row.platform

    def shared_communes(self, one: int, other: int) -> list[str]:
        """Communes where both people have a membership (they cannot simply merge)."""
        first = select(MemberRow.commune_id).where(MemberRow.person_id == one)
        rows = self.session.execute(
            select(CommuneRow.name)
            .join(MemberRow, MemberRow.commune_id == CommuneRow.id)
            .where(MemberRow.person_id == other, MemberRow.commune_id.in_(first))
            .order_by(CommuneRow.name)
        ).all()
        return [name for (name,) in rows]

    def merge(self, source: int, target: int) -> None:
        """Move everything of person ``source`` to ``target``: accounts, memberships, …

        Every column that refers to a person is rewritten, including tables of
        adapters added later; the emptied person row stays (nothing points to it).
        """
        for table in SQLModel.metadata.sorted_tables:
            if table.name == PersonRow.__tablename__:
                continue
            for fk in table.foreign_keys:
                if fk.column.table.name == PersonRow.__tablename__:
                    column = fk.parent
                    self.session.execute(
                        update(table).where(column == source).values({column.name: target})
                    )
        locales = dict(
            self.session.execute(
                select(PersonRow.id, PersonRow.locale).where(PersonRow.id.in_([source, target]))
            ).all()
        )
        if locales.get(target) is None and locales.get(source) is not None:
            self.session.execute(
                update(PersonRow).where(PersonRow.id == target).values(locale=locales[source])
            )
        self.session.flush()
        self.session.expire_all()
