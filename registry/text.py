"""Normalization of the human-entered text the registry keys on: symbols and names.

Every write path stores one spelling: NFKC-normalized (so full-width and ASCII
"USDC" are one symbol), trimmed, with control and zero-width characters refused
outright because they make two different strings look identical.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError

SYMBOL_MAX_LENGTH = 20
NAME_MAX_LENGTH = 200

# Cc: control characters; Cf: format characters (zero-width space/joiner, bidi
# overrides, soft hyphen); Co/Cs/Cn: private-use, surrogate and unassigned code points.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn"}
_WHITESPACE_RUN = re.compile(r"\s+")


def invisible_characters(value: str) -> list[str]:
    """Name each invisible character of ``value``, e.g. 'U+200B ZERO WIDTH SPACE'."""
    found = []
    for char in value:
        if char in "\t\n\r " or unicodedata.category(char) not in _INVISIBLE_CATEGORIES:
            continue
        found.append(f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED')}")
    return found


def _refuse_invisible(value: str, what: str) -> None:
    invisible = invisible_characters(value)
    if invisible:
        raise ValidationError(
            f"{what} contains invisible or control characters: {', '.join(invisible)}.",
            code="invisible_characters",
        )


def lookup_form(value: str) -> str:
    """NFKC and trimmed: the form a looked-up symbol is compared in."""
    return unicodedata.normalize("NFKC", value).strip()


def normalize_symbol(value: str) -> str:
    """Return the stored form of a ticker symbol, or raise ValidationError saying why not."""
    if not isinstance(value, str):
        raise ValidationError("Symbol must be a string.", code="invalid")
    symbol = lookup_form(value)
    _refuse_invisible(symbol, "Symbol")
    if not symbol:
        raise ValidationError("Symbol must not be empty.", code="required")
    if _WHITESPACE_RUN.search(symbol):
        raise ValidationError("Symbol must not contain whitespace.", code="whitespace")
    if len(symbol) > SYMBOL_MAX_LENGTH:
        raise ValidationError(
            f"Symbol is {len(symbol)} characters long; the limit is {SYMBOL_MAX_LENGTH}.",
            code="max_length",
        )
    return symbol


def normalize_name(value: str) -> str:
    """Return the stored form of a display name: NFKC, trimmed, inner whitespace collapsed."""
    if not isinstance(value, str):
        raise ValidationError("Name must be a string.", code="invalid")
    name = _WHITESPACE_RUN.sub(" ", unicodedata.normalize("NFKC", value)).strip()
    _refuse_invisible(name, "Name")
    if not name:
        raise ValidationError("Name must not be empty.", code="required")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            f"Name is {len(name)} characters long; the limit is {NAME_MAX_LENGTH}.",
            code="max_length",
        )
    return name


def normalize_code(value: str) -> str:
    """Return the stored form of a code kept exactly as its owner spells it.

    External ids, venue currency codes and venue tickers: trimmed, but neither
    case-folded nor NFKC-normalized; whitespace and invisible characters are refused.
    """
    if not isinstance(value, str):
        raise ValidationError("Must be a string.", code="invalid")
    code = value.strip()
    _refuse_invisible(code, "Code")
    if not code:
        raise ValidationError("Must not be empty.", code="required")
    if _WHITESPACE_RUN.search(code):
        raise ValidationError("Must not contain whitespace.", code="whitespace")
    return code
