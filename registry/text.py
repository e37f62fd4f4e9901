"""The rules for the text the registry stores, each in one place.

- **Invisible characters** (``refuse_invisible``): every identifier and every other
  one-line value (symbols, tickers, codes, external ids, addresses of every chain type,
  slugs, URLs, names: each CharField of a RegistryModel) refuses them, because they
  make two different strings look identical ("840000:3" and "840000:3" + U+200B).
- **Symbols and names** are stored NFKC-normalized and trimmed, so full-width and ASCII
  "USDC" are one symbol.
- **The symbol key** (``symbol_key``): the one case-insensitive form symbols are
  compared in, computed identically by Python (the hot path's cache keys) and by
  PostgreSQL (``SymbolKey``: the generated column, filters, constraints).
- **Slugs made from names** (``slug_of``): the one rule an id is made by where a
  create names none (a venue, chain or group created over gRPC).
- **Free text** (descriptions, reasons, notes) is bounded in length and, like every
  text and JSON value, holds nothing PostgreSQL or UTF-8 cannot store (NUL, lone
  surrogates); ``registry.models.RegistryModel.normalize`` applies all of it.
"""

import re
import string
import unicodedata

import regex
from django.core.exceptions import ValidationError
from django.db.models import Func, TextField

SYMBOL_MAX_LENGTH = 20
NAME_MAX_LENGTH = 200
# Descriptions, flag reasons and resolution notes: a few pages, at most 40 KB in UTF-8.
FREE_TEXT_MAX_LENGTH = 10_000

# Cc: control characters (tab and line breaks too: identifiers are one line);
# Cf: format characters (zero-width space/joiner, bidi controls, soft hyphen);
# Co/Cs/Cn: private-use, surrogate and unassigned code points (in Python's Unicode
# version, the one NFKC is computed with, so the stored form cannot change under us).
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn"}
# Unicode's Default_Ignorable_Code_Point: what renders as nothing although it is a
# letter or a mark (U+3164 HANGUL FILLER, U+115F, variation selectors, U+034F).
_DEFAULT_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")
# Blanks that are not the ASCII space: a lookalike of a space, or of nothing.
_BLANK_CATEGORIES = {"Zs", "Zl", "Zp"}
_INVISIBLE_SYMBOLS = {"\u2800"}  # BRAILLE PATTERN BLANK: a symbol (So) that draws nothing
_WHITESPACE_RUN = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def is_invisible(char: str) -> bool:
    """True for a character that renders as nothing, or as a space that is not one."""
    if char == " ":
        return False
    category = unicodedata.category(char)
    return (
        category in _INVISIBLE_CATEGORIES
        or category in _BLANK_CATEGORIES
        or char in _INVISIBLE_SYMBOLS
        or _DEFAULT_IGNORABLE.match(char) is not None
    )


_UNNAMED = {
    "Cc": "(control character)",
    "Cs": "(surrogate)",
    "Co": "(private use)",
    "Cn": "(unassigned)",
}


def describe_character(char: str) -> str:
    """'U+200B ZERO WIDTH SPACE', 'U+0009 (control character)'."""
    category = unicodedata.category(char)
    return f"U+{ord(char):04X} {unicodedata.name(char, _UNNAMED.get(category, category))}"


def invisible_characters(value: str) -> list[str]:
    """Name each invisible character of ``value``, e.g. 'U+200B ZERO WIDTH SPACE'."""
    if value.isascii() and value.isprintable():
        return []  # the common case, and no printable ASCII character is invisible
    return [describe_character(char) for char in value if is_invisible(char)]


def refuse_invisible(value: str, what: str) -> None:
    """The one rule for identifiers: raise ValidationError naming each invisible character."""
    invisible = invisible_characters(value)
    if invisible:
        raise ValidationError(
            f"{what} contains invisible or control characters: {', '.join(invisible)}.",
            code="invisible_characters",
        )


def unstorable_characters(value: str) -> list[str]:
    """Characters no text or JSON field can hold: NUL (PostgreSQL refuses it) and lone
    surrogates (not UTF-8: the database driver and protobuf refuse them)."""
    if "\x00" not in value and not _SURROGATE.search(value):
        return []
    return [
        describe_character(char)
        for char in value
        if char == "\x00" or unicodedata.category(char) == "Cs"
    ]


def refuse_unstorable(value: str, what: str) -> None:
    """Raise ValidationError naming each character of ``value`` no field can store."""
    unstorable = unstorable_characters(value)
    if unstorable:
        raise ValidationError(
            f"{what} contains characters that cannot be stored: {', '.join(unstorable)}.",
            code="unstorable_characters",
        )


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug_of(value: str, max_length: int) -> str:
    """The slug of a name: ASCII lower case (case-folded, then NFKD with the accents
    dropped: "Café" is cafe, "Straße" strasse, full-width letters their ASCII ones), each
    run of other characters one "-", none at either end, at most ``max_length``
    characters ("Crypto.com" is crypto-com, "USDC.e" usdc-e). Empty when ``value`` has no
    letter or digit a-z, 0-9; otherwise validate_registry_slug accepts it."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    slug = _NOT_SLUG.sub("-", bare.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def lookup_form(value: str) -> str:
    """NFKC and trimmed: the form a looked-up symbol is compared in."""
    return unicodedata.normalize("NFKC", value).strip()


def symbol_key(value: str) -> str:
    """The case-insensitive key of a symbol: its lookup form with ASCII letters upper-cased.

    Only ASCII letters change case. Full Unicode case mapping is computed differently
    by Python (ß -> SS) and by each PostgreSQL locale (C.UTF-8 keeps ß but makes the
    dotless i U+0131 an I), and it folds distinct letters onto ASCII ones, so a
    lookalike would resolve to a real asset. ``SymbolKey`` computes exactly this in SQL.
    """
    return lookup_form(value).translate(_ASCII_UPPER)


class SymbolKey(Func):
    """``symbol_key`` of a stored (already NFKC, trimmed) symbol column, in SQL.

    upper() under the "C" collation upper-cases ASCII letters only, on every PostgreSQL
    version, whatever the database's locale or collation provider. (One function, not
    Upper(Collate(...)): Django allows no Collate inside an index expression.)
    """

    template = 'UPPER((%(expressions)s) COLLATE "C")'
    output_field = TextField()


def normalize_symbol(value: str) -> str:
    """Return the stored form of a ticker symbol, or raise ValidationError saying why not."""
    if not isinstance(value, str):
        raise ValidationError("Symbol must be a string.", code="invalid")
    # The input names the characters the sender typed; NFKC maps some invisibles to
    # others (U+3164 to U+1160), which the stored form is checked for too.
    refuse_invisible(value.strip(), "Symbol")
    symbol = lookup_form(value)
    refuse_invisible(symbol, "Symbol")
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
    refuse_invisible(_WHITESPACE_RUN.sub(" ", value).strip(), "Name")
    name = _WHITESPACE_RUN.sub(" ", unicodedata.normalize("NFKC", value)).strip()
    refuse_invisible(name, "Name")
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
    refuse_invisible(code, "Code")
    if not code:
        raise ValidationError("Must not be empty.", code="required")
    if _WHITESPACE_RUN.search(code):
        raise ValidationError("Must not contain whitespace.", code="whitespace")
    return code
