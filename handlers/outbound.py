"""Addressing messages to a commune's groups and to its members, in their languages.

Used by commands (through Turn) and by scheduled jobs alike, so a message reads
the same whoever caused it.
"""

from __future__ import annotations

from typing import Any

from domain.messages import Outgoing
from domain.model import Commune, Member
from domain.ports import UnitOfWork
from handlers import locales


def commune_context(commune: Commune) -> dict[str, Any]:
    """What every template about a commune may use: name, currency, time zone."""
    return {"commune": commune.name, "currency": commune.currency, "tz": commune.timezone}


def member_locale(uow: UnitOfWork, person_id: int, commune: Commune | None) -> str:
    chosen, reported = uow.communes.person_locale(person_id)
    return locales.choose(chosen, reported, commune.locale if commune else None)


def to_groups(uow: UnitOfWork, commune: Commune, template: str, **values: Any) -> list[Outgoing]:
    """One message per group chat bound to the commune, in the commune's language."""
    locale = locales.choose(None, None, commune.locale)
    context = {**commune_context(commune), **values}
    return [
        Outgoing(address, template, locale, context)
        for address in uow.communes.group_addresses(commune.id)
    ]


def to_member(
    uow: UnitOfWork,
    commune: Commune,
    member: Member,
    template: str,
    dedup_key: str | None = None,
    **values: Any,
) -> Outgoing:
    """A private message to the member's most recently used account."""
    address = uow.communes.private_address(member.person_id)
    locale = member_locale(uow, member.person_id, commune)
    return Outgoing(address, template, locale, {**commune_context(commune), **values}, dedup_key)
