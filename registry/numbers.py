"""Whole numbers read from text (query parameters, headers, command options) strictly.

``int()`` also takes other scripts' digits ("١٢" is 12), underscores, a sign and
surrounding spaces, and fails with a ValueError on "²" (which ``str.isdigit()`` accepts)
or on more than 4,300 digits; read that way, a misread or a 500. Here a number is ASCII
digits, with an optional '-', within bounds.
"""

import re

# A PostgreSQL bigint: every integer the registry stores fits in one.
BIGINT_MAX = 2**63 - 1
_ASCII_INTEGER = re.compile(r"-?[0-9]{1,19}")


def ascii_integer(text, *, minimum: int = -BIGINT_MAX, maximum: int = BIGINT_MAX) -> int | None:
    """``text`` as an integer if it is an optional '-' and ASCII digits, from ``minimum``
    to ``maximum``; None otherwise (the caller words the error)."""
    if not isinstance(text, str) or not _ASCII_INTEGER.fullmatch(text):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None
