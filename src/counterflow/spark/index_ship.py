"""The persisted name index on the executors: built (or reused) once on the driver,
shipped once per executor with ``SparkContext.addFile`` (or read from a path on shared
storage), opened there with its big postings array memory-mapped, and cached for the
life of the Python worker. Tasks carry only an :class:`IndexRef` (a few strings), never
the index itself.

A missing or stale index on an executor raises :class:`IndexUnavailableError` naming the
list versions the driver expected."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from counterflow.errors import CounterflowError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from counterflow.match.screener import PartyScreener


class IndexUnavailableError(CounterflowError):
    """The executor cannot open the name index the driver built."""


@dataclass(frozen=True, slots=True)
class IndexRef:
    """What a task needs to find the index: its folder name (as shipped), or a path on
    shared storage, and the fingerprint and list versions it must have."""

    folder_name: str
    fingerprint: str
    versions: str  # "us_ofac_sdn 2024-05-03, un_sc_sanctions 2026-02-27, ..."
    location: str | None = None  # a folder every executor can read; None = SparkFiles


_SHIPPED: set[tuple[int, str]] = set()
_OPEN: dict[IndexRef, PartyScreener] = {}


def list_versions(store: Any) -> str:
    return ", ".join(f"{s.dataset} {s.version}" for s in store.status())


def ship_index(spark: SparkSession, store: Any = None, *, location: str | None = None) -> IndexRef:
    """Build (or reuse) the index of every list loaded in ``store`` (default: the store
    under ``COUNTERFLOW_HOME``) and make it reachable from every executor: through
    ``addFile`` (copied once per executor), or at ``location`` when given (a folder on
    shared storage the caller filled with a copy of the index folder)."""
    from counterflow.match import open_screener
    from counterflow.store import ListStore

    own = store is None
    store = store if store is not None else ListStore.open()
    try:
        if not store.status():
            raise CounterflowError("no lists loaded: run `counterflow lists load PATH` first")
        screener = open_screener(store)
        fp = store.fingerprint()
        versions = list_versions(store)
    finally:
        if own:
            store.close()
    from counterflow.config import index_dir

    folder = index_dir() / f"names-{fp[:24]}"
    if screener.index.fingerprint != fp or not folder.is_dir():
        raise IndexUnavailableError(f"the name index under {folder} was not written")
    if location is None:
        # Spark keys shipped files by their base name and refuses a second, different
        # copy under the same name; the name holds the lists fingerprint, so a folder of
        # that name already shipped (e.g. from another home) is an index of the same lists.
        key = (id(spark.sparkContext), folder.name)
        if key not in _SHIPPED:
            spark.sparkContext.addFile(str(folder), recursive=True)
            _SHIPPED.add(key)
    return IndexRef(folder.name, fp, versions, location)


def executor_screener(ref: IndexRef) -> PartyScreener:
    """The screener over the shipped index, opened once per Python worker (postings
    memory-mapped); IndexUnavailableError when it is missing or of other list versions."""
    screener = _OPEN.get(ref)
    if screener is not None:
        return screener
    from counterflow.match.index import NameIndex
    from counterflow.match.screener import PartyScreener

    folder = _locate(ref)
    try:
        index = NameIndex.load(folder)
    except FileNotFoundError as exc:
        raise IndexUnavailableError(
            f"the name index at {folder} is incomplete ({exc.filename}); "
            f"expected the index of lists: {ref.versions}"
        ) from None
    except (ValueError, OSError, EOFError) as exc:
        raise IndexUnavailableError(
            f"the name index at {folder} cannot be opened ({exc}); "
            f"expected the index of lists: {ref.versions}"
        ) from None
    if index.fingerprint != ref.fingerprint:
        raise IndexUnavailableError(
            f"stale name index at {folder}: built for lists fingerprint "
            f"{index.fingerprint or '?'}, the driver expects {ref.fingerprint} "
            f"(lists: {ref.versions})"
        )
    screener = PartyScreener(index)
    _OPEN.clear()  # one index per worker: a new list version replaces the old one
    _OPEN[ref] = screener
    return screener


def _locate(ref: IndexRef) -> Path:
    if ref.location is not None:
        folder = Path(ref.location)
        if (folder / "meta.pkl").is_file():
            return folder
        if (folder / ref.folder_name / "meta.pkl").is_file():
            return folder / ref.folder_name
        raise IndexUnavailableError(
            f"no name index at {ref.location} on this executor; expected the index "
            f"{ref.folder_name} of lists: {ref.versions}"
        )
    try:
        from pyspark import SparkFiles

        folder = Path(SparkFiles.get(ref.folder_name))
    except Exception as exc:  # no SparkContext files on this worker
        raise IndexUnavailableError(
            f"the name index {ref.folder_name} was not shipped to this executor ({exc}); "
            f"expected lists: {ref.versions}"
        ) from None
    if not (folder / "meta.pkl").is_file():
        raise IndexUnavailableError(
            f"the name index {ref.folder_name} is missing on this executor (looked in "
            f"{folder}); expected lists: {ref.versions}"
        )
    return folder
