"""Prepared forms the index stores and the scorer compares: a name with its token
weights (``WeightedName``), a listed party's other evidence (``PartyEvidence``), and the
parsers both sides use (``parse_date``, ``address_words``). The index depends on this
module, not on the scorer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from counterflow.match.frequency import TokenWeights
from counterflow.match.normalize import NameForm


@dataclass(slots=True)
class WeightedName:
    """A ``NameForm`` with its token weights under some frequency table."""

    form: NameForm
    weights: list[float]

    @classmethod
    def build(cls, form: NameForm, weights: TokenWeights) -> WeightedName:
        return cls(
            form, [weights.weight(t) * m for t, m in zip(form.tokens, form.mults, strict=True)]
        )


@dataclass(slots=True)
class PartyEvidence:
    """What a listed party says besides its names, prepared at index time."""

    kind: str
    countries: frozenset[str]
    dates: list[tuple[int, int, int]]
    ids: dict[str, frozenset[str]]  # scheme -> values
    address: frozenset[str]


_DATE: Final = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2}))?(?:[-/.](\d{1,2}))?")


def parse_date(text: str) -> tuple[int, int, int] | None:
    """Lenient ``YYYY[-MM[-DD]]`` -> (year, month or 0, day or 0); invalid parts -> 0."""
    m = _DATE.match(text or "")
    if not m:
        return None
    y = int(m.group(1))
    mo = int(m.group(2)) if m.group(2) else 0
    d = int(m.group(3)) if m.group(3) else 0
    if not 1 <= mo <= 12:
        mo, d = 0, 0
    if not 1 <= d <= 31:
        d = 0
    return (y, mo, d)


_ADDR_WORD: Final = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
_ADDR_STOP: Final = frozenset(
    {"street", "road", "avenue", "building", "office", "floor", "district", "city"}
)


def address_words(text: str) -> frozenset[str]:
    return frozenset(w for w in _ADDR_WORD.findall(text.lower()) if w not in _ADDR_STOP)
