"""Names people give things, and the key that says when two names are the same.

Every name minga stores (a commune, a cooperative, an asset, an assembly's title, a
motion's text, a member) goes through here, so that what members read is what is
stored, and no two things in a commune can look alike:

- ``clean`` is for text someone typed to minga: NFKC-normalised, whitespace collapsed
  and trimmed, bounded in length; an invisible, bidi-control or control character is
  refused (``Refusal("name_hidden_character")``) rather than silently dropped, because
  whoever typed it can type it again and should know why it was not taken.
- ``member_name`` is for a chat platform's display name, which a member cannot easily
  change: the same characters are dropped instead, and the platform's user id stands in
  when nothing visible is left.
- ``name_key`` is what uniqueness and look-ups compare: NFKC, case-folded, with the
  characters that show nothing removed, so "Terra", "TERRA" and fullwidth "Ｔｅｒｒａ"
  are one name.

It does not catch look-alikes across scripts (a Cyrillic "а" in "Terra"): that needs
Unicode's confusables table, and members of one commune mostly write one script.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from domain.errors import Refusal

__all__ = [
    "ASSET",
    "COMMUNE",
    "COOPERATIVE",
    "MEMBER_LIMIT",
    "MOTION",
    "TITLE",
    "Kind",
    "clean",
    "member_name",
    "name_key",
    "numbered",
]


@dataclass(frozen=True)
class Kind:
    """One sort of name: its longest length and the refusals for nothing / too much."""

    subject: str  # "name" or "text": how the refusal speaks of it
    limit: int
    empty: str
    too_long: str


COMMUNE = Kind("name", 80, "bad_commune_name", "bad_commune_name")
COOPERATIVE = Kind("name", 80, "bad_cooperative_name", "bad_cooperative_name")
ASSET = Kind("name", 80, "asset_missing", "asset_too_long")
TITLE = Kind("text", 200, "bad_assembly_title", "bad_assembly_title")
MOTION = Kind("text", 500, "bad_motion_text", "bad_motion_text")
#: A member's name, cut to this many characters (display names can be much longer).
MEMBER_LIMIT = 64

# Characters that change the order text is shown in (and so what it seems to say).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters and marks that show nothing though they are not format characters:
# Hangul fillers, the braille blank, the combining grapheme joiner, Khmer inherent
# vowels, Mongolian variation selectors.
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5\u180b\u180c\u180d\u180f")


def _is_variation_selector(ch: str) -> bool:
    return "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef"


def _hidden(text: str, at: int) -> str | None:
    """Why ``text[at]`` must not be in a name ("bidi", "invisible", "control"), or None.

    A variation selector is allowed straight after a symbol ("❤️" carries one) and
    nowhere else: after a letter it only makes a look-alike.
    """
    ch = text[at]
    if ch in _BIDI:
        return "bidi"
    if ch.isspace():
        return None
    category = unicodedata.category(ch)
    if category == "Cc":
        return "control"
    if category in ("Cf", "Cs") or ch in _BLANK:
        return "invisible"
    if _is_variation_selector(ch):
        after_symbol = at > 0 and unicodedata.category(text[at - 1]).startswith("S")
        return None if after_symbol else "invisible"
    return None


def _shows_nothing(ch: str) -> bool:
    """Characters the key leaves out: they add nothing anyone can see."""
    return (
        ch in _BIDI
        or ch in _BLANK
        or _is_variation_selector(ch)
        or unicodedata.category(ch) in ("Cc", "Cf", "Cs")
    )


def _collapsed(text: str) -> str:
    return " ".join(text.split())


def name_key(name: str) -> str:
    """What two names are compared by: equal keys are the same name to minga."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return _collapsed("".join(ch for ch in folded if not _shows_nothing(ch)))


def clean(text: str, kind: Kind) -> str:
    """``text`` as it will be stored, or a ``Refusal`` that says what is wrong with it."""
    normal = unicodedata.normalize("NFKC", text)
    for at, ch in enumerate(normal):
        problem = _hidden(normal, at)
        if problem is not None:
            raise Refusal(
                "name_hidden_character",
                problem=problem,
                char=_describe(ch),
                subject=kind.subject,
            )
    cleaned = _collapsed(normal)
    if not name_key(cleaned):
        raise Refusal(kind.empty)
    if len(cleaned) > kind.limit:
        raise Refusal(kind.too_long)
    return cleaned


def _describe(ch: str) -> str:
    """ "U+200B ZERO WIDTH SPACE": what a volunteer can look up."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}".rstrip()


def member_name(display_name: str, fallback: str) -> str:
    """A member's name from their platform display name, hidden characters dropped.

    Nothing is refused: a member cannot easily change their display name. When nothing
    visible is left, the platform's user id (``fallback``) is used the same way.
    """
    for candidate in (display_name, fallback):
        normal = unicodedata.normalize("NFKC", candidate)
        kept = "".join(ch for at, ch in enumerate(normal) if _hidden(normal, at) is None)
        cleaned = _collapsed(kept)[:MEMBER_LIMIT].rstrip()
        if name_key(cleaned):
            return cleaned
    return "member"


def numbered(name: str, n: int, limit: int = MEMBER_LIMIT) -> str:
    """The ``n``-th visibly distinct variant of a taken name: "eve (2)"."""
    suffix = f" ({n})"
    return name[: limit - len(suffix)].rstrip() + suffix
