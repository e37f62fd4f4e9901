"""JSON Schema errors in a steward's words (registry.schema_messages), derived from the
schema: the official Token Lists schema (assets/schemas/tokenlist.schema.json)."""

import json
from pathlib import Path

import jsonschema_rs
import pytest

from registry.schema_messages import describe_pattern, explain

SCHEMA = json.loads(
    (
        Path(__file__).resolve().parents[2] / "assets" / "schemas" / "tokenlist.schema.json"
    ).read_text()
)
TOKEN_SCHEMA = {"definitions": SCHEMA["definitions"], **SCHEMA["definitions"]["TokenInfo"]}
GOOD_TOKEN = {
    "chainId": 1,
    "address": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
    "decimals": 6,
    "name": "USD Coin",
    "symbol": "USDC",
}
# The validator's own words, which must not reach a steward.
JSON_SCHEMA_WORDS = ("anyOf", "is not valid under", "does not match", "is not of type")


def problems(token: dict) -> list[str]:
    validator = jsonschema_rs.validator_for(TOKEN_SCHEMA)
    return [str(explain(error, TOKEN_SCHEMA)) for error in validator.iter_errors(token)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"symbol": "Unlimited Energy"},
            'symbol: must be 1-20 characters without spaces, or empty (is "Unlimited Energy")',
        ),
        (
            {"symbol": "ABTXXXXXXXXXXXXXXXXXXXXXX"},
            "symbol: must be 1-20 characters without spaces, or empty "
            '(is "ABTXXXXXXXXXXXXXXXXXXXXXX")',
        ),
        (
            {"address": "0xNOTANADDRESS"},
            'address: must be "0x" followed by 40 hexadecimal digits, or 32-44 base58 '
            'characters (is "0xNOTANADDRESS")',
        ),
        ({"decimals": 300}, "decimals: must be a whole number from 0 to 255 (is 300)"),
        ({"chainId": "1"}, 'chainId: must be a whole number of at least 1 (is "1")'),
        (
            {"tags": ["lp-token"]},
            "tags[0]: must be 1-10 characters made of letters, digits and underscores "
            '(is "lp-token")',
        ),
        (
            {"extensions": {"website": "https://" + "w" * 40 + ".example"}},
            "extensions.website: must be 1-42 characters, or true/false, or a number, or null, "
            'or an object of at most 10 keys (is 56 characters: "https://wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww…")',
        ),
        (
            {"extensions": {"bridge-info": 1}},
            "extensions: each key must be 1-40 characters made of letters, digits and "
            'underscores (is "bridge-info")',
        ),
        (
            {"color": "red"},
            "has unknown fields color (known: chainId, address, decimals, name, symbol, "
            "logoURI, tags, extensions)",
        ),
    ],
    ids=[
        "symbol-spaces",
        "symbol-long",
        "address",
        "decimals",
        "chain-id-type",
        "tag",
        "extension-value",
        "extension-key",
        "unknown-field",
    ],
)
def test_each_breach_reads_as_the_rule_it_breaks(change, message):
    assert problems({**GOOD_TOKEN, **change}) == [message]


def test_a_missing_field_is_named():
    token = {key: value for key, value in GOOD_TOKEN.items() if key != "decimals"}

    assert problems(token) == ["decimals: is missing"]


def test_grouped_problems_share_a_kind_whatever_the_value():
    validator = jsonschema_rs.validator_for(TOKEN_SCHEMA)
    kinds = {
        explain(error, TOKEN_SCHEMA).kind
        for tags in (["lp-token"], ["wrapped-sollet", "a b"])
        for error in validator.iter_errors({**GOOD_TOKEN, "tags": tags})
    }

    assert kinds == {
        "tags: each item must be 1-10 characters made of letters, digits and underscores"
    }


def test_no_validator_wording_reaches_a_report_of_the_real_solana_sample():
    """Every problem of the sample's 301 tokens (11,000 tag and extension breaches in the
    full list are of the same few kinds) is said in words."""
    tokens = json.loads(
        (
            Path(__file__).resolve().parents[1] / "fixtures" / "solana-sample.tokenlist.json"
        ).read_text()
    )["tokens"]
    said = [message for token in tokens for message in problems(token)]

    assert len(said) > 300
    assert not [message for message in said if any(word in message for word in JSON_SCHEMA_WORDS)]


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"^\S+$", "without spaces"),
        (r"^[\w]+$", "made of letters, digits and underscores"),
        (r"^[ \w]+$", "made of spaces, letters, digits and underscores"),
        (r"^[ \w\.,:]+$", "made of spaces, letters, digits, underscores and , . :"),
        (r"^0x[a-fA-F0-9]{40}$", '"0x" followed by 40 hexadecimal digits'),
        (r"^[A-Z]{3}-\d{2,4}$", '3 A-Z followed by "-" followed by 2-4 digits'),
        (r"^(?=x).*$", r"matching the pattern ^(?=x).*$"),
        (r"ab", "matching the pattern ab"),
    ],
)
def test_patterns_are_described_or_quoted(pattern, words):
    assert describe_pattern(pattern).phrase == words
