"""Names, character by character: what ``clean`` refuses, ``member_name`` drops and
``name_key`` leaves out.

A name that looks like another one (a zero-width space inside "Terra", a text-direction
control that turns "Oven" around) is how one member passes for another, so each class
of character is asserted with a member of it and a neighbour that is not in it. Pure,
so these run in the mutation test of domain/ (docs/mutation.md).
"""

from __future__ import annotations

import pytest

from domain.errors import Refusal
from domain.names import (
    ASSET,
    COMMUNE,
    MEMBER_LIMIT,
    MOTION,
    TITLE,
    Kind,
    clean,
    member_name,
    name_key,
    numbered,
)

# Every character that changes the order text is shown in.
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Format characters (Cf) that are not bidi controls, and a lone surrogate (Cs).
FORMAT = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\ud800"]
# Letters and marks that show nothing, as NFKC leaves them (U+3164 and U+FFA0 become U+1160).
BLANK = "\u115f\u1160\u2800\u034f\u17b4\u17b5\u180b\u180c\u180d\u180f"
CONTROLS = ["\x00", "\x07", "\x1b", "\x7f", "\x9f"]
# Variation selectors: both ends of both ranges.
SELECTORS = ["\ufe00", "\ufe0f", "\U000e0100", "\U000e01ef"]


def refusal(text: str, kind: Kind = COMMUNE) -> Refusal:
    with pytest.raises(Refusal) as refused:
        clean(text, kind)
    return refused.value


@pytest.mark.parametrize("ch", list(BIDI))
def test_a_text_direction_control_is_refused_by_name(ch: str) -> None:
    got = refusal(f"Ov{ch}en")
    assert (got.code, got.params["problem"], got.params["subject"]) == (
        "name_hidden_character",
        "bidi",
        "name",
    )
    assert got.params["char"].startswith(f"U+{ord(ch):04X} ")


@pytest.mark.parametrize("ch", FORMAT + list(BLANK))
def test_a_character_that_shows_nothing_is_refused_as_invisible(ch: str) -> None:
    got = refusal(f"Te{ch}rra", TITLE)
    assert got.code == "name_hidden_character"
    assert got.params == {
        "problem": "invisible",
        "char": got.params["char"],
        "subject": "text",
    }
    assert got.params["char"].startswith(f"U+{ord(ch):04X}")


@pytest.mark.parametrize("ch", CONTROLS)
def test_a_control_character_is_refused_as_control(ch: str) -> None:
    got = refusal(f"Terra{ch}", MOTION)
    assert got.params == {"problem": "control", "char": f"U+{ord(ch):04X}", "subject": "text"}


def test_the_refusal_names_the_character_so_a_volunteer_can_look_it_up() -> None:
    assert refusal("Te\u200brra").params["char"] == "U+200B ZERO WIDTH SPACE"
    assert refusal("\u202eOven").params["char"] == "U+202E RIGHT-TO-LEFT OVERRIDE"
    assert refusal("a\U000e0100").params["char"] == "U+E0100 VARIATION SELECTOR-17"
    # A character without a Unicode name is its code point alone, no trailing space.
    assert refusal("a\x00").params["char"] == "U+0000"


def test_the_first_hidden_character_is_the_one_named() -> None:
    assert refusal("a\x07b\u200bc").params["problem"] == "control"
    assert refusal("a\u200bb\x07c").params["problem"] == "invisible"


def test_whitespace_control_characters_are_spaces_not_refusals() -> None:
    # Tab, newline and NEXT LINE are control characters that are also whitespace.
    assert clean("\tTerra\n\x85Nova\u2028 ", COMMUNE) == "Terra Nova"


@pytest.mark.parametrize("ch", SELECTORS)
def test_a_variation_selector_is_allowed_only_after_a_symbol(ch: str) -> None:
    assert clean(f"Oven \u2764{ch}", COMMUNE) == f"Oven \u2764{ch}"
    assert clean(f"\u2764{ch}", COMMUNE) == f"\u2764{ch}"
    assert refusal(f"Ove{ch}n").params["problem"] == "invisible"  # after a letter
    assert refusal(f"{ch}\u2764").params["problem"] == "invisible"  # first of all
    assert refusal(f"Oven {ch}").params["problem"] == "invisible"  # after a space


@pytest.mark.parametrize("ch", ["\ufdff", "\U000e00ff", "\U000e01f0", "\u2764", "\u00e9"])
def test_the_neighbours_of_the_hidden_classes_are_kept(ch: str) -> None:
    # U+FDFF is a symbol just below the selectors, U+E00FF and U+E01F0 are just outside
    # the supplementary ones: they are ordinary characters to minga.
    assert clean(f"a{ch}", COMMUNE) == f"a{ch}"
    assert name_key(f"a{ch}") == f"a{ch}"


def test_clean_normalises_collapses_and_trims() -> None:
    assert clean("  \uff34\uff45\uff52\uff52\uff41   Nova ", COMMUNE) == "Terra Nova"
    assert clean("Cafe\u0301", COMMUNE) == "Café"


@pytest.mark.parametrize(
    ("kind", "limit", "empty", "too_long"),
    [
        (COMMUNE, 80, "bad_commune_name", "bad_commune_name"),
        (ASSET, 80, "asset_missing", "asset_too_long"),
        (TITLE, 200, "bad_assembly_title", "bad_assembly_title"),
        (MOTION, 500, "bad_motion_text", "bad_motion_text"),
    ],
)
def test_each_kind_refuses_nothing_and_one_character_too_many(
    kind: Kind, limit: int, empty: str, too_long: str
) -> None:
    assert clean("a" * limit, kind) == "a" * limit
    # Spaces around do not count towards the limit: they are trimmed first.
    assert clean(f"  {'a' * limit}  ", kind) == "a" * limit
    assert refusal("a" * (limit + 1), kind).code == too_long
    assert refusal("", kind).code == empty
    assert refusal(" \t\n ", kind).code == empty
    assert refusal("", kind).params == {}


def test_the_key_makes_case_width_and_hidden_characters_one_name() -> None:
    key = name_key("Terra Nova")
    assert key == "terra nova"
    for same in [
        "TERRA NOVA",
        "\uff34\uff45\uff52\uff52\uff41 Nova",
        "  Terra \t  Nova ",
        "Ter\u200bra Nova",
        "Te\u202err\u202ca Nova",
        "Terra\u2800 Nova",
        "Ter\x00ra Nova",
        "Terra\ufe0f Nova",
        "Terra Nov\U000e01efa",
        "Terra \ud800Nova",
    ]:
        assert name_key(same) == key, same
    assert name_key("Stra\u00dfe") == name_key("STRASSE") == "strasse"
    assert name_key("\u2764\ufe0f") == "\u2764"
    assert name_key("\u200b \u2800 \u202e") == ""


def test_a_display_name_loses_its_hidden_characters_instead_of_being_refused() -> None:
    assert member_name("  Ana \u200b P\u00e9rez\u202e ", "@ana:example.org") == "Ana P\u00e9rez"
    assert member_name("\uff21na\x07", "u1") == "Ana"
    assert member_name("Eve \u2764\ufe0f", "u1") == "Eve \u2764\ufe0f"
    assert member_name("Eve\ufe0f", "u1") == "Eve"
    assert member_name("\ufe0f\u2764", "u1") == "\u2764"


def test_a_display_name_is_cut_to_the_member_limit_and_trimmed_again() -> None:
    assert member_name("a" * 100, "u1") == "a" * MEMBER_LIMIT
    assert member_name("a" * (MEMBER_LIMIT - 1) + " b", "u1") == "a" * (MEMBER_LIMIT - 1)
    assert member_name("a" * MEMBER_LIMIT + " b", "u1") == "a" * MEMBER_LIMIT


def test_the_user_id_stands_in_when_nothing_visible_is_left() -> None:
    assert member_name("\u200b\u2800 \u202e", "@ana:example.org") == "@ana:example.org"
    assert member_name("", "\u200b@ben\u200b") == "@ben"
    assert member_name("", "\u200b") == "member"


def test_numbered_names_fit_the_limit_with_their_number() -> None:
    assert numbered("eve", 2) == "eve (2)"
    assert numbered("a" * 100, 12) == "a" * (MEMBER_LIMIT - 5) + " (12)"
    assert len(numbered("a" * 100, 12)) == MEMBER_LIMIT
    assert numbered("ab cd", 3, limit=7) == "ab (3)"
    assert numbered("abcdef", 3, limit=8) == "abcd (3)"
