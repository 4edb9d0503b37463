"""Party screening: normalise names, retrieve candidates from a persisted index, score
them with the other evidence, explain and band them.

    from counterflow.match import open_screener, PartyScreener
    screener = open_screener(store)              # persisted index of every loaded list
    screener = PartyScreener.from_parties(parties)  # in memory, for tests and tools
    hits = screener.screen(Query(id="1", name="Vladimir Putin"), threshold=0.7)
"""

from __future__ import annotations

from counterflow.match.screener import PartyScreener, open_screener
from counterflow.match.types import Hit, Query, Screener

__all__ = ["Hit", "PartyScreener", "Query", "Screener", "open_screener"]
