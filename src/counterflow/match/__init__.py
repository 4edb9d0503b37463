"""Party screening: normalise names, retrieve candidates from a persisted index, score
them with the other evidence, explain and band them.

    from counterflow.match import open_screener, PartyScreener
    screener = open_screener(store)              # persisted index of every loaded list
    screener = PartyScreener.from_parties(parties)  # in memory, for tests and tools
    hits = screener.screen(Query(id="1", name="Vladimir Putin"), threshold=0.7)
"""

from __future__ import annotations

from counterflow.match import native

native.install()  # the compiled hot path, when built from exactly these sources

from counterflow.match.screener import PartyScreener, open_screener  # noqa: E402
from counterflow.match.types import Hit, Query, Screener  # noqa: E402

__all__ = ["Hit", "PartyScreener", "Query", "Screener", "open_screener"]
