"""A phonetic consonant key for name tokens, tuned for transliteration variants.

Names written in abjads (Arabic, Persian, Hebrew) come out of transliteration without
vowels (``mhmd``), Russian names come in several conventions (``kh``/``h``/``x``,
``ts``/``c``/``tz``, ``yu``/``iu``), Arabic names in English spellings vary in vowels
(``Mohamed``/``Muhammad``). The key keeps the consonant skeleton after folding the
usual digraphs: ``mohamed``, ``muhammad`` and ``mhmd`` all give ``mhmd``;
``aleksandr`` and ``alexander`` give ``lksndr``; ``moshe`` and ``msh`` give ``ms``.
"""

from __future__ import annotations

from typing import Final

_DIGRAPHS: Final[tuple[tuple[str, str], ...]] = (
    ("shch", "s"),
    ("sch", "s"),
    ("tch", "c"),
    ("kh", "h"),
    ("gh", "g"),
    ("ph", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("sh", "s"),
    ("ch", "c"),
    ("zh", "j"),
    ("dj", "j"),
    ("dzh", "j"),
    ("ts", "c"),
    ("tz", "c"),
    ("ck", "k"),
    ("x", "ks"),
    ("q", "k"),
    ("w", "v"),
    ("z", "s"),
    ("ou", "u"),
)
_VOWELS: Final = frozenset("aeiouy")
_MAP: Final = {"c": "k"}


_SKELETONS: Final[dict[str, str]] = {}
_SKELETONS_MAX: Final = 1 << 17


def skeleton(token: str) -> str:
    """The consonant key of one lower-case ASCII token ("" when it has no consonant),
    remembered in a plain dict (a native call from the compiled scorer, unlike
    ``lru_cache``'s wrapper)."""
    v = _SKELETONS.get(token)
    if v is None:
        if len(_SKELETONS) >= _SKELETONS_MAX:
            _SKELETONS.clear()
        v = _SKELETONS[token] = _skeleton(token)
    return v


def _skeleton(token: str) -> str:
    t = token
    for a, b in _DIGRAPHS:
        if a in t:
            t = t.replace(a, b)
    out: list[str] = []
    prev = ""
    for ch in t:
        if ch in _VOWELS or not ch.isalpha():
            prev = ""
            continue
        ch = _MAP.get(ch, ch)
        if ch != prev:
            out.append(ch)
        prev = ch
    # trailing "h" of Arabic transliterations ("allah"/"alla", "fatimah"/"fatima")
    if len(out) > 2 and out[-1] == "h":
        out.pop()
    return "".join(out)
