"""Which writing system a name is in (ISO 15924 code), so non-Latin originals can be kept
as published and labelled (``Alias.script``) the same way by every parser."""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache

# Prefix of the Unicode character name -> ISO 15924 code.
_SCRIPTS: tuple[tuple[str, str], ...] = (
    ("CYRILLIC", "Cyrl"),
    ("ARABIC", "Arab"),
    ("CJK", "Hani"),
    ("HIRAGANA", "Jpan"),
    ("KATAKANA", "Jpan"),
    ("HANGUL", "Hang"),
    ("HEBREW", "Hebr"),
    ("GREEK", "Grek"),
    ("GEORGIAN", "Geor"),
    ("ARMENIAN", "Armn"),
    ("THAI", "Thai"),
    ("DEVANAGARI", "Deva"),
    ("ETHIOPIC", "Ethi"),
    ("MYANMAR", "Mymr"),
    ("KHMER", "Khmr"),
    ("TAMIL", "Taml"),
    ("BENGALI", "Beng"),
    ("SYRIAC", "Syrc"),
    ("THAANA", "Thaa"),
    ("TIBETAN", "Tibt"),
    ("LAO", "Laoo"),
)


@lru_cache(maxsize=65536)
def script_of(text: str) -> str | None:
    """The dominant non-Latin script of ``text`` (``"Cyrl"``, ``"Arab"``, ``"Hani"``...),
    or ``None`` for Latin/unknown text."""
    counts: Counter[str] = Counter()
    latin = 0
    for ch in text:
        if not ch.isalpha():
            continue
        if ch.isascii():
            latin += 1
            continue
        name = unicodedata.name(ch, "")
        if name.startswith("LATIN"):
            latin += 1
            continue
        for prefix, code in _SCRIPTS:
            if name.startswith(prefix):
                counts[code] += 1
                break
    if not counts:
        return None
    code, n = counts.most_common(1)[0]
    return code if n >= latin else None
