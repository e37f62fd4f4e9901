"""Characters that look like Latin letters but are not, in symbols and names.

Pure functions over already-normalized text: the model stores symbols and names NFKC-
normalized and refuses control and zero-width characters outright (``registry.text``),
so what is left to catch is a letter of another script that reads as a Latin one: a
Cyrillic ES (U+0421) for the last letter of "USDC". The confusables data is Unicode's
(UTS #39), as packaged by ``confusable_homoglyphs``.
"""

import unicodedata
from dataclasses import dataclass

from confusable_homoglyphs import categories, confusables

from registry.text import symbol_key

# Scripts a ticker or name is read in here. COMMON covers digits and punctuation: a "0"
# that looks like an "O" is an ordinary ticker character, not a spoof.
_READ_AS = {"LATIN", "COMMON"}


@dataclass(frozen=True)
class SuspiciousCharacter:
    """A character of another script that looks like ``looks_like``, a Latin one."""

    character: str
    script: str
    looks_like: str

    @property
    def code_point(self) -> str:
        return f"U+{ord(self.character):04X}"

    @property
    def name(self) -> str:
        return unicodedata.name(self.character, "UNNAMED")

    def describe(self) -> str:
        """'U+0421 CYRILLIC CAPITAL LETTER ES looks like Latin "C" (U+0043 …)'."""
        latin = ", ".join(
            f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED')}" for char in self.looks_like
        )
        return (
            f'"{self.character}" {self.code_point} {self.name} '
            f'looks like Latin "{self.looks_like}" ({latin})'
        )


def _is_latin(text: str) -> bool:
    return all(categories.alias(char) in _READ_AS for char in text)


def latin_lookalike(char: str) -> str | None:
    """The Latin text ``char`` is confusable with, or None (Latin and Common ones too)."""
    if categories.alias(char) in _READ_AS:
        return None
    found = confusables.is_confusable(char, greedy=True, preferred_aliases=["latin"])
    if not found:
        return None
    latin = [
        glyph["c"]
        for glyph in found[0]["homoglyphs"]
        if glyph["c"] and _is_latin(glyph["c"]) and any(c.isalnum() for c in glyph["c"])
    ]
    if not latin:
        return None
    # Plain ASCII first: "C" rather than a Latin letter with a hook.
    return min(latin, key=lambda text: (not text.isascii(), len(text)))


def _lookalikes(value: str) -> list[SuspiciousCharacter]:
    found, seen = [], set()
    for char in value:
        if char in seen:
            continue
        seen.add(char)
        latin = latin_lookalike(char)
        if latin is not None:
            found.append(SuspiciousCharacter(char, categories.alias(char), latin))
    return found


def suspicious_characters(value: str) -> list[SuspiciousCharacter]:
    """The non-Latin characters of ``value`` that look Latin, if ``value`` mixes scripts.

    Text written wholly in one other script ("Рубль") is not flagged here: it misleads
    nobody by itself; ``skeleton`` catches a whole-script copy of an existing symbol.
    """
    if not confusables.is_mixed_script(value):
        return []
    return _lookalikes(value)


def skeleton(symbol: str) -> str:
    """``symbol`` with every character that looks Latin replaced by its Latin lookalike,
    upper-cased: the symbol a reader thinks they see ("USDC" for "USD" + Cyrillic ES)."""
    return symbol_key("".join(latin_lookalike(char) or char for char in symbol))
