"""What the fuzz test (tests/test_trust_fuzz.py) found, each as a plain regression test."""

from __future__ import annotations

from domain.errors import ECHO_LIMIT, Refusal


def test_a_refusal_cuts_long_typed_text() -> None:
    refusal = Refusal("bad_issue_number", text="x" * 5000, number=7)
    assert refusal.params["text"] == "x" * (ECHO_LIMIT - 1) + "…"
    assert refusal.params["number"] == 7


def test_a_refusal_keeps_a_title_of_the_longest_length_whole() -> None:
    title = "t" * ECHO_LIMIT
    assert Refusal("presence_closed", title=title).params["title"] == title


def test_pasting_a_huge_argument_gets_a_short_refusal(terra) -> None:  # type: ignore[no-untyped-def]
    for line in (
        "ben@group: /bond " + "x" * 5000,
        "ben@group: /statement " + "y" * 5000,
        "ben@group: /pledge 1 " + "9" * 5000,
        "eve@group: /help " + "z" * 5000,
        "ben@group: /" + "q" * 5000,
    ):
        (reply,) = terra.say(line)
        assert len(reply) < 400, reply[:120]
        assert "…" in reply


def test_an_amount_of_thousands_of_digits_is_too_large_not_an_internal_error() -> None:
    from handlers.money import parse_amount

    for text in ("9" * 5000, "1" + "0" * 4400 + ".5", "€" + "9" * 10000):
        try:
            parse_amount(text, "EUR", "en")
        except Refusal as refusal:
            assert refusal.code == "amount_too_large", (text[:20], refusal)
        else:
            raise AssertionError(f"{text[:20]}… accepted")


def test_a_superscript_digit_is_not_a_bond_number(terra) -> None:  # type: ignore[no-untyped-def]
    """str.isdigit() says yes to "²"; int() then raised and minga answered internal_error."""
    for typed, line in (("²", "/bond ²"), ("²", "/pledge ² 10"), ("¹", "/vote ¹ yes")):
        (reply,) = terra.say(f"ana@group: {line}")
        assert reply.startswith(f'[group] "{typed}" is not a'), reply
