"""Port calls with hysteresis: a vessel enters a port when it comes within ``port_enter_km``
(3 km) of a port or anchorage and leaves when it is beyond ``port_exit_km`` (4 km); visits
shorter than ``port_min_h`` are passing traffic and not reported. Vectorised: nearest port
by a cell hash-join, then a per-vessel forward fill of enter/leave signals in numpy."""

from __future__ import annotations

import numpy as np
import polars as pl

from counterflow.maritime.events import conform, empty_events
from counterflow.maritime.nearby import nearest_port
from counterflow.maritime.params import EventParams


def in_port_state(mmsi: np.ndarray, d_km: np.ndarray, p: EventParams) -> np.ndarray:
    """Per position: inside a port visit (hysteresis between enter and exit radius)."""
    n = mmsi.shape[0]
    sig = np.zeros(n, dtype=np.int8)
    sig[d_km <= p.port_enter_km] = 1
    sig[d_km > p.port_exit_km] = -1
    start = np.r_[True, mmsi[1:] != mmsi[:-1]] if n else np.zeros(0, dtype=bool)
    sig[start & (sig == 0)] = -1  # a vessel first seen in the 3-4 km ring is outside
    idx = np.where(sig != 0, np.arange(n), 0)
    np.maximum.accumulate(idx, out=idx)
    state: np.ndarray = sig[idx] == 1
    return state


def detect_port_calls(
    pos: pl.DataFrame, ports: pl.DataFrame, p: EventParams
) -> tuple[pl.DataFrame, np.ndarray]:
    """(port_call events, per-position in-port mask)."""
    n = pos.height
    if n == 0 or ports.height == 0:
        return empty_events(), np.zeros(n, dtype=bool)
    m = pos["mmsi"].to_numpy()
    t = pos["t"].to_numpy()
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    pidx, d = nearest_port(la, lo, ports, p.port_exit_km)
    state = in_port_state(m, d, p)
    prev = np.r_[False, state[:-1]] & np.r_[False, m[1:] == m[:-1]]
    nxt = np.r_[state[1:], False] & np.r_[m[:-1] == m[1:], False]
    starts = np.nonzero(state & ~prev)[0]
    ends = np.nonzero(state & ~nxt)[0]
    if starts.size == 0:
        return empty_events(), state
    dur_h = (t[ends] - t[starts]) / 3600.0
    keep = dur_h >= p.port_min_h
    starts, ends, dur_h = starts[keep], ends[keep], dur_h[keep]
    if starts.size == 0:
        return empty_events(), state
    # the port of a visit: the nearest port at its first position inside the enter radius
    entry = starts.copy()
    names = ports["name"].to_numpy()
    countries = ports["country"].to_numpy()
    kinds = ports["kind"].to_numpy()
    pi = pidx[entry]
    port_name = np.where(pi >= 0, names[np.maximum(pi, 0)], None)
    country = np.where(pi >= 0, countries[np.maximum(pi, 0)], "")
    kind = np.where(pi >= 0, kinds[np.maximum(pi, 0)], "")
    df = pl.DataFrame(
        {
            "event_type": "port_call",
            "mmsi": m[starts],
            "start_t": t[starts],
            "end_t": t[ends],
            "start_lat": la[starts],
            "start_lon": lo[starts],
            "end_lat": la[ends],
            "end_lon": lo[ends],
            "duration_h": dur_h,
            "distance_km": d[entry],
            "port": port_name,
            "confidence": 1.0,
            "label": country,
            "_kind": kind,
            "_n": ends - starts + 1,
        }
    )
    df = df.with_columns(
        pl.format(
            "in {} {} ({}) for {} h, {} positions; entered within "
            + f"{p.port_enter_km:g} km, left beyond {p.port_exit_km:g} km",
            pl.col("_kind"),
            pl.col("port"),
            pl.when(pl.col("label") == "").then(pl.lit("?")).otherwise(pl.col("label")),
            pl.col("duration_h").round(1),
            pl.col("_n"),
        ).alias("explanation")
    )
    return conform(df), state
