"""``lists update``: download the official publications and load them atomically.

Each parser module names its official URLs in ``DOWNLOADS = {dataset: [url, ...]}``.
For every dataset the files are fetched with httpx (timeouts, retries with exponential
backoff on connection errors, timeouts, 429 and 5xx, size checked against
Content-Length, sha256 computed while streaming) into a temporary folder under
``config.downloads_dir()``. Only when every file of the dataset arrived is the set
loaded, through the same atomic store load as ``lists load``; the files are then kept in
``downloads/<dataset>/``. A dataset whose download fails is left exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from counterflow import __version__, config
from counterflow.errors import BadInputError, CounterflowError
from counterflow.lists.registry import downloads, parser_modules
from counterflow.store import ListStore
from counterflow.store.loader import (
    GroupOutcome,
    Guard,
    LoadReport,
    RecordsProgress,
    Stage,
    load_paths,
)

USER_AGENT = f"counterflow/{__version__} (+sanctions list update)"
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class DownloadError(CounterflowError):
    """A file could not be downloaded (after the retries)."""


@dataclass(slots=True)
class Fetched:
    url: str
    path: Path
    sha256: str
    size: int


@dataclass(slots=True)
class DatasetUpdate:
    """The outcome of updating one dataset."""

    dataset: str
    urls: list[str]
    fetched: list[Fetched] = field(default_factory=list)
    error: str | None = None
    load: LoadReport | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.load is not None and self.load.exit_code == 0

    @property
    def outcomes(self) -> list[GroupOutcome]:
        return self.load.outcomes if self.load is not None else []


def plan(datasets: Sequence[str] | None = None) -> dict[str, list[str]]:
    """``{dataset: [url, ...]}`` of every parser module (or of ``datasets`` only)."""
    everything: dict[str, list[str]] = {}
    for mod in parser_modules():
        for ds, urls in downloads(mod).items():
            everything.setdefault(ds, []).extend(u for u in urls if u)
    if not datasets:
        return everything
    unknown = [d for d in datasets if d not in everything]
    if unknown:
        known = ", ".join(sorted(everything)) or "none"
        raise BadInputError(
            f"no download known for {', '.join(unknown)} (known: {known})", field="dataset"
        )
    return {d: everything[d] for d in datasets}


def file_name(url: str, taken: set[str]) -> str:
    """A local file name for ``url``: its last path segment, made unique."""
    name = Path(unquote(urlsplit(url).path)).name or "download"
    name = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    base, n = name, 1
    while name in taken:
        n += 1
        name = f"{n}_{base}"
    taken.add(name)
    return name


def fetch(
    client: httpx.Client,
    url: str,
    dest: Path,
    *,
    retries: int = 3,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Fetched:
    """Download ``url`` to ``dest``; retry transient failures ``retries`` times with
    exponential backoff (``backoff``, 2×, 4×, ... seconds). Raises ``DownloadError``."""
    attempts = retries + 1
    last = ""
    for attempt in range(1, attempts + 1):
        try:
            with client.stream("GET", url) as resp:
                if resp.status_code >= 400:
                    last = f"HTTP {resp.status_code} {resp.reason_phrase}".strip()
                    if resp.status_code not in RETRY_STATUS:
                        break
                    raise _Retry(last)
                h = hashlib.sha256()
                size = 0
                with dest.open("wb") as fh:
                    for chunk in resp.iter_bytes(1 << 16):
                        fh.write(chunk)
                        h.update(chunk)
                        size += len(chunk)
                expected = resp.headers.get("content-length")
                encoded = resp.headers.get("content-encoding", "identity") != "identity"
                if expected and expected.isdigit() and not encoded and int(expected) != size:
                    raise _Retry(f"incomplete download: {size} of {expected} bytes")
                if size == 0:
                    raise _Retry("the server sent an empty file")
                _stamp_mtime(dest, resp.headers.get("last-modified"))
                return Fetched(url, dest, h.hexdigest(), size)
        except _Retry as exc:
            last = str(exc)
        except httpx.TimeoutException as exc:
            last = f"timed out ({type(exc).__name__})"
        except httpx.TransportError as exc:
            last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        except httpx.InvalidURL as exc:
            last = f"invalid URL: {exc}"
            break
        if attempt < attempts:
            sleep(backoff * 2 ** (attempt - 1))
    dest.unlink(missing_ok=True)
    tries = f" (after {attempt} attempt{'s' if attempt > 1 else ''})"
    raise DownloadError(f"could not download {url}: {last}{tries}")


class _Retry(Exception):
    pass


def _stamp_mtime(path: Path, last_modified: str | None) -> None:
    """Give the file the server's Last-Modified time: parsers that take a publication's
    version from the file date (formats without a date inside) then see the right one."""
    if not last_modified:
        return
    try:
        ts = parsedate_to_datetime(last_modified).timestamp()
    except (TypeError, ValueError, IndexError):
        return
    os.utime(path, (ts, ts))


def update(
    store: ListStore,
    datasets: Sequence[str] | None = None,
    *,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 1.0,
    on_stage: Stage | None = None,
    on_records: RecordsProgress | None = None,
    transport: httpx.BaseTransport | None = None,
    guard: Guard | None = None,
) -> list[DatasetUpdate]:
    """Download and load each dataset's publication; see the module doc."""
    todo = plan(datasets)
    results: list[DatasetUpdate] = []
    root = config.downloads_dir()
    with httpx.Client(
        timeout=httpx.Timeout(timeout),
        follow_redirects=True,
        headers={"User-Agent": USER_AGENT},
        transport=transport,
    ) as client:
        for ds, urls in todo.items():
            upd = DatasetUpdate(ds, list(urls))
            results.append(upd)
            if not urls:
                upd.error = f"{ds}: no download URL known"
                continue
            tmp = Path(tempfile.mkdtemp(prefix=f".{ds}-", dir=root))
            try:
                taken: set[str] = set()
                try:
                    for url in urls:
                        if on_stage is not None:
                            on_stage(f"downloading {url}")
                        upd.fetched.append(
                            fetch(
                                client, url, tmp / file_name(url, taken),
                                retries=retries, backoff=backoff,
                            )
                        )  # fmt: skip
                except DownloadError as exc:
                    upd.error = f"{exc}; {ds} is unchanged in the store"
                    continue
                try:
                    upd.load = load_paths(
                        [f.path for f in upd.fetched],
                        store,
                        on_stage=on_stage,
                        on_records=on_records,
                        one_per_dataset=True,
                        guard=guard,
                    )
                except CounterflowError as exc:
                    upd.error = f"{ds}: {exc}; {ds} is unchanged in the store"
                    continue
                if not upd.load.loaded:
                    upd.error = (
                        f"{ds}: nothing loadable in the downloaded files; "
                        f"{ds} is unchanged in the store"
                    )
                if upd.load.exit_code == 0:
                    keep = root / ds
                    shutil.rmtree(keep, ignore_errors=True)
                    tmp.rename(keep)
                    for f in upd.fetched:
                        f.path = keep / f.path.name
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    return results
