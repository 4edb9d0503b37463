"""The screening contract: a ``Query`` goes in, ranked ``Hit``s come out.

Orders, maritime, review and the HTTP API all call party screening through the
``Screener`` protocol below, so they never depend on how matching works inside.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

from counterflow.records.model import Party

QueryKind = Literal["person", "organization", "vessel", "aircraft", "any"]
Decision = Literal["match", "review", "clear"]


@dataclass(slots=True)
class Query:
    """A party to screen, as a user describes it (see INTERFACES.md, screen parties)."""

    id: str
    name: str
    kind: QueryKind = "any"
    countries: list[str] = field(default_factory=list)  # ISO alpha-2, lower case
    birth_dates: list[str] = field(default_factory=list)  # YYYY, YYYY-MM or YYYY-MM-DD
    identifiers: list[str] = field(default_factory=list)  # raw tokens, e.g. "IMO9253325"
    address: str | None = None
    extra: dict[str, str] = field(default_factory=dict)  # pass-through columns


@dataclass(slots=True)
class Hit:
    """One candidate listed party for a query, scored and explained."""

    query_id: str
    score: float  # calibrated, [0, 1]
    decision: Decision  # by the configured bands
    dataset: str
    source_id: str
    entity_id: str
    entity_name: str
    matched_name: str  # the listed name or alias that matched best
    kind: str
    explanation: str  # a short sentence naming what agreed and what did not
    features: dict[str, float] = field(default_factory=dict)  # evidence contributions
    party: Party | None = None  # the listed record, for review pages


class Screener(Protocol):
    """Party screening over the loaded lists."""

    def screen(self, query: Query, *, threshold: float = 0.5, limit: int = 10) -> list[Hit]:
        """Hits with score >= threshold, best first, at most ``limit``."""
        ...

    def screen_many(
        self,
        queries: Iterable[Query],
        *,
        threshold: float = 0.5,
        limit: int = 10,
        workers: int = 1,
    ) -> Iterator[list[Hit]]:
        """Streams the hits of each query, in input order; ``workers`` > 1 may screen on
        several processes (a screener that cannot ignores it)."""
        ...
