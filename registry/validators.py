"""Validators shared by the entity models."""

import json
import math
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator

from registry.text import refuse_unstorable

# Slugs used as primary keys (chain_id, venue_id, group_id): lower-case, stable, URL-safe.
SLUG_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
validate_registry_slug = RegexValidator(
    SLUG_PATTERN,
    "Use lower-case letters, digits and single '-' or '_' between them (e.g. 'uniswap-v3').",
    code="invalid_slug",
)

# RPC endpoints are often websockets.
validate_rpc_url = URLValidator(schemes=["http", "https", "ws", "wss"])


_web_url = URLValidator(schemes=["http", "https"])
_content_address = RegexValidator(
    r"^(ipfs|ipns|ar)://[A-Za-z0-9._~/-]+$",
    "Enter an http(s), ipfs://, ipns:// or ar:// URL.",
    code="invalid",
)


def validate_logo_url(value: str) -> None:
    """Token lists point logos at IPFS and Arweave as often as at the web."""
    if value.startswith(("ipfs://", "ipns://", "ar://")):
        _content_address(value)
    else:
        _web_url(value)


# Metadata bounds: what every reader can render. protobuf's Struct (the events) nests
# three messages per JSON level and parsers stop at 100 messages deep (Python, C++,
# Java), i.e. about 33 levels; orjson (the API's lists) stops at 255. Real metadata
# (token list extensions, CCXT market info) is at most 4 levels deep and 4 KB.
METADATA_MAX_DEPTH = 16
METADATA_MAX_BYTES = 32 * 1024
# orjson writes integers of 64 bits at most; larger numbers belong in strings.
METADATA_MIN_INTEGER, METADATA_MAX_INTEGER = -(2**63), 2**64 - 1


def validate_metadata(value: Any, encoder: type[json.JSONEncoder] | None = None) -> None:
    """Refuse a JSON value some reader could not render, saying where and why.

    Nesting deeper than METADATA_MAX_DEPTH, more than METADATA_MAX_BYTES as compact
    UTF-8 JSON, integers outside 64 bits, NaN and infinities, and text that cannot be
    stored (NUL, lone surrogates) in keys and strings. Walks without recursion, so no
    depth of input can exhaust the stack.
    """
    pending = [(value, "", 0)]
    while pending:
        item, path, depth = pending.pop()
        where = f" at {path}" if path else ""
        if isinstance(item, dict | list | tuple):
            depth += 1
            if depth > METADATA_MAX_DEPTH:
                raise ValidationError(
                    f"Nested more than {METADATA_MAX_DEPTH} levels deep{where}; the limit is "
                    f"{METADATA_MAX_DEPTH}.",
                    code="too_deep",
                )
            if isinstance(item, dict):
                for key, child in item.items():
                    if isinstance(key, str):
                        refuse_unstorable(key, f"A key{where}")
                    pending.append((child, f"{path}/{str(key)[:40]}", depth))
            else:
                pending.extend((child, f"{path}/{i}", depth) for i, child in enumerate(item))
        elif isinstance(item, str):
            refuse_unstorable(item, f"The text{where}")
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if not METADATA_MIN_INTEGER <= item <= METADATA_MAX_INTEGER:
                raise ValidationError(
                    f"The integer{where} does not fit in 64 bits; write it as a string.",
                    code="number_out_of_range",
                )
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValidationError(
                f"{item}{where} is not a JSON number.", code="number_out_of_range"
            )
    try:
        encoded = json.dumps(value, cls=encoder, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return  # not JSON at all: the field's own validation says so
    size = len(encoded.encode())
    if size > METADATA_MAX_BYTES:
        raise ValidationError(
            f"{size:,} bytes as compact JSON; the limit is {METADATA_MAX_BYTES:,} bytes.",
            code="too_large",
        )
