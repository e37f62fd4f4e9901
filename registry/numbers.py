"""Whole numbers read from text (query parameters, headers, command options) strictly,
and decimals written out exactly.

``int()`` also takes other scripts' digits ("١٢" is 12), underscores, a sign and
surrounding spaces, and fails with a ValueError on "²" (which ``str.isdigit()`` accepts)
or on more than 4,300 digits; read that way, a misread or a 500. Here a number is ASCII
digits, with an optional '-', within bounds.
"""

import re
from decimal import Context, Decimal

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


def exact_normal(value: Decimal) -> Decimal:
    """``value`` without trailing zeros, every digit kept: 0.0100 is 0.01.

    ``Decimal.normalize()`` also rounds to the context's precision, 28 digits: a stored
    99999999999999999999.999999999999999999 (38 digits, as the columns allow) came out
    of the API, the hot lookups and the events as 100000000000000000000."""
    return value.normalize(Context(prec=max(len(value.as_tuple().digits), 1)))


def plain_decimal(value: Decimal | None) -> str | None:
    """A decimal as people write it and the contracts carry it: no exponent, no trailing
    zeros, every digit ("0.01", "100", "0.00000001"); None for None."""
    return None if value is None else format(exact_normal(value), "f")
