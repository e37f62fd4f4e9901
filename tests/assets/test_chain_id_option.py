"""`import_chains --only`: chain ids are ASCII digits; anything else is named, not misread."""

import pytest

from assets.importers.chainlist import parse_chain_ids


def test_chain_ids_are_read_from_ascii_digits():
    assert parse_chain_ids("1, 10,8453") == {1, 10, 8453}


@pytest.mark.parametrize(
    "value",
    ["²", "\u0661", "1_0", "+1", "0", "-1", "1.0", pytest.param("9" * 5000, id="5000-digits")],
)
def test_anything_else_is_refused_with_the_option_and_the_value(value):
    """ "²" passed isdigit() and then failed int() with Python's message; the Arabic-Indic
    one was read as chain 1."""
    with pytest.raises(ValueError, match=r"^--only: .* is not a chain id"):
        parse_chain_ids(value)
