"""Symbol, name and code normalization, the invisible-character rule, the symbol key."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Value
from hypothesis import example, given, settings
from hypothesis import strategies as st

from registry import text
from registry.text import normalize_code, normalize_name, normalize_symbol
from tests.strategies import (
    NAMED_INVISIBLES,
    STORABLE_TEXT,
    evaluated_in_postgresql,
    is_invisible,
    with_inner_invisible_character,
    with_invisible_character,
)


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


# --- invisible characters: one rule for every identifier --------------------------------


@given(char=st.characters(codec=None, categories=None))
def test_the_rule_refuses_exactly_the_invisible_characters_unicode_defines(char):
    assert text.is_invisible(char) == is_invisible(char), text.describe_character(char)


@pytest.mark.parametrize("char", NAMED_INVISIBLES)
def test_named_invisibles_are_refused_in_symbols_codes_and_addresses_alike(char):
    for normalize, value in ((normalize_symbol, "US"), (normalize_code, "BTC")):
        with pytest.raises(ValidationError, match=f"U\\+{ord(char):04X}"):
            normalize(f"{value}{char}X")


@given(value=with_inner_invisible_character("stETH"))
def test_a_symbol_with_an_invisible_character_is_refused(value):
    with pytest.raises(ValidationError):
        normalize_symbol(value)


@given(value=with_inner_invisible_character("XXBTZUSD"))
def test_a_code_with_an_invisible_character_is_refused(value):
    with pytest.raises(ValidationError):
        normalize_code(value)


@given(value=with_invisible_character("Lido Staked Ether"))
def test_a_name_never_stores_an_invisible_character(value):
    """Refused, or (a blank) collapsed into a visible space."""
    try:
        stored = normalize_name(value)
    except ValidationError:
        return
    assert not any(is_invisible(char) for char in stored), stored


def test_surrogates_and_nul_are_unstorable_but_format_characters_are_storable():
    assert text.unstorable_characters("a\x00b\ud800") == [
        "U+0000 (control character)",
        "U+D800 (surrogate)",
    ]
    assert text.unstorable_characters("emoji \u200d and \u202e bidi") == []


# --- the symbol key: one function, computed alike by Python and PostgreSQL ---------------


@pytest.mark.parametrize(
    "symbol, key",
    [("stETH", "STETH"), ("ßtoken", "ßTOKEN"), ("\u0131nch", "\u0131NCH"), ("\uff55sdc", "USDC")],
)
def test_symbol_key_upper_cases_ascii_letters_only_after_nfkc(symbol, key):
    assert text.symbol_key(symbol) == key


@pytest.mark.django_db
@settings(max_examples=300, deadline=None)
@given(symbol=st.text(alphabet=STORABLE_TEXT, max_size=40))
@example(symbol="\u00dftoken")  # sharp s: SS in Python's full upper case
@example(symbol="\u0131nch")  # dotless i: I in C.UTF-8's upper()
@example(symbol="\ufb00")  # the ff ligature: "ff" after NFKC
def test_postgresql_computes_the_symbol_key_python_computes(symbol):
    """The generated column, the group constraint and the filters (SymbolKey, the
    expression itself) agree with the hot path's key (symbol_key) of any text: the
    database computes it on the stored (NFKC, trimmed) form, the hot path on what was
    asked."""
    stored = text.lookup_form(symbol)
    assert evaluated_in_postgresql(text.SymbolKey(Value(stored))) == text.symbol_key(symbol)
    assert text.symbol_key(stored) == text.symbol_key(symbol)  # idempotent
