"""Lookalike characters in symbols and names, found with Unicode's confusables data."""

import pytest

from assets.confusables import latin_lookalike, skeleton, suspicious_characters

CYRILLIC_ES = "\u0421"  # looks like C
GREEK_BETA = "\u0392"  # looks like B


def test_a_cyrillic_letter_in_a_latin_symbol_is_named_with_what_it_looks_like():
    (found,) = suspicious_characters(f"USD{CYRILLIC_ES}")
    assert (found.character, found.script, found.looks_like) == (CYRILLIC_ES, "CYRILLIC", "C")
    assert (found.code_point, found.name) == ("U+0421", "CYRILLIC CAPITAL LETTER ES")
    assert found.describe() == (
        f'"{CYRILLIC_ES}" U+0421 CYRILLIC CAPITAL LETTER ES looks like Latin "C" '
        "(U+0043 LATIN CAPITAL LETTER C)"
    )


def test_each_suspicious_character_is_named_once():
    found = suspicious_characters(f"w{GREEK_BETA}T{CYRILLIC_ES}{CYRILLIC_ES}")
    assert [(c.code_point, c.looks_like) for c in found] == [("U+0392", "B"), ("U+0421", "C")]


def test_names_are_checked_like_symbols():
    (found,) = suspicious_characters(f"USD {CYRILLIC_ES}oin")
    assert found.name == "CYRILLIC CAPITAL LETTER ES"


@pytest.mark.parametrize(
    "value",
    [
        "USDC",
        "stETH",
        "USD0",  # a digit that looks like O is an ordinary ticker character
        "USDC.e",
        "Tether USD₮",
        "Рубль",  # wholly Cyrillic: not mixed, misleads nobody by itself
        "Ether (Ξ)",
    ],
)
def test_plain_text_is_not_suspicious(value):
    assert suspicious_characters(value) == []


def test_the_skeleton_is_the_symbol_a_reader_sees():
    assert skeleton(f"USD{CYRILLIC_ES}") == "USDC"
    assert skeleton("\u0412\u0422\u0421") == "BTC"  # all Cyrillic
    assert skeleton("stETH") == "STETH"
    assert skeleton("USD0") == "USD0"


def test_latin_and_common_characters_have_no_lookalike():
    assert latin_lookalike("C") is None
    assert latin_lookalike("0") is None
    assert latin_lookalike(".") is None
    assert latin_lookalike(CYRILLIC_ES) == "C"
    assert latin_lookalike("\u03b1") == "a"  # Greek alpha
