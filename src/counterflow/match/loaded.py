"""The screener over the loaded lists, opened one way for every command that needs it
(``screen parties``/``name``, ``screen orders``, ``ownership check``, ``ais events`` and
``ais vessels``):

    with open_loaded(note=print) as loaded:   # raises NoListsLoaded on an empty store
        hits = loaded.screener.screen(query)

The list store is opened with the screener and closed when the ``with`` block ends (hits
read their listed record from it). An empty store is always ``NoListsLoaded``; a caller
that can go on without lists (orders, ownership, vessels) catches it and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from counterflow.errors import CounterflowError
from counterflow.match.screener import PartyScreener, open_screener
from counterflow.store import ListStore

NO_LISTS = "no lists loaded: run `counterflow lists load PATH` first"
OPENING = "opening the name index (built on first use after a list load)..."


class NoListsLoaded(CounterflowError):
    """The list store holds no list: there is nothing to screen against."""

    def __init__(self, message: str = NO_LISTS) -> None:
        super().__init__(message)


class LoadedScreener:
    """The open list store and the screener over every list in it; closes the store."""

    def __init__(self, store: ListStore, screener: PartyScreener) -> None:
        self.store = store
        self.screener = screener

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> LoadedScreener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_loaded(
    note: Callable[[str], None] | None = None,
    *,
    opening: str = OPENING,
    path: Path | str | None = None,
) -> LoadedScreener:
    """The list store (``path``, default ``config.lists_db_path()``) and its screener.
    ``note`` gets ``opening`` before the index is opened (its first opening after a list
    load builds it). Raises ``NoListsLoaded``, the store closed, when no list is loaded."""
    store = ListStore.open(path)
    try:
        if not store.status():
            raise NoListsLoaded()
        if note is not None:
            note(opening)
        return LoadedScreener(store, open_screener(store))
    except BaseException:
        store.close()
        raise
