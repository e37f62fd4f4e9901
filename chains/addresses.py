"""Address rules per chain type: one function validates and normalizes, every path uses it.

- EVM: ``0x`` + 40 hex digits. A mixed-case address must pass its EIP-55 checksum (a
  typo in a checksummed address is caught, not stored); all-lower or all-upper input
  carries no checksum and is accepted. Stored in EIP-55 form; the database compares
  addresses case-insensitively, so every spelling of one address is one deployment.
- SOLANA: base58 that decodes to exactly 32 bytes and re-encodes to the same string.
- COSMOS: a Cosmos SDK denomination (``uatom``, ``ibc/27394F…``, ``factory/osmo1…/x``)
  or bech32 contract address, both matched by the SDK's denom pattern.
- BITCOIN, OTHER: documented pass-through. Tokens on these chains are named in ways
  with no single rule (rune ids such as ``840000:3``, BRC-20 tickers), so the value is
  only trimmed and checked for whitespace and length.

Every chain type first refuses invisible characters by the registry's one rule
(``registry.text.refuse_invisible``): an address followed by U+200B is a lookalike of
the real one, never a new deployment.
"""

import re
import string

import base58
from django.core.exceptions import ValidationError
from django.db.models import Func, TextField
from eth_utils import is_checksum_address, to_checksum_address

from chains.choices import ChainType
from registry.text import refuse_invisible

ADDRESS_MAX_LENGTH = 128

_EVM_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_COSMOS_DENOM = re.compile(r"^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$")
_WHITESPACE = re.compile(r"\s")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def normalize_address(chain_type: str, address: str) -> str:
    """Return the stored form of ``address`` on a chain of ``chain_type``.

    Raises ValidationError with the reason when the address is not valid there.
    """
    if not isinstance(address, str):
        raise ValidationError("Address must be a string.", code="invalid")
    address = address.strip()
    refuse_invisible(address, "Address")
    if not address:
        raise ValidationError("Address must not be empty.", code="required")
    if len(address) > ADDRESS_MAX_LENGTH:
        raise ValidationError(
            f"Address is {len(address)} characters long; the limit is {ADDRESS_MAX_LENGTH}.",
            code="max_length",
        )
    if chain_type == ChainType.EVM:
        return _normalize_evm(address)
    if chain_type == ChainType.SOLANA:
        return _normalize_solana(address)
    if chain_type == ChainType.COSMOS:
        if not _COSMOS_DENOM.match(address):
            raise ValidationError(
                "Not a Cosmos denomination or address: expected a letter, then 2-127 of "
                "letters, digits and / : . _ -.",
                code="invalid_address",
            )
        return address
    if _WHITESPACE.search(address):
        raise ValidationError("Address must not contain whitespace.", code="invalid_address")
    return address


def address_lookup_key(address: str) -> str:
    """The case-folded form the database's uniqueness and lookups compare on: ASCII
    letters lower-cased, nothing else (``AddressKey`` computes exactly this in SQL).

    Only ASCII letters fold, because only EVM's hex digits need it, and full Unicode case
    mapping is computed differently by Python and by PostgreSQL's locale (U+0130 "İ" is
    "i" + U+0307 in Python, "i" in C.UTF-8; a final capital sigma becomes the final form
    in Python only): an address on a pass-through chain stored with such a letter was not
    found at its own spelling.
    """
    return address.strip().translate(_ASCII_LOWER)


class AddressKey(Func):
    """``address_lookup_key`` of an address column, in SQL: lower() under the "C"
    collation lower-cases ASCII letters only, whatever the database's locale (a Func,
    as registry.text.SymbolKey: Django allows no Collate inside an index expression)."""

    template = 'LOWER((%(expressions)s) COLLATE "C")'
    output_field = TextField()


def _normalize_evm(address: str) -> str:
    if not _EVM_ADDRESS.match(address):
        raise ValidationError(
            "Not an EVM address: expected 0x followed by 40 hexadecimal digits.",
            code="invalid_address",
        )
    digits = address[2:]
    if digits != digits.lower() and digits != digits.upper() and not is_checksum_address(address):
        raise ValidationError(
            "EVM address fails its EIP-55 checksum: its letter case does not match. Check "
            "it for a typo; send it all lower-case only if you are sure of the digits.",
            code="bad_checksum",
        )
    return to_checksum_address(address.lower())


def _normalize_solana(address: str) -> str:
    try:
        decoded = base58.b58decode(address)
    except ValueError:
        raise ValidationError(
            "Not a Solana address: it contains characters outside the base58 alphabet.",
            code="invalid_address",
        ) from None
    if len(decoded) != 32:
        raise ValidationError(
            f"Not a Solana address: it decodes to {len(decoded)} bytes, not 32.",
            code="invalid_address",
        )
    if base58.b58encode(decoded).decode() != address:
        raise ValidationError(
            "Not a Solana address: it is not in canonical base58 form.", code="invalid_address"
        )
    return address
