"""Cleaning: every dropped or fixed row is counted by reason in ``Drops`` (never silent).

Per file: swapped latitude/longitude columns are detected (values out of range as given but
valid swapped, or mostly on land as given but at sea swapped) and fixed, with a note.
Then: MMSI null/0/999999999/out of range, unparseable times, times out of range (before
``MIN_TIME``, AIS did not exist; or more than a day in the future: a clock or file
error, counted as ``time_out_of_range``), NaN or missing positions,
coordinates out of range (incl. the AIS 'not available' 91/181) and (0, 0), duplicate
messages (same MMSI and second), out-of-order times (re-sorted, counted), and isolated
position spikes whose implied speed in and out is more than any ship can make.
"""

from __future__ import annotations

import time

import numpy as np
import polars as pl

from counterflow.maritime.table import AisData, Drops, fast_distance_km, haversine_km

INVALID_MMSI = (0, 999999999)
DEFAULT_MAX_SPEED_KN = 50.0
MIN_TIME = 631_152_000  # 1990-01-01T00:00:00Z: before any AIS transmission
FUTURE_SLACK_S = 86_400  # a day of clock skew is tolerated, more is bad input


def fix_swapped(positions: pl.DataFrame, drops: Drops, label: str) -> pl.DataFrame:
    """Swap lat/lon when the file clearly has them the wrong way round; note it."""
    v = positions.filter(pl.col("lat").is_not_nan() & pl.col("lon").is_not_nan())
    if v.height == 0:
        return positions
    bad_as_is = v.filter((pl.col("lat").abs() > 90) & (pl.col("lon").abs() <= 90)).height
    ok_as_is = v.filter((pl.col("lat").abs() <= 90) & (pl.col("lon").abs() <= 180)).height
    swap = bad_as_is > 0.5 * v.height
    why = f"{bad_as_is} of {v.height} latitudes beyond +-90 but valid as longitudes"
    if not swap and ok_as_is == v.height:
        from counterflow.maritime.shore import default_shore

        # a deterministic, evenly spread sample (an arbitrary 400 rows made the verdict
        # flip between runs on tracks that are mostly in inland waters)
        uniq = v.select("lat", "lon").unique(maintain_order=True)
        step = max(1, uniq.height // 400)
        sample = uniq.gather_every(step)
        lat = sample["lat"].to_numpy()
        lon = sample["lon"].to_numpy()
        shore = default_shore()
        land_as_is = float(shore.on_land(lat, lon).mean())
        if land_as_is > 0.8:
            okswap = np.abs(lon) <= 90
            land_swapped = (
                float(shore.on_land(lon[okswap], lat[okswap]).mean()) if okswap.any() else 1.0
            )
            if land_swapped < 0.2 and okswap.mean() > 0.95:
                swap = True
                why = (
                    f"{land_as_is:.0%} of sampled positions on land as given, "
                    f"{land_swapped:.0%} swapped"
                )
    if swap:
        drops.note(f"{label}: latitude and longitude look swapped ({why}); swapped them back")
        drops.add("fixed_swapped_lat_lon", positions.height)
        return positions.with_columns(pl.col("lat").alias("lon"), pl.col("lon").alias("lat"))
    return positions


def clean(data: AisData, *, max_speed_kn: float = DEFAULT_MAX_SPEED_KN) -> AisData:
    """Valid, sorted (mmsi, t), de-duplicated positions; drops counted in ``data.drops``."""
    drops = data.drops
    df = data.positions
    data.positions = df.clear()  # hold one copy only while cleaning
    n0 = df.height

    mmsi = pl.col("mmsi")
    lat, lon = pl.col("lat"), pl.col("lon")
    # one pass: the first reason that applies to each row (null = keep)
    reason = (
        pl.when(mmsi.is_null() | mmsi.is_in(INVALID_MMSI) | (mmsi <= 0) | (mmsi > 999999999))
        .then(pl.lit("invalid_mmsi"))
        .when(pl.col("t").is_null())
        .then(pl.lit("bad_time"))
        .when((pl.col("t") < MIN_TIME) | (pl.col("t") > int(time.time()) + FUTURE_SLACK_S))
        .then(pl.lit("time_out_of_range"))
        .when(lat.is_null() | lon.is_null() | lat.is_nan() | lon.is_nan())
        .then(pl.lit("nan_position"))
        .when((lat.abs() > 90) | (lon.abs() > 180))
        .then(pl.lit("invalid_coordinates"))
        .when((lat == 0) & (lon == 0))
        .then(pl.lit("null_island"))
        .otherwise(None)
    )
    counts = df.select(reason.alias("r")).get_column("r").drop_nulls().value_counts()
    for r, c in counts.iter_rows():
        drops.add(str(r), int(c))
    if counts.height:
        df = df.filter(reason.is_null())
    df = df.with_columns(
        pl.when((pl.col("sog") < 0) | (pl.col("sog") >= 102.3) | pl.col("sog").is_nan())
        .then(None)
        .otherwise(pl.col("sog"))
        .alias("sog"),
        pl.when((pl.col("cog") < 0) | (pl.col("cog") >= 360) | pl.col("cog").is_nan())
        .then(None)
        .otherwise(pl.col("cog"))
        .alias("cog"),
    )
    # out of order: a row older than the row before it of the same vessel
    ooo = df.select(((pl.col("t").diff() < 0) & (pl.col("mmsi").diff() == 0)).sum()).item()
    drops.add("fixed_out_of_order", int(ooo or 0))
    df = df.sort("mmsi", "t", maintain_order=True)
    dup = (pl.col("mmsi").diff() == 0) & (pl.col("t").diff() == 0)  # sorted: repeats are adjacent
    n_dup = int(df.select(dup.sum()).item() or 0)
    if n_dup:
        df = df.filter(~dup.fill_null(False))
    drops.add("duplicate", n_dup)
    df = drop_spikes(df, drops, max_speed_kn)
    if n0 and df.height == 0:
        drops.note("no valid positions left after cleaning")
    return AisData(df, data.static, drops)


def drop_spikes(df: pl.DataFrame, drops: Drops, max_speed_kn: float) -> pl.DataFrame:
    """Drop single positions that jump away and back: implied speed from the previous and to
    the next point both impossible while previous->next is possible, and no other such
    position within two rows (alternating fixes are evidence, not noise)."""
    if df.height < 3:
        return df
    m = df["mmsi"].to_numpy()
    t = df["t"].to_numpy()
    la = df["lat"].to_numpy()
    lo = df["lon"].to_numpy()
    v = np.empty(m.shape[0])
    v[0] = 0.0
    v[1:] = fast_distance_km(la[:-1], lo[:-1], la[1:], lo[1:])
    v[1:] /= np.maximum(t[1:] - t[:-1], 1) / 3600.0 * 1.852  # knots of the leg into i
    v[1:][m[1:] != m[:-1]] = 0.0
    # candidates: impossible in and out; only those few get the skip-leg check
    i = np.nonzero((v[1:-1] > max_speed_kn) & (v[2:] > max_speed_kn))[0] + 1
    i = i[(m[i - 1] == m[i]) & (m[i + 1] == m[i])]
    d_in = haversine_km(la[i - 1], lo[i - 1], la[i], lo[i])
    d_skip = haversine_km(la[i - 1], lo[i - 1], la[i + 1], lo[i + 1])
    v_skip = d_skip / 1.852 / (np.maximum(t[i + 1] - t[i - 1], 1) / 3600.0)
    i = i[(v_skip <= max_speed_kn) & (d_in > 5.0)]  # d_in > 5 km: ignore jitter over seconds
    # only isolated spikes: spikes that form a track of their own (each reachable from the
    # spike before) are a second transmitter on the MMSI, kept for the spoofing detector
    i = i[~_systematic(i, m, t, la, lo, max_speed_kn)] if i.size > 1 else i
    spike = np.zeros(m.shape[0], dtype=bool)
    spike[i] = True
    n = int(spike.sum())
    drops.add("speed_outlier", n)
    return df.filter(pl.Series(~spike)) if n else df


def _systematic(
    i: np.ndarray, m: np.ndarray, t: np.ndarray, la: np.ndarray, lo: np.ndarray, max_kn: float
) -> np.ndarray:
    """Spike candidates (sorted row indices) that another candidate of the same vessel,
    one or two candidates later or earlier, could have reached at a possible speed."""
    out = np.zeros(i.size, dtype=bool)
    for k in (1, 2):
        if i.size <= k:
            break
        a, b = i[:-k], i[k:]
        d = haversine_km(la[a], lo[a], la[b], lo[b])
        v = d / 1.852 / (np.maximum(t[b] - t[a], 1) / 3600.0)
        ok = (m[a] == m[b]) & (v <= max_kn)
        out[:-k] |= ok
        out[k:] |= ok
    return out
