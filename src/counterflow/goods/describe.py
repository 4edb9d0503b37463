"""Free-text item description -> likely HS-6 codes, as a hint when no HS code is given.

The keyword table is data (``goods/data/description_keywords.json``, or a JSON file of the
same shape passed to ``load_rules``): each rule lists words that must all appear in the
description (``*`` = any ending) and the HS-6 they suggest. "ARM MCU 32-bit" -> 8542.31;
"GNSS module" -> 8526.91. A hint is never a classification: orders flag it as such.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from counterflow.errors import BadInputError

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True, slots=True)
class KeywordRule:
    words: tuple[str, ...]
    hs6: str
    weight: float


@dataclass(frozen=True, slots=True)
class HsHint:
    """A suggested HS-6 with the words that suggested it."""

    hs6: str
    weight: float
    words: tuple[str, ...]

    @property
    def heading(self) -> str:
        return self.hs6[:4]

    @property
    def dotted(self) -> str:
        return f"{self.hs6[:4]}.{self.hs6[4:]}"


def load_rules(path: Path | None = None) -> tuple[KeywordRule, ...]:
    """Keyword rules from ``path`` or the table shipped in the package."""
    try:
        if path is None:
            text = (
                resources.files("counterflow.goods")
                .joinpath("data/description_keywords.json")
                .read_text(encoding="utf-8")
            )
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
        rules = tuple(
            KeywordRule(tuple(w.lower() for w in r["all"]), str(r["hs6"]), float(r["weight"]))
            for r in data["rules"]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BadInputError(f"bad description keyword table: {exc}", file=str(path)) from exc
    return rules


@lru_cache(maxsize=1)
def _default_rules() -> tuple[KeywordRule, ...]:
    return load_rules()


def _has(words: set[str], pattern: str) -> bool:
    if "*" not in pattern:
        return pattern in words
    rx = re.compile("^" + re.escape(pattern).replace(r"\*", "[a-z0-9-]*") + "$")
    return any(rx.match(w) for w in words)


def _words(text: str) -> set[str]:
    found = set(_WORD.findall(text.lower()))
    for w in list(found):
        if "-" in w:
            found.update(w.split("-"))
    return found


@lru_cache(maxsize=65536)
def _hints_default(text: str) -> tuple[HsHint, ...]:
    return tuple(hint_headings(text, _default_rules()))


def hint_headings(
    description: str, rules: tuple[KeywordRule, ...] | None = None, limit: int = 3
) -> list[HsHint]:
    """Likely HS-6 codes for a description, best first (empty when nothing fits)."""
    if not description or not description.strip():
        return []
    if rules is None:
        return list(_hints_default(description))[:limit]
    words = _words(description)
    best: dict[str, HsHint] = {}
    for rule in rules:
        if all(_has(words, w) for w in rule.words):
            # more words agreeing = more specific rule
            weight = round(min(1.0, rule.weight + 0.05 * (len(rule.words) - 1)), 3)
            cur = best.get(rule.hs6)
            if cur is None or cur.weight < weight:
                best[rule.hs6] = HsHint(rule.hs6, weight, rule.words)
    return sorted(best.values(), key=lambda h: (-h.weight, h.hs6))[:limit]
