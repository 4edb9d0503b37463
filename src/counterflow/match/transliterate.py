"""Transliteration of any script to lower-case ASCII Latin for name matching.

ICU (``Any-Latin; Latin-ASCII``) does the general work. Two national conventions are
applied before ICU because its defaults differ from how these names are spelled in
lists and by customers:

* Russian/Ukrainian/Belarusian Cyrillic follows BGN/PCGN-like English spelling
  (``Дмитрий`` -> ``dmitriy``, ``Хабаров`` -> ``khabarov``); the remaining convention
  differences (passport ``dmitrii``, ``iu``/``yu``, ``ts``/``c``) are folded later by
  ``normalize.fold_token`` and the phonetic key.
* Korean Hangul is romanised per syllable (Revised Romanisation, by ICU) with the
  usual spelling of the family name (``박`` -> ``park``, ``이`` -> ``lee``), and syllables
  are separated so ``김정은`` reads ``kim jeong eun``.

Han characters are read as Mandarin by ICU; a name written in Han (or kana) may also
be Japanese or Korean, so ``han_readings`` gives the Japanese reading (pykakasi) and the
Korean one (hanja -> Hangul -> the romanisation above) as alternatives
(``山田太郎`` -> ``yamada tarou``, ``金正恩`` -> ``kim jong un``).

Results are cached per word, so a batch pays the ICU cost once per distinct word.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Final

import icu

_ICU: Final = icu.Transliterator.createInstance("Any-Latin; Latin-ASCII; Lower")

_CYRILLIC: Final[dict[str, str]] = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    # Ukrainian / Belarusian
    "є": "ye",
    "і": "i",
    "ї": "yi",
    "ґ": "g",
    "ў": "u",
    # Serbian / Macedonian
    "ђ": "dj",
    "ј": "j",
    "љ": "lj",
    "њ": "nj",
    "ћ": "c",
    "џ": "dz",
    "ѓ": "gj",
    "ќ": "kj",
    "ѕ": "dz",
}

# The spelling of common Korean family names in passports and lists.
_KOREAN_SURNAMES: Final[dict[str, str]] = {
    "김": "kim",
    "이": "lee",
    "리": "ri",
    "박": "park",
    "최": "choi",
    "정": "jung",
    "강": "kang",
    "조": "cho",
    "윤": "yoon",
    "장": "jang",
    "임": "lim",
    "한": "han",
    "오": "oh",
    "서": "seo",
    "신": "shin",
    "권": "kwon",
    "황": "hwang",
    "안": "ahn",
    "송": "song",
    "류": "ryu",
    "유": "yoo",
    "홍": "hong",
    "전": "jeon",
    "고": "ko",
    "문": "moon",
    "손": "son",
    "양": "yang",
    "배": "bae",
    "백": "baek",
    "허": "heo",
    "남": "nam",
    "심": "shim",
    "노": "noh",
    "하": "ha",
    "곽": "kwak",
    "성": "sung",
    "차": "cha",
    "주": "joo",
    "우": "woo",
    "구": "koo",
    "민": "min",
    "나": "na",
    "진": "jin",
    "지": "ji",
    "엄": "eom",
    "채": "chae",
    "원": "won",
    "천": "cheon",
    "방": "bang",
    "공": "kong",
    "현": "hyun",
    "함": "ham",
    "변": "byun",
    "염": "yeom",
    "여": "yeo",
    "추": "choo",
    "도": "do",
    "소": "so",
    "석": "seok",
    "선": "sun",
    "설": "seol",
    "마": "ma",
    "길": "gil",
    "연": "yeon",
    "표": "pyo",
    "명": "myung",
    "기": "ki",
    "반": "ban",
    "왕": "wang",
    "금": "keum",
    "옥": "ok",
    "육": "yook",
    "인": "in",
    "맹": "maeng",
    "제": "je",
    "모": "mo",
    "탁": "tak",
    "국": "kook",
    "은": "eun",
    "편": "pyun",
    "용": "yong",
}


def _is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


_ICU_WORDS: Final[dict[str, str]] = {}


def _icu_word(word: str) -> str:
    v = _ICU_WORDS.get(word)
    if v is None:
        if len(_ICU_WORDS) >= 1 << 17:
            _ICU_WORDS.clear()
        v = _ICU_WORDS[word] = str(_ICU.transliterate(word))
    return v


def _cyrillic_word(word: str) -> str:
    low = word.lower()
    # "-ий"/"-ый" endings: the English "-y" (Dmitriy -> dmitry after folding).
    out = []
    for ch in low:
        if _is_cyrillic(ch):
            out.append(_CYRILLIC.get(ch, ""))
        else:
            out.append(ch)
    return "".join(out)


def _hangul_word(word: str, first: bool) -> str:
    parts: list[str] = []
    for i, ch in enumerate(word):
        if not _is_hangul(ch):
            parts.append(_icu_word(ch))
            continue
        # the family name: first syllable of a 2-4 syllable name, or a word of its own
        # ("영길 민": given name first, family name apart)
        if (
            i == 0
            and (len(word) == 1 or (first and len(word) in (2, 3, 4)))
            and (ch in _KOREAN_SURNAMES)
        ):
            parts.append(_KOREAN_SURNAMES[ch])
        else:
            # Revised Romanisation's "eo"/"eu" are written "o"/"u" in most lists
            # (McCune-Reischauer without breves: Jong Un, Song)
            syl = _icu_word(ch).replace("-", "").replace("eo", "o").replace("eu", "u")
            parts.append(syl)
    return " ".join(p for p in parts if p)


_LATIN_WORDS: Final[tuple[dict[str, str], dict[str, str]]] = ({}, {})


def word_to_latin(word: str, first: bool = False) -> str:
    """One whitespace-free word to lower-case ASCII (may contain spaces for syllabic
    scripts such as Hangul and Han, whose syllables become separate tokens);
    remembered per ``first``."""
    memo = _LATIN_WORDS[1 if first else 0]
    v = memo.get(word)
    if v is None:
        if len(memo) >= 1 << 17:
            memo.clear()
        v = memo[word] = _word_to_latin(word, first)
    return v


def _word_to_latin(word: str, first: bool) -> str:
    if word.isascii():
        return word.lower()
    if any(_is_cyrillic(ch) for ch in word):
        word = _cyrillic_word(word)
        if word.isascii():
            return word
    if any(_is_hangul(ch) for ch in word):
        return _hangul_word(word, first)
    if any(unicodedata.category(ch) == "Lo" and "\u4e00" <= ch <= "\u9fff" for ch in word):
        # Han: one syllable per character, kept apart.
        return " ".join(_icu_word(ch) for ch in word)
    if word.startswith("\u0627\u0644") and len(word) > 3 and word != "\u0627\u0644\u0644\u0647":
        # the Arabic article written onto its word (الأسد): a word of its own, as the
        # Latin spellings write it ("al-Assad"); الله (Allah) stays one word
        return "al " + _word_to_latin(word[2:], False)
    out = _icu_word(word)
    if out.startswith(("ʿ", "ʾ")):
        # Arabic ain/hamza opening a word: usually spelled with a vowel ("ʿly" -> "aly")
        out = "a" + out[1:]
    if out.endswith("allh"):
        out = out[:-4] + "allah"  # الله, unvowelled by ICU
    return out


def has_han(text: str) -> bool:
    """True when ``text`` has Han ideographs or Japanese kana."""
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


# Common Korean family names whose reading as a surname differs from the character's
# ordinary reading (金 is 김 as a name, 금 as "gold"), or that South Korea reads with
# the initial-sound rule and North Korea without it (李 이 "Lee" / 리 "Ri"):
# character -> (South Korean reading, North Korean reading).
HANJA_SURNAMES: Final[dict[str, tuple[str, str]]] = {
    "金": ("김", "김"),
    "李": ("이", "리"),
    "林": ("임", "림"),
    "柳": ("유", "류"),
    "劉": ("유", "류"),
    "盧": ("노", "로"),
    "魯": ("노", "로"),
    "羅": ("나", "라"),
    "梁": ("양", "량"),
    "呂": ("여", "려"),
    "廉": ("염", "렴"),
    "龍": ("용", "룡"),
    "陸": ("육", "륙"),
}


@lru_cache(maxsize=1)
def _kakasi() -> Any:
    from counterflow.match.reading_tables import kakasi

    return kakasi()  # None without pykakasi: no Japanese reading


@lru_cache(maxsize=1)
def _hanja() -> Callable[[str, str], str] | None:
    from counterflow.match.reading_tables import hanja_translator

    try:
        return hanja_translator()
    except ImportError:  # optional: without it, no Korean reading
        return None


_KAKASI_WORDS: Final[dict[str, list[str]]] = {}


def _kakasi_word(kks: Any, word: str) -> list[str]:
    """pykakasi's Hepburn readings of the items of one space-free word (items that are
    only spaces left out), remembered."""
    v = _KAKASI_WORDS.get(word)
    if v is None:
        if len(_KAKASI_WORDS) >= 1 << 16:
            _KAKASI_WORDS.clear()
        v = [str(x["hepburn"]) for x in kks.convert(word) if str(x["orig"]).strip()]
        _KAKASI_WORDS[word] = v
    return v


@lru_cache(maxsize=65536)
def han_readings(text: str) -> tuple[str, ...]:
    """Japanese and Korean readings of a name written in Han/kana (lower-case ASCII),
    besides the Mandarin one ``to_latin`` gives. Empty when ``text`` has no Han."""
    if not has_han(text):
        return ()
    out: list[str] = []
    kks = _kakasi()
    if kks is not None:
        # pykakasi word by word (a family or given name recurs across queries, so each
        # word is converted once); its items never span a space
        hepburn = [h for w in text.split() for h in _kakasi_word(kks, w)]
        jp = " ".join(hepburn)
        # a reading that leaves characters unread (Chinese-only characters) is no reading
        complete = all(h.strip().isascii() and h.strip() for h in hepburn)
        if complete and jp.strip() and jp.isascii():
            # long vowels as passports write them: Tarou -> Taro, Yuuko -> Yuko
            out.append(jp.replace("ou", "o").replace("uu", "u"))
    translate = _hanja()
    if translate is not None:
        words = text.split()
        first = words[0][0] if words and words[0] else ""
        readings = HANJA_SURNAMES.get(first, (first, first))
        for surname in dict.fromkeys(readings):
            ws = [surname + words[0][1:], *words[1:]] if first else words
            ko = to_latin(" ".join(str(translate(w, "substitution")) for w in ws))
            if ko.strip():
                out.append(ko)
    return tuple(dict.fromkeys(x for x in out if x))


def to_latin(text: str) -> str:
    """A whole name to lower-case ASCII Latin, word by word."""
    if text.isascii():
        return text.lower()
    words = text.split()
    return " ".join(word_to_latin(w, i == 0) for i, w in enumerate(words))
