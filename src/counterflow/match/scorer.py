"""The scorer: name similarity plus the other evidence, calibrated to [0, 1].

Name similarity aligns the tokens of two names, order-insensitively, each pair scored
by edit similarity or an equal phonetic key (``mhmd`` ~ ``mohamed``), initials against
full tokens, acronyms against token runs, merged tokens against their parts; each
token weighs by its rarity (``frequency``) and its part (particles, titles, initials and
patronymics weigh less). The name score is the weighted share of aligned tokens.

The other evidence becomes model features (``evidence_features``) that
``calibration`` combines with the name features into the calibrated score; the
fixed amounts below are kept as a readable summary (``Hit.features['evidence']``):

==========================  ======================================
birth date: same day        +0.05
birth date: same month      +0.04
birth date: same year       +0.03
same year, month differs    -0.03
birth year 1 apart          -0.07 (typos, calendar conversions)
birth year 2-4 apart        -0.15
birth year >= 5 apart       -0.35
country agrees              +0.03
country conflicts           -0.05
kind conflicts              -0.25 (-0.40 person vs non-person)
identifier agrees           score raised to >= 0.92, then +0.05
unique identifier conflicts -0.25 (IMO, INN, OGRN, LEI, MMSI...)
passport/national id differ -0.10
address shares words        +0.02
weak a.k.a. matched         -0.05
legal forms conflict        -0.03
==========================  ======================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from counterflow.match.frequency import TokenWeights
from counterflow.match.legal_forms import forms_agree
from counterflow.match.normalize import (
    TRANSLATED_WORDS,
    NameForm,
    fold_token,
    prepare,
    prepare_variants,
)
from counterflow.match.org_words import STEMS
from counterflow.match.phonetic import skeleton
from counterflow.match.prepared import PartyEvidence, address_words
from counterflow.match.prepared import WeightedName as WeightedName
from counterflow.match.prepared import parse_date as parse_date
from counterflow.records.identifiers import identifier_agrees, parse_query_token
from counterflow.records.kinds import kinds_conflict
from counterflow.records.model import Identifier

_indel: Final = Indel.normalized_similarity
_partial_ratio: Final = fuzz.partial_ratio

MIN_PAIR_SIM: Final = 0.5
UNMATCHED_FLOOR: Final = 0.7  # least weight of a token that found no partner
UNMATCHED_LIST_FACTOR: Final = 0.85  # extra tokens of the listed name cost less than missing ones
MIN_JOINED: Final = 3  # a joined form of two letters ("H&M" ~ "HM") is no evidence

UNIQUE_SCHEMES: Final = frozenset(
    {"imo", "mmsi", "inn", "ogrn", "lei", "swift", "uscc", "duns", "kpp", "okpo", "registration"}
)
PERSONAL_SCHEMES: Final = frozenset({"passport", "national_id", "tax_id", "ssn", "cedula"})


_DOUBLE: Final = re.compile(r"(.)\1+")
_VOWELS: Final = frozenset("aeiouy")


def _squeeze(tok: str) -> str:
    return _DOUBLE.sub(r"\1", tok) if len(tok) > 2 else tok


_VOWEL_START: Final = frozenset("aeiouyj")


def _same_onset(a: str, b: str) -> bool:
    """Transliteration variants start alike: the same letter, or both a vowel or glide
    (Yevgeny ~ Evgeny, Jusuf ~ Yusuf)."""
    return a[0] == b[0] or (a[0] in _VOWEL_START and b[0] in _VOWEL_START)


# token_similarity's memory: first token -> second token -> similarity, one table for
# each ``strict``; both emptied when they hold _TS_MAX pairs
_TS_LOOSE: Final[dict[str, dict[str, float]]] = {}
_TS_STRICT: Final[dict[str, dict[str, float]]] = {}
_TS_SIZE: Final[list[int]] = [0]
_TS_MAX: Final = 1 << 18


def token_similarity(a: str, b: str, strict: bool = False) -> float:
    """``_token_similarity`` remembered (plain dicts: cheaper per call than
    ``lru_cache``, and the hot path calls it ~50 times per query)."""
    table = _TS_STRICT if strict else _TS_LOOSE
    row = table.get(a)
    if row is None:
        row = table[a] = {}
    v = row.get(b)
    if v is None:
        v = _token_similarity(a, b, strict)
        if _TS_SIZE[0] >= _TS_MAX:
            _TS_LOOSE.clear()
            _TS_STRICT.clear()
            _TS_SIZE[0] = 0
            row = table[a] = {}
        row[b] = v
        _TS_SIZE[0] += 1
    return v


def _token_similarity(a: str, b: str, strict: bool) -> float:
    """Similarity of two folded tokens in [0, 1]: 1 when equal, edit similarity
    sharpened so that one wrong letter in a short token counts for much, a fixed value
    for an equal phonetic key (transliteration variants), 0.9 for an initial.

    An equal phonetic key counts only where a transliteration can explain it: the
    tokens start alike and share most letters (``accenture`` and ``kontur`` share a
    consonant key, nothing else), or one is written without vowels as abjads are.
    ``strict`` (two company names): a token without vowels is an acronym (``NSPK``,
    ``SMT``), not an abjad spelling, so it gets no phonetic credit."""
    if a == b:
        return 1.0
    la, lb = len(a), len(b)
    if la == 1 or lb == 1:
        return 0.9 if a[0] == b[0] else 0.0
    # doubled letters only (essa ~ esa, mohammad ~ mohamad); between two company words
    # a short one is another word (ball ~ BAL)
    doubled = la != lb and a[0] == b[0] and set(a) == set(b) and _squeeze(a) == _squeeze(b)
    if doubled and (not strict or min(la, lb) >= 4):
        return 0.93
    r = raw = _indel(a, b)
    short = min(la, lb)
    if short <= 3:
        r -= 0.15
    elif short == 4:
        r -= 0.07
    # sharpen: >= 0.9 kept, 0.6 -> 0
    r = r if r >= 0.9 else max(0.0, (r - 0.6) * 3.0)
    if strict and (not _VOWELS.intersection(a) or not _VOWELS.intersection(b)):
        return r
    sa, sb = skeleton(a), skeleton(b)
    if sa != sb and ("w" in a or "w" in b):
        # abjad "w" is often a vowel (mhmwd ~ mahmoud)
        sa2, sb2 = skeleton(a.replace("w", "")), skeleton(b.replace("w", ""))
        same = ({sa2} & {sb2, sb}) or ({sa} & {sb2})
        if same:
            sa = sb = same.pop()
    if sa and sa == sb:
        n = len(sa)
        # abjad: no vowel written, but for an opening alef or ain ("asd" ~ "assad")
        abjad = not _VOWELS.intersection(a[1:]) or not _VOWELS.intersection(b[1:])
        # short keys collide easily ("ying"/"yong"): trusted for abjad spellings
        # (no vowels written: "msh" ~ "moshe") or when the letters mostly agree
        plausible = abjad or (raw >= 0.6 and _same_onset(a, b))
        if n >= 4 and plausible:
            r = max(r, 0.88)
        elif n == 3 and (abjad or (raw >= 0.7 and _same_onset(a, b))):
            r = max(r, 0.82)
        elif n == 2 and a[0] == b[0] and abjad:
            r = max(r, 0.78)
    elif short >= 5 and (a.startswith(b) or b.startswith(a)):
        r = max(r, 0.8)
    return r


@dataclass(slots=True)
class NameMatch:
    score: float
    pairs: list[tuple[int, int, float]]  # (query token, listed token, similarity)
    how: str = "tokens"  # "tokens" | "compact"
    legal: bool | None = None
    acronym: bool = False  # a token matched a run of initials


# Russian company acronyms spell compound words by their parts and "plant" as "zavod":
# IEMZ = Izhevskiy ElektroMekhanicheskiy Zavod = Izhevsk Electromechanical Plant.
_COMPOUND_PREFIXES: Final = (
    "electro",
    "elektro",
    "radio",
    "aero",
    "avia",
    "hydro",
    "gidro",
    "thermo",
    "teplo",
    "energo",
    "micro",
    "mikro",
    "opto",
    "auto",
    "avto",
)


def _russian_initials() -> dict[str, str]:
    """English company words -> the initial of the Russian word they translate (company
    names are compared with Russian words translated: ``org_words``)."""
    out = {"zavod": "z", "works": "z"}
    for stem, english in STEMS.items():
        out.setdefault(fold_token(english[0]), stem[0])
    return out


_RUSSIAN_INITIAL: Final = _russian_initials()
# the second English word of a one-word Russian term spells no letter of its own
_SECOND_WORDS: Final = frozenset(
    (fold_token(e[0]), fold_token(e[1])) for e in STEMS.values() if len(e) == 2
)


def _letters(tokens: list[str], russian: bool) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for k, t in enumerate(tokens):
        if russian:
            if k and (tokens[k - 1], t) in _SECOND_WORDS:
                continue
            if t in _RUSSIAN_INITIAL:
                out.append((_RUSSIAN_INITIAL[t], k))
                continue
            pre = next((p for p in _COMPOUND_PREFIXES if t.startswith(p)), None)
            if pre is not None and len(t) - len(pre) >= 4:
                out.append((t[0], k))
                out.append((t[len(pre)], k))
                continue
        out.append((t[0], k))
    return out


def _acronym(short: str, tokens: list[str]) -> tuple[int, int] | None:
    """(start, end) of a run of ``tokens`` whose initials spell ``short`` (also the
    Russian way: compound words by their parts, "plant" as "zavod")."""
    n = len(short)
    if n < 2 or n > 6 or len(tokens) < 2:
        return None
    for russian in (False, True):
        letters = _letters(tokens, russian)
        i = "".join(ch for ch, _ in letters).find(short)
        if i >= 0:
            first, last = letters[i][1], letters[i + n - 1][1]
            if last > first:
                return (first, last + 1)
    return None


def _acronyms(
    qt: list[str],
    ct: list[str],
    qw: list[float],
    cw: list[float],
    used_q: set[int],
    used_c: set[int],
    pairs: list[tuple[int, int, float]],
) -> float:
    matched = 0.0
    for side_short, side_long, ws, wl, us, ul, flip in (
        (qt, ct, qw, cw, used_q, used_c, False),
        (ct, qt, cw, qw, used_c, used_q, True),
    ):
        for i, tok in enumerate(side_short):
            if i in us or not 3 <= len(tok) <= 6 or len(side_long) - len(ul) < 2:
                continue
            rest = [k for k in range(len(side_long)) if k not in ul]
            span = _acronym(tok, [side_long[k] for k in rest])
            if span is None:
                continue
            ks = rest[span[0] : span[1]]
            us.add(i)
            ul.update(ks)
            matched += 0.9 * (ws[i] + sum((wl[k] for k in ks), 0.0))
            for k in ks:
                pairs.append((k, i, 0.9) if flip else (i, k, 0.9))
    return matched


def name_similarity(q: WeightedName, c: WeightedName) -> NameMatch:
    """Weighted, order-insensitive token alignment of two names."""
    qt, ct = q.form.tokens, c.form.tokens
    if not qt or not ct:
        return NameMatch(0.0, [])
    if qt == ct:
        return NameMatch(1.0, [(i, i, 1.0) for i in range(len(qt))], legal=_legal(q, c))
    cand: list[tuple[float, int, int]] = []
    # two company names in Latin script: no abjad spellings, vowel-less tokens are acronyms
    # an abjad's bare opening alef is any vowel: iyad, eyad ~ ayad; omar ~ umar
    abjad = _abjad_script(q.form.original) or _abjad_script(c.form.original)
    strict = q.form.kind != "person" and c.form.kind != "person" and not abjad
    for i, a in enumerate(qt):
        for j, b in enumerate(ct):
            s = 1.0 if a == b else token_similarity(a, b, strict)
            if abjad and s < OPENING_VOWEL_SIM and _opening_vowel_only(a, b):
                s = OPENING_VOWEL_SIM
            if s >= MIN_PAIR_SIM:
                cand.append((s, i, j))
    if not cand and len(qt) == len(ct):
        return NameMatch(0.0, [])
    cand.sort(reverse=True)
    used_q: set[int] = set()
    used_c: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    for s, i, j in cand:
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        pairs.append((i, j, s))
    qw, cw = q.weights, c.weights
    matched = 0.0
    acronym = False
    for i, j, s in pairs:
        if len(qt[i]) == 1 or len(ct[j]) == 1:
            # an initial stands for a token but carries only an initial's weight
            matched += s * 2 * min(qw[i], cw[j])
        else:
            matched += s * (qw[i] + cw[j])
    # acronyms: an unmatched short token against a run of unmatched tokens
    if (
        len(used_q) < len(qt)
        and len(used_c) < len(ct)
        and q.form.kind != "person"
        and c.form.kind != "person"
    ):
        n_pairs = len(pairs)
        matched += _acronyms(qt, ct, qw, cw, used_q, used_c, pairs)
        acronym = len(pairs) > n_pairs
    # a missing token counts against even when it is a common one: frequency says how
    # much an agreeing token proves, not how little a missing one matters
    qm, cm = q.form.mults, c.form.mults
    total_q = sum((qw[i] for i in used_q), 0.0) + sum(
        (max(qw[i], UNMATCHED_FLOOR * qm[i]) for i in range(len(qt)) if i not in used_q), 0.0
    )
    total_c_matched = sum((cw[j] for j in used_c), 0.0)
    total_c_unmatched = sum(
        (max(cw[j], UNMATCHED_FLOOR * cm[j]) for j in range(len(ct)) if j not in used_c), 0.0
    )
    total = total_q + total_c_matched + UNMATCHED_LIST_FACTOR * total_c_unmatched
    score = matched / total if total > 0 else 0.0
    how = "tokens"
    if (
        len(qt) != len(ct)
        and score < 0.9
        and min(len(q.form.compact), len(c.form.compact)) >= MIN_JOINED
        and _joined_parts_agree(q.form, c.form)
    ):
        comp = max(
            _indel(q.form.compact, c.form.compact),
            _indel(q.form.compact_sorted, c.form.compact_sorted),
        )
        # joined forms only count when nearly equal (merged/split tokens)
        comp = comp * 0.95 if comp >= 0.85 else 0.0
        if comp > score:
            score, how, acronym = comp, "compact", False
    return NameMatch(min(score, 1.0), pairs, how, _legal(q, c), acronym)


OPENING_VOWEL_SIM: Final = 0.88


def _opening_vowel_only(a: str, b: str) -> bool:
    """Two words of four letters or more that differ only in their opening vowel."""
    return len(a) == len(b) >= 4 and a[0] in "aeiou" and b[0] in "aeiou" and a[1:] == b[1:]


def _abjad_script(text: str) -> bool:
    """True when ``text`` has Hebrew, Arabic or Syriac letters (written without vowels)."""
    return not text.isascii() and any("\u0590" <= ch <= "\u08ff" for ch in text)


def _joined_parts_agree(a: NameForm, b: NameForm) -> bool:
    """A joined form stands for a split one only when it holds all of its parts and
    nothing more: every token of the name with more tokens is found in the other's
    joined letters (exactly for short tokens), and the joined lengths differ by at most
    two letters (``sergeiivanovwang`` is not ``IVANOV SERGEI``, ``indusholding`` is not
    ``I AND S HOLDING``)."""
    split, joined = (a, b) if len(a.tokens) > len(b.tokens) else (b, a)
    if abs(len(split.compact) - len(joined.compact)) > 2:
        return False
    text = joined.compact
    for t in split.tokens:
        if len(t) <= 4:
            if t not in text:
                return False
        elif _partial_ratio(t, text) < 85:
            return False
    return True


def _legal(q: WeightedName, c: WeightedName) -> bool | None:
    return forms_agree(q.form.legal, c.form.legal)


# ---------------------------------------------------------------- other evidence


def compare_dates(
    qd: list[tuple[int, int, int]], cd: list[tuple[int, int, int]]
) -> tuple[float, str] | None:
    """Best agreement between two sets of dates: (score delta, phrase)."""
    if not qd or not cd:
        return None
    best: tuple[float, str] | None = None
    for a in qd:
        for b in cd:
            dy = abs(a[0] - b[0])
            if dy == 0:
                if a[1] and b[1] and a[1] == b[1]:
                    if a[2] and b[2]:
                        r = (
                            (0.05, f"birth date {b[0]}-{b[1]:02d}-{b[2]:02d} agrees")
                            if a[2] == b[2]
                            else (
                                0.0,
                                f"birth year {b[0]} agrees, day differs",
                            )
                        )
                    else:
                        r = (0.04, f"birth month {b[0]}-{b[1]:02d} agrees")
                elif a[1] and b[1]:
                    r = (-0.03, f"birth year {b[0]} agrees, month differs")
                else:
                    r = (0.03, f"birth year {b[0]} agrees")
            elif dy == 1:
                r = (-0.07, f"birth year {a[0]} close to listed {b[0]}")
            elif dy <= 4:
                r = (-0.15, f"birth year {a[0]} differs from listed {b[0]}")
            else:
                r = (-0.35, f"birth year {a[0]} conflicts with listed {b[0]}")
            if best is None or r[0] > best[0]:
                best = r
    return best


@dataclass(slots=True)
class QueryEvidence:
    """What a query says besides its name, prepared once per query."""

    kind: str = "any"
    countries: frozenset[str] = frozenset()
    dates: list[tuple[int, int, int]] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    address: frozenset[str] = frozenset()


def query_evidence(
    kind: str,
    countries: list[str],
    birth_dates: list[str],
    identifiers: list[str],
    address: str | None,
) -> QueryEvidence:
    ids = [i for i in (parse_query_token(t) for t in identifiers) if i is not None]
    dates = [d for d in (parse_date(x) for x in birth_dates) if d is not None]
    return QueryEvidence(
        kind=kind or "any",
        countries=frozenset(c.lower() for c in countries if c),
        dates=dates,
        identifiers=ids,
        address=address_words(address) if address else frozenset(),
    )


def _scheme_label(scheme: str) -> str:
    return {"imo": "IMO", "inn": "INN", "ogrn": "OGRN", "lei": "LEI", "mmsi": "MMSI"}.get(
        scheme, scheme.replace("_", " ")
    )


def evidence_adjustment(q: QueryEvidence, p: PartyEvidence) -> tuple[float, float, list[str]]:
    """(additive delta, floor, phrases) for the non-name evidence."""
    delta, floor, notes, _ = evidence_features(q, p)
    return delta, floor, notes


def evidence_features(
    q: QueryEvidence, p: PartyEvidence
) -> tuple[float, float, list[str], dict[str, float]]:
    """(additive delta, floor, phrases, model features) for the non-name evidence. The
    delta is the fixed-amount summary (kept in ``Hit.features['evidence']``); the
    features feed the calibrated model (``calibration``)."""
    delta = 0.0
    floor = 0.0
    notes: list[str] = []
    f: dict[str, float] = {}
    # identifiers
    id_agree = False
    for ident in q.identifiers:
        if ident.scheme == "other":
            hit = identifier_agrees(ident, p.ids)
            if hit:
                id_agree = True
                notes.append(f"identifier {ident.value} agrees")
            continue
        vals = p.ids.get(ident.scheme)
        if identifier_agrees(ident, p.ids):  # by value across schemes of one number
            id_agree = True
            notes.append(f"{_scheme_label(ident.scheme)} {ident.value} agrees")
        elif vals:
            if ident.scheme in UNIQUE_SCHEMES:
                delta -= 0.25
                f["id_conflict"] = 1.0
            else:
                delta -= 0.10
                f["doc_conflict"] = 1.0
            notes.append(f"{_scheme_label(ident.scheme)} {ident.value} differs from listed")
    if id_agree:
        floor = 0.92
        delta += 0.05
        f["id_agree"] = 1.0
        f.pop("id_conflict", None)
        f.pop("doc_conflict", None)
    # kind
    if kinds_conflict(q.kind, p.kind):  # an unknown listed kind never conflicts
        delta -= 0.4 if "person" in (q.kind, p.kind) else 0.25
        f["kind_conflict"] = 1.0 if "person" in (q.kind, p.kind) else 0.6
        notes.append(f"kind {q.kind} vs listed {p.kind}")
    # birth dates
    dc = compare_dates(q.dates, p.dates)
    if dc is not None:
        delta += dc[0]
        notes.append(dc[1])
        if dc[0] > 0:
            f["dob_agree"] = dc[0] / 0.05
        elif dc[0] < 0:
            f["dob_conflict"] = -dc[0] / 0.35
    # countries
    if q.countries and p.countries:
        common = q.countries & p.countries
        if common:
            delta += 0.03
            f["country_agree"] = 1.0
            notes.append("country " + "/".join(sorted(c.upper() for c in common)) + " agrees")
        else:
            delta -= 0.05
            f["country_conflict"] = 1.0
            notes.append(
                "country "
                + "/".join(sorted(c.upper() for c in q.countries))
                + " vs listed "
                + "/".join(sorted(c.upper() for c in p.countries)[:3])
            )
    # address
    if q.address and p.address:
        shared = q.address & p.address
        if len(shared) >= 1:
            delta += 0.02
            f["address_agree"] = 1.0
            notes.append("address shares " + ", ".join(sorted(shared)[:3]))
    return delta, floor, notes, f


def name_features(q: WeightedName, c: WeightedName, nm: NameMatch) -> dict[str, float]:
    """Model features of a name alignment: the score (and its hinges), how rare the
    listed words that matched are, and whether the match rests on one word, a short
    name or an acronym."""
    s = nm.score
    f = {
        "name": s,
        "name_over_70": max(0.0, s - 0.7),
        "name_over_85": max(0.0, s - 0.85),
        "name_over_95": max(0.0, s - 0.95),
    }
    ct, cw = c.form.tokens, c.weights
    js = {j for _, j, _ in nm.pairs} if nm.how == "tokens" else set(range(len(ct)))
    if js:
        # the token weights run from MIN_WEIGHT (in every name) to 1 (rare)
        f["rarity"] = max(0.0, (max(cw[j] for j in js) - 0.25) / 0.75)
    if len(ct) == 1 or len(q.form.tokens) == 1 or len(js) == 1:
        f["single_token"] = 1.0
    if len(c.form.compact) <= 4 or len(q.form.compact) <= 4:
        f["short_name"] = 1.0
    if nm.acronym:
        f["acronym"] = 1.0
    return f


def explain_name(
    q: WeightedName, c: WeightedName, nm: NameMatch, listed: NameForm | None = None
) -> str:
    """``name 0.93: ivanov = IVANOV, aleksandr ~ ALEXANDER; missing: petr``. Words are
    shown as written where known (``listed``: the listed name prepared afresh)."""
    qt = q.form.display if len(q.form.display) == len(q.form.tokens) else q.form.tokens
    ct = c.form.tokens
    if listed is not None and listed.tokens == ct and len(listed.display) == len(ct):
        ct = listed.display
    elif len(c.form.display) == len(ct):
        ct = c.form.display
    if nm.how == "compact":
        body = f"{q.form.compact} ~ {c.form.compact.upper()} (joined)"
    else:
        parts = []
        qtok, ctok = q.form.tokens, c.form.tokens
        for i, j, s in sorted(nm.pairs):
            op = "=" if s >= 0.999 or qt[i] == ct[j] else "~"
            translated = _translated(qt[i], qtok[i]) or _translated(ct[j], ctok[j])
            same = fold_token(qt[i].lower()) == fold_token(ct[j].lower())
            note = " (translated)" if translated and not same else ""
            parts.append(f"{qt[i]} {op} {ct[j].upper()}{note}")
        body = ", ".join(parts) if parts else "no token agrees"
        matched_q = {i for i, _, _ in nm.pairs}
        matched_c = {j for _, j, _ in nm.pairs}
        miss_q = [qt[i] for i in range(len(qt)) if i not in matched_q]
        miss_c = [ct[j].upper() for j in range(len(ct)) if j not in matched_c]
        if miss_q:
            body += "; not in listed name: " + " ".join(miss_q)
        if miss_c:
            body += "; listed only: " + " ".join(miss_c)
    if nm.legal is True:
        body += "; legal form agrees"
    elif nm.legal is False:
        body += "; legal form differs"
    return f"name {nm.score:.2f}: {body}"


def _translated(written: str, token: str) -> bool:
    """The token is the English word for a Russian/Ukrainian word written otherwise."""
    return token in TRANSLATED_WORDS and fold_token(written.lower()) != token


def pair_score(name1: str, name2: str, kind: str, weights: TokenWeights) -> tuple[float, str]:
    """Name-only score of two names (``match pairs``)."""
    forms1 = prepare_variants(name1, kind) or [prepare(name1, kind)]
    forms2 = prepare_variants(name2, kind) or [prepare(name2, kind)]
    best: tuple[float, str] | None = None
    for f1 in forms1:
        for f2 in forms2:
            a = WeightedName.build(f1, weights)
            b = WeightedName.build(f2, weights)
            nm = name_similarity(a, b)
            score = nm.score - (0.03 if nm.legal is False else 0.0)
            score = max(0.0, min(1.0, score))
            if best is None or score > best[0]:
                best = (score, explain_name(a, b, nm))
    assert best is not None
    return best
