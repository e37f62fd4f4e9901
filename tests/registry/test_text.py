"""Symbol and name normalization."""

import pytest
from django.core.exceptions import ValidationError

from registry.text import normalize_name, normalize_symbol


def test_full_width_symbol_is_stored_as_ascii():
    assert normalize_symbol("\uff35\uff33\uff24\uff23") == "USDC"  # full-width USDC


def test_symbol_keeps_its_display_case():
    assert normalize_symbol(" stETH ") == "stETH"


@pytest.mark.parametrize("hidden", ["\u200b", "\u200d", "\u202e", "\x00"])
def test_symbol_with_invisible_characters_is_refused_and_the_character_named(hidden):
    with pytest.raises(ValidationError) as raised:
        normalize_symbol(f"US{hidden}DC")
    assert f"U+{ord(hidden):04X}" in raised.value.messages[0]


@pytest.mark.parametrize(
    "bad, code", [("", "required"), ("US DC", "whitespace"), ("X" * 21, "max_length")]
)
def test_malformed_symbols_are_refused(bad, code):
    with pytest.raises(ValidationError) as raised:
        normalize_symbol(bad)
    assert raised.value.error_list[0].code == code


def test_name_whitespace_is_collapsed():
    assert normalize_name("  Lido   Staked\tEther ") == "Lido Staked Ether"
