"""Position jumps: consecutive positions of one MMSI whose implied speed no ship can make
(> ``jump_max_kn`` over > ``jump_min_km``) — a sign of spoofing, a bad GPS fix that
survived cleaning, or two transmitters sharing an MMSI."""

from __future__ import annotations

import numpy as np
import polars as pl

from counterflow.maritime.events import conform, empty_events
from counterflow.maritime.params import EventParams
from counterflow.maritime.table import KM_PER_NM, fast_distance_km, haversine_km

LEG_BLOCK = 1 << 16


def leg_metrics(pos: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(same vessel as previous row, distance km from previous row, implied knots)."""
    m = pos["mmsi"].to_numpy()
    t = pos["t"].to_numpy()
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    n = m.size
    if n < 2:
        same = np.r_[False, m[1:] == m[:-1]]
        d = np.zeros(n)
        return same, d, d.copy()
    # computed in cache-sized blocks (the same numbers as whole-table arrays, faster)
    same = np.zeros(n, dtype=bool)
    d = np.zeros(n)
    v = np.zeros(n)
    for a in range(1, n, LEG_BLOCK):
        b = min(a + LEG_BLOCK, n)
        same[a:b] = m[a:b] == m[a - 1 : b - 1]
        d[a:b] = fast_distance_km(la[a - 1 : b - 1], lo[a - 1 : b - 1], la[a:b], lo[a:b])
        dt = np.maximum(t[a:b] - t[a - 1 : b - 1], 1).astype(float)
        v[a:b] = d[a:b] / KM_PER_NM / (dt / 3600.0)
    return same, d, v


def detect_jumps(
    pos: pl.DataFrame, p: EventParams, legs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
) -> pl.DataFrame:
    same, d, v = legs if legs is not None else leg_metrics(pos)
    j = np.nonzero(same & (v > p.jump_max_kn) & (d > p.jump_min_km))[0]
    if j.size == 0:
        return empty_events()
    i = j - 1
    m = pos["mmsi"].to_numpy()
    t = pos["t"].to_numpy()
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    d = d.copy()
    d[j] = haversine_km(la[i], lo[i], la[j], lo[j])
    conf = np.clip(0.5 + (v[j] - p.jump_max_kn) / (4 * p.jump_max_kn), 0.5, 1.0)
    df = pl.DataFrame(
        {
            "event_type": "position_jump",
            "mmsi": m[j],
            "start_t": t[i],
            "end_t": t[j],
            "start_lat": la[i],
            "start_lon": lo[i],
            "end_lat": la[j],
            "end_lon": lo[j],
            "duration_h": (t[j] - t[i]) / 3600.0,
            "distance_km": d[j],
            "confidence": conf,
            "label": "position_jump",
            "_v": v[j],
        }
    )
    df = df.with_columns(
        pl.format(
            "moved {} km in {} min: implied {} kn, more than any ship ("
            + f"{p.jump_max_kn:g} kn); spoofing, a bad fix or a shared MMSI",
            pl.col("distance_km").round(1),
            (pl.col("duration_h") * 60).round(1),
            pl.col("_v").round(0).cast(pl.Int64),
        ).alias("explanation")
    )
    return conform(df)
