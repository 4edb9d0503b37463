"""AIS gaps, Global Fishing Watch style: every silence >= ``gap_min_h`` (6 h) between two
consecutive positions of a vessel is recorded; it is classed ``likely_intentional`` when it
lasts >= 12 h, starts >= 50 nm from shore and the vessel had good reception before it
(>= 14 positions in the 12 h before). Every threshold comes from ``EventParams``.

Vectorised: one pass of numpy over the (mmsi, t)-sorted table; shore distance is computed
only for gap start points.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from counterflow.maritime.events import conform, empty_events
from counterflow.maritime.params import EventParams
from counterflow.maritime.shore import Shore
from counterflow.maritime.table import KM_PER_NM, haversine_km

_KEY_SCALE = 4_000_000_000  # > any epoch second we handle


def gap_indices(mmsi: np.ndarray, t: np.ndarray, min_gap_s: float) -> np.ndarray:
    """Indices i such that (i, i+1) is a gap of one vessel."""
    if mmsi.shape[0] < 2:
        return np.zeros(0, dtype=np.int64)
    same = mmsi[1:] == mmsi[:-1]
    dt = t[1:] - t[:-1]
    return np.nonzero(same & (dt >= min_gap_s))[0]


def detect_gaps(pos: pl.DataFrame, p: EventParams, shore: Shore | None) -> pl.DataFrame:
    """Gap events of a cleaned, (mmsi, t)-sorted position table."""
    m = pos["mmsi"].to_numpy()
    t = pos["t"].to_numpy()
    i = gap_indices(m, t, p.gap_min_h * 3600.0)
    if i.size == 0:
        return empty_events()
    j = i + 1
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    dur_h = (t[j] - t[i]) / 3600.0
    dist = haversine_km(la[i], lo[i], la[j], lo[j])
    # reception: positions of the same vessel in the window before the gap start
    key = m.astype(np.int64) * _KEY_SCALE + t.astype(np.int64)
    lower = np.maximum(
        key[i] - int(p.gap_reception_window_h * 3600), m[i].astype(np.int64) * _KEY_SCALE
    )
    n_before = i - np.searchsorted(key, lower, side="left") + 1
    c_dur = dur_h >= p.gap_intentional_h
    # shore distance only where it can change the class (long gaps): the slow part
    shore_nm = np.full(i.shape[0], np.nan)
    if shore is not None and c_dur.any():
        shore_nm[c_dur] = shore.distance_km(la[i][c_dur], lo[i][c_dur]) / KM_PER_NM
    c_shore = shore_nm >= p.gap_min_shore_nm
    c_rec = n_before >= p.gap_reception_min_points
    intentional = c_dur & c_shore & c_rec
    speed = np.where(dur_h > 0, dist / KM_PER_NM / np.maximum(dur_h, 1e-9), 0.0)
    df = pl.DataFrame(
        {
            "event_type": "gap",
            "mmsi": m[i],
            "start_t": t[i],
            "end_t": t[j],
            "start_lat": la[i],
            "start_lon": lo[i],
            "end_lat": la[j],
            "end_lon": lo[j],
            "duration_h": dur_h,
            "distance_km": dist,
            "confidence": (c_dur.astype(float) + c_shore.astype(float) + c_rec.astype(float)) / 3,
            "label": np.where(intentional, "likely_intentional", "gap"),
            "_speed": speed,
            "_shore": shore_nm,
            "_nb": n_before,
            "_cd": c_dur,
            "_cs": c_shore,
            "_cr": c_rec,
        }
    )
    why = pl.concat_str(
        [
            pl.when(~pl.col("_cd")).then(pl.lit(f"< {p.gap_intentional_h:g} h")),
            pl.when(~pl.col("_cs")).then(pl.lit(f"< {p.gap_min_shore_nm:g} nm offshore")),
            pl.when(~pl.col("_cr")).then(pl.lit("poor reception before")),
        ],
        separator=", ",
        ignore_nulls=True,
    )
    shore_txt = (
        pl.when(pl.col("_shore").is_nan())
        .then(pl.lit("(shore distance not needed)"))
        .otherwise(pl.format("{} nm from shore", pl.col("_shore").round(0).cast(pl.Int64)))
    )
    verdict = (
        pl.when(pl.col("label") == "likely_intentional")
        .then(pl.lit("likely intentional disabling (GFW criteria met)"))
        .otherwise(pl.format("not classed intentional ({})", why))
    )
    df = df.with_columns(
        pl.format(
            "AIS silent {} h over {} km (implied {} kn); starts {}; {} positions in the "
            + f"{p.gap_reception_window_h:g}"
            + " h before: {}",
            pl.col("duration_h").round(1),
            pl.col("distance_km").round(0).cast(pl.Int64),
            pl.col("_speed").round(1),
            shore_txt,
            pl.col("_nb"),
            verdict,
        ).alias("explanation")
    )
    return conform(df)
