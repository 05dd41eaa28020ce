"""What a new commune's name, currency and time zone must be.

/setup checks its arguments with these, and its step-by-step form checks each answer
with the same functions, so the two ways cannot drift apart.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from domain import names
from domain.errors import Refusal
from handlers.money import is_known_currency
from handlers.turn import Turn


def check_name(name: str) -> str:
    return names.clean(name, names.COMMUNE)


def check_name_free(turn: Turn, name: str) -> None:
    """Refuse a name another commune has, by key; the refusal names the one that has it."""
    existing = turn.uow.communes.by_name(name)
    if existing is not None:
        raise Refusal("commune_name_taken", name=existing.name)


def check_currency(text: str) -> str:
    code = text.strip().upper()
    if len(code) != 3 or not is_known_currency(code):
        raise Refusal("unknown_currency", text=text)
    return code


def check_timezone(text: str) -> str:
    name = text.strip()
    if name.upper() == "UTC":
        return "UTC"
    if name not in _zone_names():
        raise Refusal("unknown_timezone", text=text)
    return name


# Names that are in the time zone database's files but are not places: "Factory" is a
# placeholder zone, and the system's copy adds "localtime" (the server's own zone),
# "posixrules" and the "posix/" and "right/" trees, which would make month ends follow
# the server rather than the commune.
_NOT_PLACES = frozenset({"Factory", "localtime", "posixrules"})


@cache
def _zone_names() -> frozenset[str]:
    """The IANA time zone names, from the tzdata package's own list (not the system's
    zoneinfo directory, which holds other files too)."""
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(name for name in listed.split() if name not in _NOT_PLACES)
