"""How a command line is split into words; an apostrophe inside a word is part of it.

Catalan writes "l'arrendament" and "d'en Pere"; names have "O'Brien"; Swiss amounts
"1'000". shlex would read each apostrophe as an opening quote and refuse the line as
an unclosed quote; only a quote at a word's edge quotes.
"""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import Refusal
from handlers.parsing import parse_command, split_arguments


@pytest.mark.parametrize(
    ("line", "args"),
    [
        ("/motion 1 acabar l'arrendament 1", ["1", "acabar", "l'arrendament", "1"]),
        ("/role o'brien treasurer", ["o'brien", "treasurer"]),
        (
            '/propose "Forn d\'en Pere" 4000 90 2027-03-31',
            ["Forn d'en Pere", "4000", "90", "2027-03-31"],
        ),
        ("/join 'Pan y vino'", ["Pan y vino"]),  # single quotes at a word's edges still quote
        ("/coop new 'L'Olivera'", ["new", "L'Olivera"]),
    ],
)
def test_an_apostrophe_inside_a_word_stays_in_it(line: str, args: list[str]) -> None:
    parsed = parse_command(line)
    assert parsed is not None
    assert parsed.args == args


@pytest.mark.parametrize("line", ["/join 'Pan y vino", "/coop new d'en 'Pere"])
def test_a_quote_at_a_word_s_edge_must_still_be_closed(line: str) -> None:
    with pytest.raises(Refusal) as refused:
        parse_command(line)
    assert refused.value.code == "unbalanced_quotes"


@given(st.text(alphabet=st.characters(blacklist_characters="'\"\\“”"), max_size=40))
def test_a_line_without_quotes_splits_as_shlex_splits_it(rest: str) -> None:
    """The fast path for lines with no quote or backslash gives shlex's own words."""
    assert split_arguments(rest, "pledge") == shlex.split(rest)
