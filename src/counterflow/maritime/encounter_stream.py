"""Encounters with bounded memory: the steps of ``encounters.detect_encounters`` run over
sources of encounter candidates (each a set of whole vessels, such as one MMSI group of
the bounded engine, spilled to Parquet) and then over time windows, so memory follows
the largest source and the largest window, not the input.

1. each source's slow runs and their boxes (small: one row per run);
2. the runs that could meet another vessel's run, over all sources at once;
3. each source's kept runs as binned positions, written to Parquet (sorted by bin) in
   batches of about ``window_rows`` bins, with a count of bins per hour;
4. consecutive hours packed into time windows of about ``window_rows`` bins; each
   window's bins are paired (bins are independent) and the pairs grouped into runs of
   consecutive bins. A run still going at a window's last bin is carried (its pair rows)
   into the next window; the others are closed and become events when long enough.

The result is the same, row for row, as ``detect_encounters`` over all candidates.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from counterflow.maritime.encounters import (
    PAIR_SCHEMA,
    bin_runs,
    close_pairs,
    encounter_rows,
    long_runs,
    pair_runs,
    partnered,
    run_table,
)
from counterflow.maritime.events import empty_events
from counterflow.maritime.params import EventParams

WINDOW_ROWS = 400_000  # binned positions paired at once (x 8 probes in ``close_pairs``)
HOUR_BINS = 6  # windows are cut at multiples of this many bins (an hour of 10-min bins)


def _candidates(src: pl.LazyFrame) -> tuple[pl.DataFrame, np.ndarray]:
    c = src.collect()
    return c.select("mmsi", "t", "lat", "lon"), c["slow"].to_numpy()


def _bins_of_source(
    c: pl.DataFrame,
    slow: np.ndarray,
    rr: pl.DataFrame,
    ports: pl.DataFrame,
    p: EventParams,
    out: Path,
    name: str,
    window_rows: int,
    hist: dict[int, int],
) -> list[Path]:
    """Stage 3 for one source: its kept runs binned in batches of about ``window_rows``
    bins, each batch one Parquet file sorted by bin; ``hist`` counts bins per hour."""
    files: list[Path] = []
    if rr.height == 0:
        return files
    nb = (rr["b1"] - rr["b0"] + 1).to_numpy()
    batch = np.cumsum(nb) // max(1, window_rows)
    for k in np.unique(batch):
        b = bin_runs(c, slow, rr.filter(pl.Series(batch == k)), ports, p)
        if b.height == 0:
            continue
        b = b.sort("tb")
        for h, n in b.group_by(pl.col("tb") // HOUR_BINS).len().iter_rows():
            hist[int(h)] = hist.get(int(h), 0) + int(n)
        f = out / f"{name}-{int(k):06d}.parquet"
        b.write_parquet(f, row_group_size=16_384, statistics=True)
        files.append(f)
    return files


def plan_windows(hist: dict[int, int], window_rows: int) -> list[tuple[int, int]]:
    """[first, end) bin ranges, consecutive and covering every counted hour, each of at
    most ``window_rows`` bins (an hour with more is a window of its own)."""
    windows: list[tuple[int, int]] = []
    size = 0
    for h in sorted(hist):
        if windows and size + hist[h] <= window_rows:
            windows[-1] = (windows[-1][0], (h + 1) * HOUR_BINS)
            size += hist[h]
        else:
            start = windows[-1][1] if windows else h * HOUR_BINS
            windows.append((start, (h + 1) * HOUR_BINS))
            size = hist[h]
    return windows


def streamed_encounters(
    sources: Sequence[pl.LazyFrame],
    ports: pl.DataFrame,
    params: EventParams | None = None,
    *,
    workdir: Path | None = None,
    window_rows: int = WINDOW_ROWS,
) -> pl.DataFrame:
    """Encounter events of ``sources`` (frames of ``partition.CANDIDATE_SCHEMA``, each
    holding whole vessels sorted by (mmsi, t)); binned positions are spilled to a
    temporary folder under ``workdir``."""
    p = params or EventParams()
    tables = []
    for i, src in enumerate(sources):  # 1: runs of every source
        c, slow = _candidates(src)
        tables.append(run_table(c, slow, p).with_columns(pl.lit(i).alias("src")))
        del c, slow
    if not tables:
        return empty_events()
    runs = pl.concat(tables)
    if runs.height == 0:
        return empty_events()
    runs = runs.filter(pl.Series(partnered(runs, p)))  # 2: over all sources
    root = Path(tempfile.mkdtemp(prefix="counterflow-enc-", dir=workdir))
    try:
        files: list[Path] = []
        hist: dict[int, int] = {}
        for i in runs["src"].unique().sort().to_list():  # 3: bins of each source
            c, slow = _candidates(sources[i])
            rr = runs.filter(pl.col("src") == i).drop("src")
            files += _bins_of_source(
                c, slow, rr, ports, p, root, f"bins-{i:06d}", window_rows, hist
            )
            del c, slow
        del runs
        closed: list[pl.DataFrame] = []
        carry = pl.DataFrame(schema=PAIR_SCHEMA)
        for lo, hi in plan_windows(hist, window_rows):  # 4: time windows in order
            b = pl.scan_parquet(files).filter((pl.col("tb") >= lo) & (pl.col("tb") < hi)).collect()
            pairs = close_pairs(b, p)
            del b
            if carry.height:
                pairs = pl.concat([carry, pairs]).sort("a", "b", "tb")
            pr = pair_runs(pairs)
            if pr.height == 0:
                carry = pl.DataFrame(schema=PAIR_SCHEMA)
                continue
            going = pl.col("tb1") == hi - 1
            still = pr.filter(going).select("a", "b", "tb0")
            carry = (
                pairs.join(still, on=["a", "b"])
                .filter(pl.col("tb") >= pl.col("tb0"))
                .select(list(PAIR_SCHEMA))
            )
            done = long_runs(pr.filter(~going), p)
            if done.height:
                closed.append(done)
        if carry.height:
            closed.append(pair_runs(carry))
        if not closed:
            return empty_events()
        return encounter_rows(pl.concat(closed), p)
    finally:
        shutil.rmtree(root, ignore_errors=True)
