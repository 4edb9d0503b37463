"""Bounded-memory AIS events: the input is spilled to Parquet in MMSI buckets, then the
existing pipeline (``clean`` + ``detect.detect_all``) runs on one group of buckets at a
time, so memory follows the largest group, not the input.

Every detector but one looks at one vessel at a time, so running it per MMSI group gives
the same events. Encounters pair two vessels: each group hands on its *encounter
candidates* (the positions of slow runs long enough to matter, plus the position that
ends each run), spilled to Parquet, and ``encounter_stream`` pairs them over time
windows, so that stage's memory is bounded too. Any new detector that pairs vessels must
be listed in ``CROSS_VESSEL`` and fed the same way.

Large CSV files are read in line-aligned chunks of ``CHUNK_BYTES`` through the same
reader as a whole file (``ingest.read_file``); a quoted field spanning lines across a
chunk border is not supported (AIS exports have none). The Spark engine
(``counterflow.spark.ais``) reuses ``read_chunk``, ``process_group`` and ``finish``.
"""

from __future__ import annotations

import inspect
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from counterflow.errors import BadInputError
from counterflow.maritime.clean import DEFAULT_MAX_SPEED_KN, clean, fix_swapped
from counterflow.maritime.detect import Detection, detect_all
from counterflow.maritime.encounter_stream import WINDOW_ROWS, streamed_encounters
from counterflow.maritime.events import INTERNAL_SCHEMA, empty_events
from counterflow.maritime.ingest import read_file, sniff_kind
from counterflow.maritime.jumps import leg_metrics
from counterflow.maritime.loitering import slow_mask, slow_runs
from counterflow.maritime.params import EventParams
from counterflow.maritime.shore import Shore, default_shore
from counterflow.maritime.table import POSITIONS_SCHEMA, AisData, Drops, empty_static

CROSS_VESSEL = ("encounter",)
CHUNK_BYTES = 64 << 20
BUCKETS = 64
GROUP_POSITIONS = 1_500_000  # about 0.4 GB through clean + detect_all
# what detect_encounters reads of a position (speeds are already in ``slow``)
CANDIDATE_SCHEMA: dict[str, pl.DataType] = {
    **{c: POSITIONS_SCHEMA[c] for c in ("mmsi", "t", "lat", "lon")},
    "slow": pl.Boolean(),
}
_DIALECT_NOTE = re.compile(r"^(.*): dialect (\S+), (\d+) rows$")


@dataclass
class GroupResult:
    """What one MMSI group yields: per-vessel events, encounter candidates, the first and
    last time of each vessel, and what cleaning dropped."""

    events: pl.DataFrame
    candidates: pl.DataFrame
    spans: pl.DataFrame  # mmsi, t0, t1
    drops: Drops
    positions: int = 0


@dataclass
class Partitioned:
    """The outcome: ``data`` holds all static rows and, as positions, each vessel's first
    and last time only (what vessel screening reads); ``detection.events`` all events."""

    data: AisData
    detection: Detection
    positions: int
    vessels: int
    groups: int
    timings: dict[str, float] = field(default_factory=dict)


# ------------------------------------------------------------------ reading
def chunk_ranges(path: Path, chunk_bytes: int = CHUNK_BYTES) -> list[tuple[int, int]]:
    """Line-aligned (offset, end) byte ranges of the data lines of a CSV (after its
    header); one range for a small file."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.readline()
        start = fh.tell()
        out = []
        while start < size:
            fh.seek(min(start + chunk_bytes, size))
            if fh.tell() < size:
                fh.readline()
            end = fh.tell()
            out.append((start, end))
            start = end
    return out


def read_chunk(path: Path, start: int, end: int, workdir: Path) -> AisData:
    """The rows of bytes [start, end) of a CSV, with its header, read as a whole CSV file
    (lat/lon not yet checked for a swap: that is decided per file, :func:`decide_swap`)."""
    from counterflow.maritime.ingest_csv import read_csv

    with path.open("rb") as fh:
        header = fh.readline()
        fh.seek(start)
        body = fh.read(end - start)
    sub = Path(tempfile.mkdtemp(dir=workdir))
    try:
        part = sub / path.name
        with part.open("wb") as out:
            out.write(header)
            out.write(body)
        del body
        return read_csv(part)
    finally:
        shutil.rmtree(sub, ignore_errors=True)


def iter_parts(
    paths: Sequence[Path], workdir: Path, chunk_bytes: int = CHUNK_BYTES
) -> Iterator[tuple[int, int, AisData, bool]]:
    """(file number, chunk number, data, last chunk of its file) for every file; CSV
    files larger than one chunk in chunks (lat/lon not yet fixed), others whole (NMEA:
    multi-sentence messages stay together) and fixed as ``ingest.read_file`` does."""
    for fi, p in enumerate(paths):
        if not p.exists():
            raise BadInputError("no such file", file=str(p))
        if sniff_kind(p) == "csv" and p.stat().st_size > chunk_bytes:
            ranges = chunk_ranges(p, chunk_bytes)
            for ci, (a, b) in enumerate(ranges):
                yield fi, ci, read_chunk(p, a, b, workdir), ci == len(ranges) - 1
        else:
            yield fi, -1, read_file(p), True


SAMPLE_PER_CHUNK = 20_000


def chunk_sample(positions: pl.DataFrame, first: bool) -> pl.DataFrame:
    """Rows of a chunk kept to decide the file's lat/lon swap: the first rows of the
    first chunk (``fix_swapped`` looks at the first distinct positions), a seeded random
    sample of the others."""
    n = min(positions.height, SAMPLE_PER_CHUNK)
    if n == positions.height:
        return positions
    return positions.head(n) if first else positions.sample(n, seed=0)


def decide_swap(sample: pl.DataFrame, rows: int, label: str, drops: Drops) -> bool:
    """``fix_swapped``'s decision for a whole file from a sample of its chunks; when it
    swaps, the file's ``rows`` are counted and noted in ``drops``."""
    probe = Drops()
    fix_swapped(sample, probe, label)
    if "fixed_swapped_lat_lon" not in probe.counts:
        return False
    drops.notes.extend(probe.notes)
    drops.add("fixed_swapped_lat_lon", rows)
    return True


def swap_lat_lon(positions: pl.DataFrame) -> pl.DataFrame:
    return positions.with_columns(pl.col("lat").alias("lon"), pl.col("lon").alias("lat"))


def merge_notes(drops: Drops) -> Drops:
    """One ``dialect ..., N rows`` note per file however many chunks it was read in."""
    rows: dict[tuple[str, str], int] = {}
    other: list[str] = []
    for n in drops.notes:
        m = _DIALECT_NOTE.match(n)
        if m:
            key = (m.group(1), m.group(2))
            rows[key] = rows.get(key, 0) + int(m.group(3))
        elif n not in other:
            other.append(n)
    out = Drops(dict(drops.counts))
    out.notes = [f"{f}: dialect {d}, {n} rows" for (f, d), n in rows.items()] + other
    return out


def bucket_of(mmsi: pl.Expr, buckets: int) -> pl.Expr:
    """The MMSI bucket of a row (rows without an MMSI in bucket 0: cleaning drops them)."""
    return (mmsi.fill_null(0).abs() % buckets).cast(pl.Int32)


# ------------------------------------------------------------------ one group
def encounter_candidates(pos: pl.DataFrame, p: EventParams) -> pl.DataFrame:
    """The rows ``detect_encounters`` can use, with their slow flag: every slow run at
    least ``encounter_min_h`` long and the row after it, flagged not slow unless it starts
    the next run, so runs stay apart. (A run can end at a silence of ``gap_min_h`` with a
    slow row after it; kept slow, that row joined the next kept run across the vessel's
    positions left out between them, which are not all slow, and made up encounters.)"""
    if pos.height == 0:
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    legs = leg_metrics(pos)
    slow = slow_mask(pos, legs[2], p.encounter_max_kn)
    runs = slow_runs(pos, slow, p, p.encounter_min_h)
    if runs.start.size == 0:
        return pl.DataFrame(schema=CANDIDATE_SCHEMA)
    keep = np.zeros(pos.height + 1, dtype=np.int32)
    np.add.at(keep, runs.start, 1)
    np.add.at(keep, runs.end + 1, -1)
    in_run = np.cumsum(keep)[: pos.height] > 0
    mask = in_run.copy()
    m = pos["mmsi"].to_numpy()
    after = runs.end + 1
    after = after[after < pos.height]
    mask[after[m[after] == m[after - 1]]] = True  # the row that ends each run
    return (
        pos.select("mmsi", "t", "lat", "lon")
        .with_columns(pl.Series("slow", in_run))  # every row of a kept run is slow
        .filter(pl.Series(mask))
    )


def process_group(
    positions: pl.DataFrame,
    ports: pl.DataFrame,
    params: EventParams,
    *,
    max_speed_kn: float = DEFAULT_MAX_SPEED_KN,
    shore: Shore | None = None,
    static: pl.DataFrame | None = None,
) -> GroupResult:
    """Clean and detect one MMSI group with the local pipeline; encounters are left to
    :func:`finish` (they pair vessels of different groups). ``static``: the static rows
    of every vessel, for detectors that read them (given to ``detect_all`` when it takes
    them, filtered to this group's vessels)."""
    data = clean(AisData(positions, empty_static(), Drops()), max_speed_kn=max_speed_kn)
    data.drops.notes = [n for n in data.drops.notes if not n.startswith("no valid positions")]
    pos = data.positions
    extra: dict[str, Any] = {}
    if static is not None and "static" in inspect.signature(detect_all).parameters:
        extra["static"] = static.filter(pl.col("mmsi").is_in(pos["mmsi"].unique().implode()))
    det = detect_all(pos, ports, params, shore=shore, workers=1, **extra)
    events = det.events.filter(~pl.col("event_type").is_in(CROSS_VESSEL))
    spans = pos.group_by("mmsi").agg(pl.col("t").min().alias("t0"), pl.col("t").max().alias("t1"))
    return GroupResult(
        events, encounter_candidates(pos, params), spans, data.drops, positions=pos.height
    )


def finish(
    results: Sequence[GroupResult],
    static: pl.DataFrame,
    ports: pl.DataFrame,
    params: EventParams,
    drops: Drops,
    *,
    candidates: Sequence[pl.LazyFrame] = (),
    workdir: Path | None = None,
    window_rows: int = WINDOW_ROWS,
) -> Partitioned:
    """All groups' events plus the encounters over every group's candidates (those held
    in ``results`` and those spilled, given as ``candidates``), streamed over time
    windows (``encounter_stream``) with the binned positions spilled under ``workdir``."""
    for r in results:
        drops.merge(r.drops)
    sources = list(candidates) + [
        r.candidates.sort("mmsi", "t", maintain_order=True).lazy()
        for r in results
        if r.candidates.height
    ]
    enc = streamed_encounters(sources, ports, params, workdir=workdir, window_rows=window_rows)
    parts = [r.events for r in results if r.events.height]
    if enc.height:
        parts.append(enc.cast(INTERNAL_SCHEMA))  # type: ignore[arg-type]
    events = pl.concat(parts) if parts else empty_events()
    spans = (
        pl.concat([r.spans for r in results])
        if results
        else pl.DataFrame(schema={"mmsi": pl.Int64(), "t0": pl.Int64(), "t1": pl.Int64()})
    )
    summary = (
        pl.concat(
            [
                spans.select("mmsi", pl.col("t0").alias("t")),
                spans.select("mmsi", pl.col("t1").alias("t")),
            ]
        )
        .with_columns(
            *(
                pl.lit(None, dtype=dt).alias(c)
                for c, dt in POSITIONS_SCHEMA.items()
                if c not in ("mmsi", "t")
            )
        )
        .select(list(POSITIONS_SCHEMA))
        .sort("mmsi", "t")
    )
    n = sum(r.positions for r in results)
    if n == 0 and drops.counts:
        drops.note("no valid positions left after cleaning")
    return Partitioned(
        AisData(summary, static, drops), Detection(events), n, spans.height, len(results)
    )


# ------------------------------------------------------------------ local engine
def plan_groups(counts: dict[int, int], target: int) -> list[list[int]]:
    """Consecutive buckets packed into groups of at most ``target`` positions (a bucket
    larger than that is a group of its own)."""
    groups: list[list[int]] = []
    size = 0
    for b in sorted(counts):
        if groups and size + counts[b] <= target:
            groups[-1].append(b)
            size += counts[b]
        else:
            groups.append([b])
            size = counts[b]
    return groups


def events_by_mmsi_groups(
    paths: Sequence[Path],
    ports: pl.DataFrame,
    params: EventParams | None = None,
    *,
    max_speed_kn: float = DEFAULT_MAX_SPEED_KN,
    group_positions: int = GROUP_POSITIONS,
    buckets: int = BUCKETS,
    chunk_bytes: int = CHUNK_BYTES,
    workdir: Path | None = None,
    window_rows: int = WINDOW_ROWS,
    on_group: Callable[[int, int], None] | None = None,
) -> Partitioned:
    """Events of ``paths`` with memory bounded by ``group_positions`` (and the encounter
    stage by ``window_rows`` binned positions): spill to Parquet by MMSI bucket (in a
    temporary folder under ``workdir``), then one group at a time; each group's
    encounter candidates are spilled too and streamed by ``encounter_stream``."""
    import time

    p = params or EventParams()
    tm: dict[str, float] = {}
    root = Path(tempfile.mkdtemp(prefix="counterflow-ais-", dir=workdir))
    try:
        t0 = time.perf_counter()
        counts: dict[int, int] = {}
        statics: list[pl.DataFrame] = []
        drops = Drops()
        samples: list[pl.DataFrame] = []
        file_rows = 0
        swapped: set[int] = set()
        for fi, ci, data, last in iter_parts(paths, root, chunk_bytes):
            drops.merge(data.drops)
            if data.static.height:
                statics.append(data.static)
            if ci >= 0:  # a chunk of a large CSV: lat/lon decided once the file is read
                samples.append(chunk_sample(data.positions, ci == 0))
                file_rows += data.positions.height
                if last:
                    if decide_swap(pl.concat(samples), file_rows, paths[fi].name, drops):
                        swapped.add(fi)
                    samples, file_rows = [], 0
            pos = data.positions.with_columns(bucket_of(pl.col("mmsi"), buckets).alias("_b"))
            data.positions = data.positions.clear()
            for (b,), part in pos.partition_by("_b", as_dict=True).items():
                folder = root / f"b{int(b):04d}"
                folder.mkdir(exist_ok=True)
                part.drop("_b").write_parquet(
                    folder / f"{fi:05d}-{ci:05d}.parquet", statistics=False
                )
                counts[int(b)] = counts.get(int(b), 0) + part.height
            del pos
        tm["spill"] = time.perf_counter() - t0
        static = pl.concat(statics) if statics else empty_static()
        shore = default_shore()
        results: list[GroupResult] = []
        spilled: list[Path] = []
        t0 = time.perf_counter()
        groups = plan_groups(counts, group_positions)
        for gi, g in enumerate(groups):
            files = [f for b in g for f in sorted((root / f"b{b:04d}").glob("*.parquet"))]
            positions = pl.concat(
                [
                    swap_lat_lon(pl.read_parquet(f))
                    if int(f.name.split("-")[0]) in swapped
                    else pl.read_parquet(f)
                    for f in files
                ]
            )
            for f in files:
                f.unlink()
            r = process_group(
                positions, ports, p, max_speed_kn=max_speed_kn, shore=shore, static=static
            )
            del positions
            if r.candidates.height:
                f = root / f"candidates-{gi:05d}.parquet"
                r.candidates.write_parquet(f, statistics=False)
                spilled.append(f)
                r.candidates = r.candidates.clear()
            results.append(r)
            if on_group:
                on_group(gi + 1, len(groups))
        tm["groups"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        out = finish(
            results,
            static,
            ports,
            p,
            merge_notes(drops),
            candidates=[pl.scan_parquet(f) for f in spilled],
            workdir=root,
            window_rows=window_rows,
        )
        tm["encounters"] = time.perf_counter() - t0
        out.timings = tm
        return out
    finally:
        shutil.rmtree(root, ignore_errors=True)
