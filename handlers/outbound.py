"""Addressing messages to a commune's groups and to its members, in their languages.

Used by commands (through Turn) and by scheduled jobs alike, so a message reads
the same whoever caused it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.messages import Outgoing
from domain.model import Commune, Member
from domain.ports import UnitOfWork
from handlers import locales


def commune_context(commune: Commune) -> dict[str, Any]:
    """What every template about a commune may use: name, currency, time zone."""
    return {"commune": commune.name, "currency": commune.currency, "tz": commune.timezone}


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
    (message,) = to_members(uow, commune, template, {member.id: values}, dedup_key)
    return message


def to_members(
    uow: UnitOfWork,
    commune: Commune,
    template: str,
    values_by_member: Mapping[int, dict[str, Any]],
    dedup_key: str | None = None,
) -> list[Outgoing]:
    """One private message per member (member id -> what the template shows them).

    Addresses and languages are looked up for all of them at once: a bond cleared,
    withdrawn or expired tells every one of its pledgers, an assembly reminds every
    voter who has not voted yet.
    """
    contacts = uow.communes.contacts(values_by_member)
    base = commune_context(commune)
    messages = []
    for member_id, values in values_by_member.items():
        contact = contacts[member_id]  # every member joined through an account
        locale = locales.choose(contact.chosen_locale, contact.reported_locale, commune.locale)
        messages.append(Outgoing(contact.address, template, locale, {**base, **values}, dedup_key))
    return messages
