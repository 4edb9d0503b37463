"""Token frequency over the loaded names -> token weights (IDF).

A token that appears in many listed names ("mohammad", "trading", "international",
"alfa") tells little about *which* party is meant, so it weighs little in name
similarity; a rare token ("kupol", "badege") weighs fully. Without a list (``match
pairs``) a small built-in set of very common name and business words stands in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

MIN_WEIGHT: Final = 0.25

# Used when no list is loaded: words that are very common in names everywhere.
COMMON_WITHOUT_LIST: Final = frozenset(
    {
        "mohammad",
        "mohammed",
        "muhammad",
        "mohamed",
        "ahmad",
        "ahmed",
        "ali",
        "abdul",
        "abd",
        "abu",
        "hassan",
        "hussein",
        "john",
        "maria",
        "trading",
        "international",
        "group",
        "holding",
        "holdings",
        "industries",
        "industrial",
        "services",
        "service",
        "company",
        "enterprise",
        "enterprises",
        "global",
        "general",
        "import",
        "export",
        "shipping",
        "bank",
        "commercial",
        "investment",
        "investments",
        "technology",
        "technologies",
        "engineering",
        "plant",
        "factory",
        "center",
        "centre",
        "national",
        "state",
        "russian",
        "iran",
        "china",
        "alfa",
        "alpha",
        "new",
        "star",
    }
)


class TokenWeights:
    """IDF weight of a token in [MIN_WEIGHT, 1]: 1 for tokens seen in at most a few
    names (or never), falling with log frequency for common ones."""

    def __init__(self, df: Mapping[str, int], n_names: int) -> None:
        self.df = df
        self.n = max(n_names, 1)
        # a token in <= ~5 names weighs fully; one in every name weighs MIN_WEIGHT
        self._top = math.log(1 + self.n / 5)
        self._cache: dict[str, float] = {}

    def weight(self, token: str) -> float:
        w = self._cache.get(token)
        if w is not None:
            return w
        d = self.df.get(token, 0)
        if d <= 5:
            w = 1.0
        else:
            idf = math.log(1 + self.n / d)
            w = max(MIN_WEIGHT, min(1.0, idf / self._top))
        if len(self._cache) < 200_000:
            self._cache[token] = w
        return w


class StaticWeights(TokenWeights):
    """Weights with no list: common words weigh 0.4, everything else 1."""

    def __init__(self) -> None:
        super().__init__({}, 1)

    def weight(self, token: str) -> float:
        return 0.4 if token in _FOLDED_COMMON else 1.0


def _fold(word: str) -> str:
    from counterflow.match.normalize import fold_token

    return fold_token(word)


_FOLDED_COMMON: Final = frozenset(_fold(w) for w in COMMON_WITHOUT_LIST)
