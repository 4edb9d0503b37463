"""Encounters: two vessels within ``encounter_km`` (500 m) of each other for at least
``encounter_min_h`` (2 h), both slower than ``encounter_max_kn`` (2 kn), at least
``encounter_min_port_km`` (10 km) from any port or anchorage.

Not O(n^2): only slow runs long enough to matter are considered; each is resampled to
``encounter_bin_min``-minute time bins (last known position), bins are bucketed by time and
a 3-D grid cell on the sphere (cell = twice the distance threshold, so a partner lies in
the point's cell or the neighbour on its nearer side: each point probes 8 cells), and
candidate pairs are hash-joined on (bin, cell). In memory the pairing works on the fixes
(each holds a stretch of bins) over two-hour buckets and spells out only the close pairs'
bins (:func:`close_pairs_fixes`, the same rows as :func:`close_pairs`). Both vessels of a
pair get a row (other_mmsi = the partner).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from counterflow.maritime.events import conform, empty_events
from counterflow.maritime.loitering import slow_runs
from counterflow.maritime.nearby import nearest_port
from counterflow.maritime.params import EventParams
from counterflow.maritime.table import EARTH_RADIUS_KM, haversine_km

_OFF = 1 << 20
_KEY = 4_000_000_000  # > any epoch second


_BUCKET_DEG = 0.5
_BINS_PER_BUCKET = 144
_PAIR_BUCKET_BINS = 12  # bins per time bucket when fixes are paired (two hours)
RUN_SCHEMA: dict[str, pl.DataType] = {
    "mmsi": pl.Int64(),
    "b0": pl.Int64(),
    "b1": pl.Int64(),
    "s": pl.Int64(),
    "e": pl.Int64(),
    "la0": pl.Float64(),
    "la1": pl.Float64(),
    "lo0": pl.Float64(),
    "lo1": pl.Float64(),
}
BINNED_SCHEMA: dict[str, pl.DataType] = {
    "mmsi": pl.Int64(),
    "tb": pl.Int64(),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
}
PAIR_SCHEMA: dict[str, pl.DataType] = {
    "a": pl.Int64(),
    "b": pl.Int64(),
    "tb": pl.Int64(),
    "la_a": pl.Float64(),
    "lo_a": pl.Float64(),
    "la_b": pl.Float64(),
    "lo_b": pl.Float64(),
    "d": pl.Float64(),
}


def bin_seconds(p: EventParams) -> int:
    return int(p.encounter_bin_min * 60)


def run_table(pos: pl.DataFrame, slow: np.ndarray, p: EventParams) -> pl.DataFrame:
    """The slow runs that can hold an encounter (at least ``encounter_min_h`` and one whole
    time bin): vessel, first and last bin (b0, b1), first and last row (s, e), and the
    box of their positions widened by the distance threshold (la0, la1, lo0, lo1)."""
    runs = slow_runs(pos, slow, p, p.encounter_min_h)
    if runs.start.size == 0:
        return pl.DataFrame(schema=RUN_SCHEMA)
    bin_s = bin_seconds(p)
    t = pos["t"].to_numpy()
    m = pos["mmsi"].to_numpy()
    rr = pl.DataFrame(
        {
            "mmsi": m[runs.start],
            "b0": -(-t[runs.start] // bin_s),
            "b1": t[runs.end] // bin_s,
            "s": runs.start,
            "e": runs.end,
        }
    ).filter(pl.col("b1") >= pl.col("b0"))
    if rr.height == 0:
        return pl.DataFrame(schema=RUN_SCHEMA)
    s = rr["s"].to_numpy()
    e = rr["e"].to_numpy()
    # each run is a block of consecutive rows: min and max over [s, e] by one reduceat
    # (NaN ignored, as polars' min/max do)
    bounds = np.column_stack((s, e + 1)).ravel()
    if bounds[-1] == t.size:
        bounds = bounds[:-1]
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    margin = p.encounter_km / 110.574
    box = (
        pl.DataFrame(
            {
                "la0": np.fmin.reduceat(la, bounds)[::2],
                "la1": np.fmax.reduceat(la, bounds)[::2],
                "lo0": np.fmin.reduceat(lo, bounds)[::2],
                "lo1": np.fmax.reduceat(lo, bounds)[::2],
            }
        )
        .with_columns(
            (pl.col("la0") - margin).alias("la0"),
            (pl.col("la1") + margin).alias("la1"),
        )
        .with_columns(
            (
                margin
                / pl.max_horizontal(pl.col("la0").abs(), pl.col("la1").abs())
                .clip(upper_bound=89.0)
                .radians()
                .cos()
            ).alias("mlon")
        )
        .with_columns(
            (pl.col("lo0") - pl.col("mlon")).alias("lo0"),
            (pl.col("lo1") + pl.col("mlon")).alias("lo1"),
        )
    )
    return pl.concat([rr, box.drop("mlon")], how="horizontal").cast(RUN_SCHEMA)  # type: ignore[arg-type]


def partnered(rr: pl.DataFrame, p: EventParams) -> np.ndarray:
    """Mask of runs (:func:`run_table` rows of any number of vessels) that could meet
    another vessel's run: time spans overlapping by the minimum duration and boxes
    intersecting. Exact pruning: runs are bucketed by 0.5-degree cells and day-long
    windows of their boxes and spans, and only runs sharing a bucket are compared."""
    runs_df = rr.select("mmsi", "b0", "b1", "la0", "la1", "lo0", "lo1").with_row_index("rid")
    need = int(p.encounter_min_h * 3600 // bin_seconds(p))
    buckets = (
        runs_df.with_columns(
            pl.int_ranges(
                (pl.col("la0") / _BUCKET_DEG).floor().cast(pl.Int64),
                (pl.col("la1") / _BUCKET_DEG).floor().cast(pl.Int64) + 1,
            ).alias("ci"),
            pl.int_ranges(
                (pl.col("lo0") / _BUCKET_DEG).floor().cast(pl.Int64),
                (pl.col("lo1") / _BUCKET_DEG).floor().cast(pl.Int64) + 1,
            ).alias("cj"),
            pl.int_ranges(
                pl.col("b0") // _BINS_PER_BUCKET, pl.col("b1") // _BINS_PER_BUCKET + 1
            ).alias("day"),
        )
        .explode("ci")
        .explode("cj")
        .explode("day")
        .select("rid", "ci", "cj", "day")
    )
    pairs = (
        buckets.join(buckets, on=["ci", "cj", "day"], suffix="_b")
        .filter(pl.col("rid") < pl.col("rid_b"))
        .select("rid", "rid_b")
        .unique()
        .join(runs_df, on="rid")
        .join(runs_df, left_on="rid_b", right_on="rid", suffix="_b")
        .filter(
            (pl.col("mmsi") != pl.col("mmsi_b"))
            & (pl.min_horizontal("b1", "b1_b") - pl.max_horizontal("b0", "b0_b") >= need)
            & (pl.col("la0") <= pl.col("la1_b"))
            & (pl.col("la0_b") <= pl.col("la1"))
            & (pl.col("lo0") <= pl.col("lo1_b"))
            & (pl.col("lo0_b") <= pl.col("lo1"))
        )
    )
    keep = np.zeros(rr.height, dtype=bool)
    keep[pairs["rid"].to_numpy()] = True
    keep[pairs["rid_b"].to_numpy()] = True
    return keep


FIX_SCHEMA: dict[str, pl.DataType] = {
    "mmsi": pl.Int64(),
    "tb": pl.Int64(),
    "nb": pl.Int64(),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
}


def bin_fixes(
    pos: pl.DataFrame, slow: np.ndarray, rr: pl.DataFrame, ports: pl.DataFrame, p: EventParams
) -> pl.DataFrame:
    """:func:`bin_runs` before the bins are spelled out: one row per fix that holds bins,
    its first bin ``tb`` and how many consecutive bins ``nb`` it holds (each the fix's
    position)."""
    if rr.height == 0:
        return pl.DataFrame(schema=FIX_SCHEMA)
    bin_s = bin_seconds(p)
    t = pos["t"].to_numpy()
    m = pos["mmsi"].to_numpy()
    # each bin takes the run's last fix at or before it: a fix at row r of run [s, e] holds
    # the bins from its own time up to (not including) the next fix's, within [b0, b1]
    s = rr["s"].to_numpy()
    e = rr["e"].to_numpy()
    lens = e - s + 1
    tot = int(lens.sum())
    first = np.repeat(np.cumsum(lens) - lens, lens)
    row = np.repeat(s, lens) + (np.arange(tot, dtype=np.int64) - first)
    last = row == np.repeat(e, lens)
    tr = t[row]
    tn = t[np.minimum(row + 1, t.size - 1)]
    lo_b = np.maximum(np.repeat(rr["b0"].to_numpy(), lens), -(-tr // bin_s))
    b1 = np.repeat(rr["b1"].to_numpy(), lens)
    hi_b = np.where(last, b1, np.minimum(b1, -(-tn // bin_s) - 1))
    nb = np.maximum(hi_b - lo_b + 1, 0)
    # bins near a port are left out: decided once per fix, not per bin
    has = nb > 0
    row, lo_b, nb = row[has], lo_b[has], nb[has]
    la = pos["lat"].to_numpy()[row]
    lo = pos["lon"].to_numpy()[row]
    pidx, _ = nearest_port(la, lo, ports, p.encounter_min_port_km)
    away = pidx < 0
    return pl.DataFrame(
        {"mmsi": m[row[away]], "tb": lo_b[away], "nb": nb[away], "lat": la[away], "lon": lo[away]},
        schema=FIX_SCHEMA,
    )


def bin_runs(
    pos: pl.DataFrame, slow: np.ndarray, rr: pl.DataFrame, ports: pl.DataFrame, p: EventParams
) -> pl.DataFrame:
    """Each run of ``rr`` (rows of :func:`run_table` over ``pos``) as one position per
    ``encounter_bin_min`` time bin (the last known), bins near a port left out."""
    f = bin_fixes(pos, slow, rr, ports, p)
    if f.height == 0:
        return pl.DataFrame(schema=BINNED_SCHEMA)
    nb = f["nb"].to_numpy()
    n = int(nb.sum())
    tb = np.repeat(f["tb"].to_numpy(), nb) + (
        np.arange(n, dtype=np.int64) - np.repeat(np.cumsum(nb) - nb, nb)
    )
    return pl.DataFrame(
        {
            "mmsi": np.repeat(f["mmsi"].to_numpy(), nb),
            "tb": tb,
            "lat": np.repeat(f["lat"].to_numpy(), nb),
            "lon": np.repeat(f["lon"].to_numpy(), nb),
        },
        schema=BINNED_SCHEMA,
    )


def _cells(lat: np.ndarray, lon: np.ndarray, p: EventParams) -> tuple[np.ndarray, np.ndarray]:
    """(home cell key, per-axis step to the neighbour cell on the nearer side) of each point:
    cells of twice the distance threshold on the sphere's 3-D coordinates, so a partner lies
    in one of the 8 cells home + {0, step} per axis."""
    cell = 2.0 * p.encounter_km  # partner within half a cell: one neighbour per axis
    phi = np.radians(lat)
    lam = np.radians(lon)
    xyz = np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi))) * (
        EARTH_RADIUS_KM / cell
    )
    ci = np.floor(xyz).astype(np.int64)
    side = np.where(xyz - ci < 0.5, -1, 1)
    # 21 bits per axis in one int64
    home_cell = ((ci[:, 0] + _OFF) << 42) | ((ci[:, 1] + _OFF) << 21) | (ci[:, 2] + _OFF)
    step = side * np.array([1 << 42, 1 << 21, 1], dtype=np.int64)
    return home_cell, step


def _probe_join(
    home_cell: np.ndarray, step: np.ndarray, tb: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(probing row, found row) of every row whose (cell, ``tb``) is one of the 8 cells
    around a row's position at the same ``tb``, as one int64 hash key (collisions only add
    candidates: callers check the time and the distance of every pair)."""
    mix = np.int64(0x9E3779B1)
    with np.errstate(over="ignore"):
        home = pl.DataFrame({"key": home_cell * mix + tb, "row": np.arange(tb.size)})
        probes = []
        for dx in (0, 1):
            for dy in (0, 1):
                for dz in (0, 1):
                    off = home_cell + step[:, 0] * dx + step[:, 1] * dy + step[:, 2] * dz
                    probes.append(
                        pl.DataFrame({"key": off * mix + tb, "row_a": np.arange(tb.size)})
                    )
    cand = pl.concat(probes).join(home, on="key", how="inner")
    return cand["row_a"].to_numpy(), cand["row"].to_numpy()


def close_pairs(b: pl.DataFrame, p: EventParams) -> pl.DataFrame:
    """Pairs of binned positions (:func:`bin_runs`) of two vessels in the same time bin
    within ``encounter_km``, one row per (a < b, bin), sorted (a, b, tb). Bins are
    independent: any set of whole bins can be paired on its own."""
    if b.height < 2:
        return pl.DataFrame(schema=PAIR_SCHEMA)
    home_cell, step = _cells(b["lat"].to_numpy(), b["lon"].to_numpy(), p)
    tb = b["tb"].to_numpy()
    ra, rb = _probe_join(home_cell, step, tb)
    mm = b["mmsi"].to_numpy()
    ok = (mm[ra] < mm[rb]) & (tb[ra] == tb[rb])
    ra, rb = ra[ok], rb[ok]
    la = b["lat"].to_numpy()
    lo = b["lon"].to_numpy()
    d = haversine_km(la[ra], lo[ra], la[rb], lo[rb])
    close = d <= p.encounter_km
    ra, rb = ra[close], rb[close]
    return (
        pl.DataFrame(
            {
                "a": mm[ra],
                "b": mm[rb],
                "tb": tb[ra],
                "la_a": la[ra],
                "lo_a": lo[ra],
                "la_b": la[rb],
                "lo_b": lo[rb],
                "d": d[close],
            },
            schema=PAIR_SCHEMA,
        )
        .unique(subset=["a", "b", "tb"], keep="first")
        .sort("a", "b", "tb")
    )


def close_pairs_fixes(f: pl.DataFrame, p: EventParams) -> pl.DataFrame:
    """:func:`close_pairs` of the bins of ``f`` (:func:`bin_fixes`) without spelling the
    bins out: fixes are paired by cell over two-hour buckets of bins, a pair holds the
    bins both fixes hold, and only the close pairs are spelled out (the same rows, the same
    order). A vessel's fixes hold disjoint bins, so no (a, b, tb) comes twice."""
    if f.height < 2:
        return pl.DataFrame(schema=PAIR_SCHEMA)
    la = f["lat"].to_numpy()
    lo = f["lon"].to_numpy()
    b0 = f["tb"].to_numpy()
    b1 = b0 + f["nb"].to_numpy() - 1
    mm = f["mmsi"].to_numpy()
    home_cell, step = _cells(la, lo, p)
    # each fix in every bucket of _PAIR_BUCKET_BINS bins it touches (most: one)
    k0 = b0 // _PAIR_BUCKET_BINS
    nk = b1 // _PAIR_BUCKET_BINS - k0 + 1
    src = np.repeat(np.arange(f.height, dtype=np.int64), nk)
    bucket = np.repeat(k0, nk) + (
        np.arange(src.size, dtype=np.int64) - np.repeat(np.cumsum(nk) - nk, nk)
    )
    ra, rb = _probe_join(home_cell[src], step[src], bucket)
    kb = bucket[ra]
    ra, rb = src[ra], src[rb]
    lo_b = np.maximum(b0[ra], b0[rb])
    hi_b = np.minimum(b1[ra], b1[rb])
    # overlapping bins, counted in the bucket where the overlap starts (once)
    ok = (mm[ra] < mm[rb]) & (lo_b <= hi_b) & (lo_b // _PAIR_BUCKET_BINS == kb)
    ra, rb, lo_b, hi_b = ra[ok], rb[ok], lo_b[ok], hi_b[ok]
    d = haversine_km(la[ra], lo[ra], la[rb], lo[rb])
    close = d <= p.encounter_km
    ra, rb, lo_b, d = ra[close], rb[close], lo_b[close], d[close]
    nb = hi_b[close] - lo_b + 1
    order = np.lexsort((lo_b, mm[rb], mm[ra]))
    ra, rb, lo_b, d, nb = ra[order], rb[order], lo_b[order], d[order], nb[order]
    n = int(nb.sum())
    tb = np.repeat(lo_b, nb) + (np.arange(n, dtype=np.int64) - np.repeat(np.cumsum(nb) - nb, nb))
    return pl.DataFrame(
        {
            "a": np.repeat(mm[ra], nb),
            "b": np.repeat(mm[rb], nb),
            "tb": tb,
            "la_a": np.repeat(la[ra], nb),
            "lo_a": np.repeat(lo[ra], nb),
            "la_b": np.repeat(la[rb], nb),
            "lo_b": np.repeat(lo[rb], nb),
            "d": np.repeat(d, nb),
        },
        schema=PAIR_SCHEMA,
    )


def pair_runs(pairs: pl.DataFrame) -> pl.DataFrame:
    """Runs of consecutive bins of each vessel pair in ``pairs`` (sorted (a, b, tb)):
    first and last bin (tb0, tb1), the two vessels' first and last positions, the
    median distance, whatever their length."""
    if pairs.height == 0:
        return pl.DataFrame()
    return (
        pairs.with_columns(
            ((pl.col("tb").diff() != 1) | (pl.col("a").diff() != 0) | (pl.col("b").diff() != 0))
            .fill_null(True)
            .cum_sum()
            .alias("run")
        )
        .group_by("run")
        .agg(
            pl.col("a").first(),
            pl.col("b").first(),
            pl.col("tb").first().alias("tb0"),
            pl.col("tb").last().alias("tb1"),
            pl.col("la_a").first().alias("la_a0"),
            pl.col("lo_a").first().alias("lo_a0"),
            pl.col("la_a").last().alias("la_a1"),
            pl.col("lo_a").last().alias("lo_a1"),
            pl.col("la_b").first().alias("la_b0"),
            pl.col("lo_b").first().alias("lo_b0"),
            pl.col("la_b").last().alias("la_b1"),
            pl.col("lo_b").last().alias("lo_b1"),
            pl.col("d").median().alias("dmed"),
        )
        .drop("run")
    )


def long_runs(runs: pl.DataFrame, p: EventParams) -> pl.DataFrame:
    """The pair runs lasting at least ``encounter_min_h``, with their ``dur_h``."""
    bin_s = p.encounter_bin_min * 60
    return runs.with_columns(
        ((pl.col("tb1") - pl.col("tb0")) * bin_s / 3600.0).alias("dur_h")
    ).filter(pl.col("dur_h") >= p.encounter_min_h)


def encounter_rows(runs: pl.DataFrame, p: EventParams) -> pl.DataFrame:
    """Events of the pair runs (:func:`pair_runs`) lasting at least ``encounter_min_h``:
    one row for each vessel (other_mmsi = the partner)."""
    if runs.height == 0:
        return empty_events()
    bin_s = p.encounter_bin_min * 60
    runs = long_runs(runs, p).sort("a", "tb0", "b")
    if runs.height == 0:
        return empty_events()
    rows = []
    for r in runs.iter_rows(named=True):
        for me, other, side in ((r["a"], r["b"], "a"), (r["b"], r["a"], "b")):
            rows.append(
                {
                    "event_type": "encounter",
                    "mmsi": me,
                    "start_t": int(r["tb0"] * bin_s),
                    "end_t": int(r["tb1"] * bin_s),
                    "start_lat": r[f"la_{side}0"],
                    "start_lon": r[f"lo_{side}0"],
                    "end_lat": r[f"la_{side}1"],
                    "end_lon": r[f"lo_{side}1"],
                    "duration_h": r["dur_h"],
                    "distance_km": r["dmed"],
                    "other_mmsi": other,
                    "confidence": min(1.0, 0.6 + 0.1 * r["dur_h"] / p.encounter_min_h),
                    "explanation": (
                        f"within {p.encounter_km * 1000:.0f} m of MMSI {other} "
                        f"for {r['dur_h']:.1f} h "
                        f"(median {r['dmed'] * 1000:.0f} m), both under {p.encounter_max_kn:g} kn, "
                        f">= {p.encounter_min_port_km:g} km from any port or anchorage"
                    ),
                    "label": "encounter",
                }
            )
    return conform(pl.DataFrame(rows))


def detect_encounters(
    pos: pl.DataFrame, slow: np.ndarray, ports: pl.DataFrame, p: EventParams
) -> pl.DataFrame:
    """Encounters of a cleaned, (mmsi, t)-sorted table, all in memory (the bounded engine
    runs the same steps over time windows: ``maritime.encounter_stream``)."""
    rr = run_table(pos, slow, p)
    if rr.height == 0:
        return empty_events()
    rr = rr.filter(pl.Series(partnered(rr, p)))
    f = bin_fixes(pos, slow, rr, ports, p)
    return encounter_rows(pair_runs(close_pairs_fixes(f, p)), p)
