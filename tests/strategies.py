"""hypothesis strategies and oracles shared by the property tests: the characters an
identifier must refuse, and what PostgreSQL computes for an expression.

Written from Unicode's own definitions, not from ``registry.text``, so the tests check
the rule rather than restate it.
"""

import unicodedata

from django.db import connection
from django.db.models.sql import Query
from hypothesis import strategies as st

# Any text a text column can hold (no NUL, no lone surrogate), all of Unicode otherwise.
STORABLE_TEXT = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")


def evaluated_in_postgresql(expression):
    """The value PostgreSQL computes for a query expression of constants (the very
    expression a column, index or filter uses, not a copy of its SQL)."""
    query = Query(None)
    compiler = query.get_compiler(connection=connection)
    sql, params = expression.resolve_expression(query).as_sql(compiler, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        return cursor.fetchone()[0]


# Default_Ignorable_Code_Point, from Unicode's DerivedCoreProperties.txt: rendered as
# nothing (variation selectors, Hangul fillers, tag characters, ...).
DEFAULT_IGNORABLE_RANGES = [
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
]
# Named in the issue: zero width space, bidi override, soft hyphen, Hangul fillers,
# variation selectors, plus a blank that is a symbol (U+2800) and a non-breaking space.
NAMED_INVISIBLES = [
    "\u200b",
    "\u202e",
    "\u00ad",
    "\u3164",
    "\u115f",
    "\ufe0f",
    "\U000e0100",
    "\u2800",
    "\u00a0",
    "\u2066",
    "\u200e",
    "\ufeff",
]


def is_invisible(char: str) -> bool:
    """The oracle: control, format, private-use, surrogate, unassigned, a blank that is
    not the ASCII space, or default-ignorable."""
    if char == " ":
        return False
    code = ord(char)
    return (
        unicodedata.category(char) in {"Cc", "Cf", "Co", "Cs", "Cn", "Zs", "Zl", "Zp"}
        or char == "\u2800"
        or any(low <= code <= high for low, high in DEFAULT_IGNORABLE_RANGES)
    )


def invisible_characters() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NAMED_INVISIBLES),
        st.one_of(*(st.integers(low, high) for low, high in DEFAULT_IGNORABLE_RANGES)).map(chr),
        st.characters(categories=["Cc", "Cf", "Co", "Cn", "Zs", "Zl", "Zp"]).filter(
            lambda char: char != " "
        ),
    )


@st.composite
def with_invisible_character(draw, value: str) -> str:
    """``value`` with an invisible character inserted anywhere (ends included)."""
    position = draw(st.integers(0, len(value)))
    return value[:position] + draw(invisible_characters()) + value[position:]


@st.composite
def with_inner_invisible_character(draw, value: str) -> str:
    """``value`` with an invisible character between two of its characters: never
    trimmed away, so always refused."""
    position = draw(st.integers(1, len(value) - 1))
    return value[:position] + draw(invisible_characters()) + value[position:]
