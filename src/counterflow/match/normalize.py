"""Name normalisation: clean, transliterate, tokenise, fold, and mark name parts.

``prepare(text, kind)`` turns any name (any script, with HTML, control characters,
punctuation, legal forms, titles, initials) into a ``NameForm``: lower-case ASCII core
tokens with a weight multiplier each (particles, titles, initials and patronymics weigh
less), their phonetic keys, the legal forms found, and compact forms for merged-token
comparison. Both list names (at index time) and queries go through the same function.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Final

from counterflow.match.legal_forms import AMBIGUOUS, PHRASES, split_legal_forms
from counterflow.match.org_words import phrase_table, word_table
from counterflow.match.phonetic import skeleton
from counterflow.match.transliterate import han_readings, to_latin

MAX_NAME_CHARS: Final = 300  # longer inputs are cut: no real name is longer
MAX_TOKENS: Final = 12

_TAGS: Final = re.compile(r"<[^<>]{0,300}>")
_APOSTROPHES: Final = re.compile(r"['`´‘’ʼʻʹʾʿ]")
_NON_ALNUM: Final = re.compile(r"[^a-z0-9]+")
_ENDINGS: Final = re.compile(r"(iy|ij|ii|yi|yy)$")
_LATIN_LETTER: Final = re.compile(r"[A-Za-z]")

PARTICLES: Final = frozenset(
    {
        "al",
        "el",
        "ul",
        "ur",
        "ad",
        "as",
        "ash",
        "az",
        "bin",
        "ibn",
        "bint",
        "ben",
        "binti",
        "bte",
        "de",
        "da",
        "del",
        "della",
        "der",
        "di",
        "du",
        "dos",
        "das",
        "do",
        "van",
        "von",
        "le",
        "la",
        "y",
        "e",
        "of",
        "the",
        "and",
        "for",
        "und",
        "et",
    }
)
TITLES: Final = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "haji",
        "hajji",
        "hadji",
        "alhaj",
        "alhaji",
        "sheikh",
        "shaikh",
        "shaykh",
        "mullah",
        "mulla",
        "maulavi",
        "mawlawi",
        "maulvi",
        "qari",
        "general",
        "gen",
        "colonel",
        "col",
        "sir",
        "captain",
        "capt",
    }
)
_PATRONYMIC_SUFFIXES: Final = (
    "ovich",
    "evich",
    "ovna",
    "evna",
    "ichna",
    "ogly",
    "oglu",
    "kyzy",
    "uly",
)

# Legal-form codes of three letters or more that are split off a merged token
# ("JSCARGUMENT" -> "jsc argument").
_MERGED_FORMS: Final = (
    "ojsc",
    "cjsc",
    "pjsc",
    "jsc",
    "ooo",
    "llc",
    "oao",
    "pao",
    "zao",
    "gmbh",
    "ltd",
)

WEIGHT_PARTICLE: Final = 0.15
WEIGHT_TITLE: Final = 0.15
WEIGHT_INITIAL: Final = 0.3
WEIGHT_PATRONYMIC: Final = 0.5


@dataclass(slots=True)
class NameForm:
    """A name ready for matching."""

    original: str
    tokens: list[str]  # core tokens, lower-case ASCII, in written order
    mults: list[float]  # weight multiplier per token
    skels: list[str]  # phonetic key per token
    legal: list[str] = field(default_factory=list)  # canonical legal-form codes
    compact: str = ""  # core tokens joined, written order
    compact_sorted: str = ""  # core tokens sorted then joined
    kind: str = "any"  # the party kind the name was prepared for
    display: list[str] = field(default_factory=list)  # the tokens as written (ASCII)

    @property
    def empty(self) -> bool:
        return not self.tokens


def clean_text(text: str) -> str:
    """Drop HTML tags and entities, control and format characters, apply NFKC, cut to
    ``MAX_NAME_CHARS``."""
    if not text:
        return ""
    text = text[: MAX_NAME_CHARS * 4]
    if "<" in text:
        text = _TAGS.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii() or any(ord(c) < 32 or ord(c) == 127 for c in text):
        text = "".join(
            " " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text
        )
    return text[:MAX_NAME_CHARS].strip()


def fold_token(tok: str) -> str:
    """Fold spelling-convention differences inside one ASCII token."""
    if len(tok) > 4 and tok[-1] in "ijy":
        tok = _ENDINGS.sub("y", tok)
    if len(tok) > 2 and tok[-1] == "y" and tok[-2] not in "aeiouy":
        tok = tok[:-1] + "i"
    if "x" in tok[1:]:
        tok = tok[0] + tok[1:].replace("x", "ks")
    return tok


# legal-form phrases spelled as folded tokens ("company" -> "compani")
_FOLDED_PHRASES: Final = {tuple(fold_token(w) for w in k): v for k, v in PHRASES.items()}
_FOLDED_PARTICLES: Final = frozenset(fold_token(w) for w in PARTICLES)
_FOLDED_TITLES: Final = frozenset(fold_token(w) for w in TITLES)


def _folded_org_words() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for word, english in word_table().items():
        out.setdefault(fold_token(word), tuple(fold_token(w) for w in english))
    return out


# organisation words (Russian/Ukrainian in any case ending, other European languages)
# -> English, for company names; word sequences by their first word
_ORG_WORDS: Final = _folded_org_words()
_ORG_PHRASES: Final[dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]]] = {}
for _words, _english in sorted(phrase_table().items(), key=lambda kv: -len(kv[0])):
    _key = tuple(fold_token(w) for w in _words)
    _ORG_PHRASES.setdefault(_key[0], []).append((_key, tuple(fold_token(w) for w in _english)))
TRANSLATED_WORDS: Final = frozenset(
    [w for ws in _ORG_WORDS.values() for w in ws]
    + [w for ps in _ORG_PHRASES.values() for _, ws in ps for w in ws]
)
_TRANSLATED_KINDS: Final = frozenset({"organization", "any"})


def _split_merged(tok: str) -> list[str]:
    if len(tok) >= 7:
        for form in _MERGED_FORMS:
            if tok.startswith(form) and len(tok) - len(form) >= 4:
                return [form, tok[len(form) :]]
            if tok.endswith(form) and len(tok) - len(form) >= 4:
                return [tok[: -len(form)], form]
    return [tok]


def tokenize(text: str) -> list[str]:
    """Clean, transliterate and split a name into folded ASCII tokens."""
    return [t for t, _ in tokenize_with_display(text)]


def surface(text: str) -> str:
    """The whole name as written, legal forms and word order kept, in lower-case ASCII
    words: what an exact-spelling comparison reads (ranking ties, not scoring)."""
    return " ".join(t for _, t in tokenize_with_display(text))


def tokenize_with_display(text: str) -> list[tuple[str, str]]:
    """(folded token, the word as written in ASCII) pairs of a name."""
    text = clean_text(text)
    if not text:
        return []
    latin = to_latin(text)
    latin = _APOSTROPHES.sub("", latin)
    if not latin.isascii():
        latin = "".join(c for c in latin if c.isascii())
    raw = _NON_ALNUM.split(latin.lower())
    out: list[tuple[str, str]] = []
    for t in raw:
        if not t:
            continue
        out.extend((fold_token(p), p) for p in _split_merged(t))
    return out


# "No. 9", "N9", "n° 9", "№ 9", "Nr. 9": the number alone (company names)
_NUMBER_MARKS: Final = frozenset({"n", "no", "nr", "num"})
_MARKED_NUMBER: Final = re.compile(r"(?:n|no|nr)([0-9]+)$")


def translate_org_words(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Company-name words of Russian/Ukrainian in Latin letters and of other European
    languages -> English words (``zavod`` -> ``plant``, ``poluprovodnikovykh`` ->
    ``semiconductor``, ``uzina`` -> ``plant``, ``constructii de masini`` -> ``machine
    building``); each English word keeps the (first) word as written for display. A
    number's mark goes (``Plant No. 9``, ``Zavod N9`` -> ``plant 9``)."""
    out: list[tuple[str, str]] = []
    i = 0
    n = len(pairs)
    while i < n:
        tok, written = pairs[i]
        if tok in _NUMBER_MARKS and i + 1 < n and pairs[i + 1][0].isdigit():
            i += 1
            continue
        if tok[-1:].isdigit():
            marked = _MARKED_NUMBER.match(tok)
            if marked:
                out.append((marked.group(1), written))
                i += 1
                continue
        for words, phrase_english in _ORG_PHRASES.get(tok, ()):
            size = len(words)
            if tuple(t for t, _ in pairs[i : i + size]) == words:
                out.extend((w, written) for w in phrase_english)
                i += size
                break
        else:
            english = _ORG_WORDS.get(tok)
            if english is None:
                out.append((tok, written))
            else:
                out.extend((w, written) for w in english)
            i += 1
    return out


def _mult(tok: str) -> float:
    if len(tok) == 1:
        return WEIGHT_INITIAL
    if tok in _FOLDED_PARTICLES:
        return WEIGHT_PARTICLE
    if tok in _FOLDED_TITLES:
        return WEIGHT_TITLE
    if len(tok) > 6 and tok.endswith(_PATRONYMIC_SUFFIXES):
        return WEIGHT_PATRONYMIC
    return 1.0


def prepare(text: str, kind: str = "any") -> NameForm:
    """Normalise one name. ``kind`` is the party kind (person names keep every token;
    company-like names lose their legal forms to ``legal``). A listed record of
    ``unknown`` kind is prepared as ``any``."""
    if kind == "unknown":
        kind = "any"
    pairs = tokenize_with_display(text)
    if kind in _TRANSLATED_KINDS:
        pairs = translate_org_words(pairs)
    tokens = [t for t, _ in pairs]
    legal: list[str] = []
    if tokens and kind != "person":
        core, legal = split_legal_forms(tokens, _FOLDED_PHRASES)
        if kind == "any":
            # two-letter forms that are also name words stay, as weak tokens
            keep = [t for t in tokens if t in AMBIGUOUS]
            if keep and len(core) < len(tokens):
                core = [t for t in tokens if t in AMBIGUOUS or t in core]
                legal = [f for f in legal if f not in AMBIGUOUS]
        tokens = core
    # the written words of the core tokens (core is a subsequence of the tokens)
    display: list[str] = []
    k = 0
    for t in tokens:
        while k < len(pairs) and pairs[k][0] != t:
            k += 1
        display.append(pairs[k][1] if k < len(pairs) else t)
        k += 1
    tokens = tokens[:MAX_TOKENS]
    display = display[:MAX_TOKENS]
    mults = [_mult(t) for t in tokens]
    if not _LATIN_LETTER.search(text):
        # one-letter syllables of Hangul or Han ("u", "i") are not initials
        mults = [1.0 if len(t) == 1 else m for t, m in zip(tokens, mults, strict=True)]
    if kind == "any":
        mults = [
            WEIGHT_PARTICLE if t in AMBIGUOUS and len(tokens) > 1 else m
            for t, m in zip(tokens, mults, strict=True)
        ]
    # A name made only of weak tokens keeps them at full weight.
    if tokens and all(m < 1.0 for m in mults):
        mults = [1.0] * len(tokens)
    skels = [skeleton(t) for t in tokens]
    return NameForm(
        original=text,
        tokens=tokens,
        mults=mults,
        skels=skels,
        legal=legal,
        compact="".join(tokens),
        compact_sorted="".join(sorted(tokens)),
        kind=kind,
        display=display,
    )


def prepare_variants(text: str, kind: str = "any") -> list[NameForm]:
    """``prepare(text)`` first, then the forms of the Japanese and Korean readings of a
    name written in Han (empty list for an empty name)."""
    first = prepare(text, kind)
    if first.empty:
        return []
    out = [first]
    for reading in han_readings(clean_text(text)):
        form = prepare(reading, kind)
        if not form.empty and form.tokens != first.tokens:
            form.original = text
            out.append(form)
    return out
