"""Address rules per chain type, on real addresses."""

import contextlib

import base58
import pytest
from django.core.exceptions import ValidationError
from django.db.models import Value
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from chains.addresses import AddressKey, address_lookup_key, normalize_address
from chains.choices import ChainType
from tests.strategies import (
    STORABLE_TEXT,
    evaluated_in_postgresql,
    with_inner_invisible_character,
    with_invisible_character,
)

USDC_ETHEREUM = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
USDC_SOLANA_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"


def reason_code(chain_type: str, address: str) -> str:
    with pytest.raises(ValidationError) as raised:
        normalize_address(chain_type, address)
    return raised.value.error_list[0].code


def test_checksummed_evm_address_is_accepted_as_is():
    assert normalize_address(ChainType.EVM, USDC_ETHEREUM) == USDC_ETHEREUM


@pytest.mark.parametrize(
    "spelling", [USDC_ETHEREUM.lower(), "0x" + USDC_ETHEREUM[2:].upper(), f"  {USDC_ETHEREUM} "]
)
def test_every_spelling_of_an_evm_address_is_stored_in_eip55_form(spelling):
    assert normalize_address(ChainType.EVM, spelling) == USDC_ETHEREUM


def test_mixed_case_evm_address_with_a_wrong_checksum_is_refused():
    # One letter's case flipped: still mixed case, no longer the EIP-55 spelling.
    wrong = "0xa0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
    assert reason_code(ChainType.EVM, wrong) == "bad_checksum"


@pytest.mark.parametrize(
    "address",
    [
        "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB4",  # 39 hex digits
        "A0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",  # no 0x
        "0xG0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",  # not hex
    ],
)
def test_malformed_evm_address_is_refused(address):
    assert reason_code(ChainType.EVM, address) == "invalid_address"


def test_solana_mint_address_is_accepted():
    assert normalize_address(ChainType.SOLANA, USDC_SOLANA_MINT) == USDC_SOLANA_MINT


def test_base58_string_of_31_bytes_is_refused():
    short = base58.b58encode(bytes(range(1, 32))).decode()
    assert len(base58.b58decode(short)) == 31
    with pytest.raises(ValidationError, match="decodes to 31 bytes"):
        normalize_address(ChainType.SOLANA, short)


def test_solana_address_outside_the_base58_alphabet_is_refused():
    # '0', 'O', 'I' and 'l' are not in base58.
    assert reason_code(ChainType.SOLANA, "0" + USDC_SOLANA_MINT[1:]) == "invalid_address"


def test_evm_address_is_not_a_solana_address():
    assert reason_code(ChainType.SOLANA, USDC_ETHEREUM) == "invalid_address"


def test_cosmos_denominations_are_accepted():
    ibc_atom = "ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2"
    assert normalize_address(ChainType.COSMOS, ibc_atom) == ibc_atom
    assert normalize_address(ChainType.COSMOS, "uatom") == "uatom"
    assert reason_code(ChainType.COSMOS, "1atom") == "invalid_address"


def test_other_chain_types_pass_through_but_refuse_whitespace():
    assert normalize_address(ChainType.BITCOIN, " 840000:3 ") == "840000:3"
    assert reason_code(ChainType.OTHER, "two words") == "invalid_address"


def test_empty_address_is_refused():
    assert reason_code(ChainType.EVM, "   ") == "required"


# --- invisible characters: refused on every chain type, by the registry's one rule ------

VALID_ADDRESSES = {
    ChainType.EVM: USDC_ETHEREUM,
    ChainType.SOLANA: USDC_SOLANA_MINT,
    ChainType.COSMOS: "ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2",
    ChainType.BITCOIN: "840000:3",
    ChainType.OTHER: "token.near",
}


def test_every_chain_type_has_a_sample_address():
    assert set(VALID_ADDRESSES) == set(ChainType)


@pytest.mark.parametrize("chain_type", list(ChainType))
@given(data=st.data())
def test_an_address_with_an_invisible_character_is_refused_or_is_the_address_itself(
    chain_type, data
):
    """Never a lookalike: refused, or (a blank at either end) trimmed to the same address."""
    valid = VALID_ADDRESSES[chain_type]
    address = data.draw(with_invisible_character(valid))
    try:
        stored = normalize_address(chain_type, address)
    except ValidationError:
        return
    assert stored == normalize_address(chain_type, valid)


@pytest.mark.parametrize("chain_type", list(ChainType))
@given(data=st.data())
def test_an_address_with_an_inner_invisible_character_is_refused(chain_type, data):
    address = data.draw(with_inner_invisible_character(VALID_ADDRESSES[chain_type]))
    with pytest.raises(ValidationError):
        normalize_address(chain_type, address)


@pytest.mark.parametrize("hidden", ["\u200b", "\u202e", "\u00ad"])
def test_a_rune_id_followed_by_an_invisible_character_is_refused_naming_it(hidden):
    """'840000:3' + U+200B was stored as a second deployment, a lookalike of the first."""
    with pytest.raises(ValidationError, match=f"U\\+{ord(hidden):04X}") as raised:
        normalize_address(ChainType.BITCOIN, f"840000:3{hidden}")
    assert raised.value.error_list[0].code == "invisible_characters"


# --- properties: EIP-55 round trip, idempotence, the case rules per chain type ----------

TWENTY_BYTES = st.binary(min_size=20, max_size=20)


def eip55(raw: bytes) -> str:
    """EIP-55 written out from its definition (keccak of the lower-case hex digits: a
    letter is upper-case where the hash's nibble is 8 or more), not eth_utils'."""
    from eth_hash.auto import keccak

    digits = raw.hex()
    nibbles = keccak(digits.encode()).hex()
    return "0x" + "".join(
        char.upper() if int(nibbles[index], 16) >= 8 else char for index, char in enumerate(digits)
    )


@given(raw=TWENTY_BYTES)
def test_every_spelling_of_a_random_evm_address_normalizes_to_its_eip55_form(raw):
    checksummed = eip55(raw)
    for spelling in (checksummed, checksummed.lower(), "0x" + raw.hex().upper(), checksummed):
        assert normalize_address(ChainType.EVM, f" {spelling}\t") == checksummed


@given(raw=TWENTY_BYTES, data=st.data())
def test_a_mixed_case_evm_address_off_its_checksum_is_refused(raw, data):
    checksummed = eip55(raw)
    letters = [index for index, char in enumerate(checksummed) if char.isalpha() and index > 1]
    assume(letters)
    flipped = data.draw(st.sampled_from(letters))
    wrong = checksummed[:flipped] + checksummed[flipped].swapcase() + checksummed[flipped + 1 :]
    digits = wrong[2:]
    # A flip that leaves one letter case carries no checksum: accepted by design.
    assume(digits not in (digits.lower(), digits.upper()))
    assert reason_code(ChainType.EVM, wrong) == "bad_checksum"


SOLANA_KEYS = st.binary(min_size=32, max_size=32).map(lambda raw: base58.b58encode(raw).decode())
# Any one-line text without whitespace: what BITCOIN and OTHER pass through.
ANY_TEXT = st.text(alphabet=STORABLE_TEXT, min_size=1, max_size=40)


@pytest.mark.parametrize("chain_type", list(ChainType))
@given(data=st.data())
def test_normalizing_a_stored_address_again_changes_nothing(chain_type, data):
    address = data.draw(
        {
            ChainType.EVM: TWENTY_BYTES.map(lambda raw: "0x" + raw.hex()),
            ChainType.SOLANA: SOLANA_KEYS,
        }.get(chain_type, ANY_TEXT)
    )
    try:
        stored = normalize_address(chain_type, address)
    except ValidationError:
        return
    assert normalize_address(chain_type, stored) == stored


@given(address=SOLANA_KEYS)
def test_a_solana_address_is_kept_in_its_letter_case(address):
    """base58 is case-sensitive: another letter case is another key, or not one."""
    assert normalize_address(ChainType.SOLANA, address) == address
    swapped = address.swapcase()
    if swapped == address:
        return
    with contextlib.suppress(ValidationError):
        assert normalize_address(ChainType.SOLANA, swapped) == swapped


# --- the database compares addresses as Python does ------------------------------------


@pytest.mark.django_db
@settings(max_examples=300, deadline=None)
@given(address=ANY_TEXT)
@example(address="\u0130NCH")  # LATIN CAPITAL LETTER I WITH DOT ABOVE
@example(address="\u0391\u03a3")  # ALPHA, SIGMA: Python's lower() gives the final sigma
def test_postgresql_computes_the_address_key_python_computes(address):
    """The unique index and the lookups fold an address's letter case in SQL
    (AddressKey); the hot path and the importers in Python (address_lookup_key). Both
    fold ASCII letters only: PostgreSQL's lower() made U+0130 "i" where Python makes it
    "i" + U+0307, and a final capital sigma the medial small one, Python the final one."""
    try:
        stored = normalize_address(ChainType.OTHER, address)
    except ValidationError:
        return
    assert evaluated_in_postgresql(AddressKey(Value(stored))) == address_lookup_key(stored)
