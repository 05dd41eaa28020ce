"""domain/keywords.py: the words minga reads, in en, es and ca (issue 14)."""

from __future__ import annotations

import pytest

from domain import keywords
from domain.assemblies import Choice, Threshold, is_withdrawal, parse_choice, parse_threshold
from domain.errors import Refusal


def test_folding_drops_accents_case_and_the_difference_of_hyphens() -> None:
    assert keywords.fold("  Tesorería ") == "tesoreria"
    assert keywords.fold("DOS-TERÇOS") == "dos tercos"
    assert keywords.fold("dos_tercios") == keywords.fold("dos   tercios") == "dos tercios"
    assert keywords.fold("m’abstinc") == "m'abstinc"
    assert keywords.fold("-") == "-"
    assert keywords.fold("Quórum") == "quorum"


@pytest.mark.parametrize(
    ("group", "text", "canonical"),
    [
        (keywords.ROLES, "tesorería", "treasurer"),
        (keywords.ROLES, "TRESORERIA", "treasurer"),
        (keywords.ROLES, "administradora", "admin"),
        (keywords.ROLES, "membre", "member"),
        (keywords.ROLES, "miembro", "member"),
        (keywords.THRESHOLDS, "mayoria", "majority"),
        (keywords.THRESHOLDS, "dos terços", "two-thirds"),
        (keywords.THRESHOLDS, "2/3", "two-thirds"),
        (keywords.THRESHOLDS, "consens", "consensus"),
        (keywords.CHOICES, "a favor", "yes"),
        (keywords.CHOICES, "En Contra", "no"),
        (keywords.CHOICES, "abstencion", "abstain"),
        (keywords.CHOICES, "in favour", "yes"),
        (keywords.OPTIONS, "quórum", "quorum"),
        (keywords.OPTIONS, "quòrum", "quorum"),
        (keywords.OPTIONS, "secreta", "secret"),
        (keywords.OPTIONS, "vinculant", "binding"),
        (keywords.OPTIONS, "vinculante", "binding"),
        (keywords.OPTIONS, "cada", "every"),
        (keywords.OPTIONS, "remot", "remote"),
        (keywords.NONE, "ninguno", "none"),
        (keywords.NONE, "cap", "none"),
        (keywords.WEEKS, "setmanes", "weeks"),
        (keywords.ANSWERS, "d'acord", "yes"),
        (keywords.WITHDRAW, "retirar", "withdraw"),
        (keywords.ACTIONS, "aprobar", "approve"),
        (keywords.ACTIONS, "Lloguer", "rent"),
        (keywords.ACTIONS, "alquiler", "rent"),
        (keywords.ACTIONS, "fi", "end"),
        (keywords.ACTIONS, "rellogar", "relet"),
        (keywords.ACTIONS, "politica", "policy"),
        (keywords.ACTIONS, "fons", "fund"),
        (keywords.ACTION_PARTS, "bono", "bond"),
        (keywords.ACTION_PARTS, "arriendo", "lease"),
        (keywords.ACTION_PARTS, "A", "to"),
    ],
)
def test_each_word_reads_as_its_canonical_word(
    group: keywords.Words, text: str, canonical: str
) -> None:
    assert keywords.read(text, group) == canonical


def test_a_word_is_read_only_in_its_group() -> None:
    assert keywords.read("no", keywords.CHOICES) == "no"
    assert keywords.read("no", keywords.NONE) == "none"
    assert keywords.read("tesorería", keywords.THRESHOLDS) is None
    assert keywords.read("abstain", keywords.ANSWERS) is None
    assert keywords.read("", keywords.ROLES) is None
    assert keywords.read("a", keywords.ACTIONS) is None
    assert keywords.read("rol", keywords.ROLES) is None


def test_a_group_not_in_the_table_is_read_all_the_same() -> None:
    own: keywords.Words = {"stop": {"es": ("para",)}}
    assert keywords.read("PARA", own) == "stop"
    assert keywords.read("stop", own) == "stop"
    assert keywords.read("sigue", own) is None


def test_every_canonical_word_is_understood_and_has_each_language() -> None:
    for group in keywords.GROUPS.values():
        for canonical, by_locale in group.items():
            assert keywords.read(canonical, group) == canonical
            assert set(by_locale) == {"en", "es", "ca"}, canonical


def test_no_spelling_means_two_things_in_one_group() -> None:
    for name, group in keywords.GROUPS.items():
        seen: dict[str, str] = {}
        for canonical, by_locale in group.items():
            for word in (canonical, *(w for words in by_locale.values() for w in words)):
                folded = keywords.fold(word)
                assert seen.setdefault(folded, canonical) == canonical, (name, word)


def test_spellings_is_a_copy() -> None:
    spellings = keywords.spellings(keywords.THRESHOLDS)
    assert spellings["dos tercios"] == "two-thirds"
    spellings.clear()
    assert keywords.spellings(keywords.THRESHOLDS)


def test_words_in_a_language_start_with_what_usage_lines_write() -> None:
    assert keywords.words_in("majority", keywords.THRESHOLDS, "es")[0] == "mayoría"
    assert keywords.words_in("two-thirds", keywords.THRESHOLDS, "ca")[0] == "dos-terços"
    assert keywords.words_in("admin", keywords.ROLES, "xx") == ("admin",)


def test_the_assembly_rules_read_the_table() -> None:
    assert parse_choice("a favor") is Choice.YES
    assert parse_choice("en contra") is Choice.NO
    assert parse_choice("Abstención") is Choice.ABSTAIN
    assert parse_threshold("Dos Tercios") is Threshold.TWO_THIRDS
    assert is_withdrawal("retira") and not is_withdrawal("yes")
    for bad, parse in (("maybe", parse_choice), ("most", parse_threshold)):
        with pytest.raises(Refusal):
            parse(bad)
