"""Loitering: a vessel slower than ``loiter_max_kn`` (2 kn) for at least ``loiter_min_h``
(2 h), away (``loiter_min_port_km``) from ports and anchorages and not inside a port visit.
Speed is the reported SOG, or the implied speed where SOG is missing. A silence of
``gap_min_h`` or more ends a run. Also provides the slow runs encounters start from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from counterflow.maritime.events import conform, empty_events
from counterflow.maritime.nearby import nearest_port
from counterflow.maritime.params import EventParams


@dataclass
class Runs:
    start: np.ndarray  # first row index of each run
    end: np.ndarray  # last row index (inclusive)


def slow_mask(pos: pl.DataFrame, v_implied: np.ndarray, max_kn: float) -> np.ndarray:
    sog = pos["sog"].to_numpy()
    speed = np.where(np.isnan(sog), v_implied, sog)
    out: np.ndarray = speed < max_kn
    return out


def slow_runs(pos: pl.DataFrame, slow: np.ndarray, p: EventParams, min_h: float) -> Runs:
    """Maximal runs of slow positions of one vessel, no silence >= gap_min_h inside."""
    m = pos["mmsi"].to_numpy()
    t = pos["t"].to_numpy()
    n = m.shape[0]
    if n == 0:
        return Runs(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    cont = np.r_[False, (m[1:] == m[:-1]) & ((t[1:] - t[:-1]) < p.gap_min_h * 3600)]
    prev_slow = np.r_[False, slow[:-1]]
    next_cont = np.r_[cont[1:], False]
    next_slow = np.r_[slow[1:], False]
    starts = np.nonzero(slow & ~(cont & prev_slow))[0]
    ends = np.nonzero(slow & ~(next_cont & next_slow))[0]
    dur = t[ends] - t[starts]
    keep = dur >= min_h * 3600
    return Runs(starts[keep], ends[keep])


def detect_loitering(
    pos: pl.DataFrame, slow: np.ndarray, in_port: np.ndarray, ports: pl.DataFrame, p: EventParams
) -> pl.DataFrame:
    runs = slow_runs(pos, slow, p, p.loiter_min_h)
    if runs.start.size == 0:
        return empty_events()
    m = pos["mmsi"].to_numpy()
    t = pos["t"].to_numpy()
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    # mean position of each run, summed over the run only (a cumulative sum over the whole
    # table loses digits, and would make the mean depend on the rows before the vessel)
    cnt = runs.end - runs.start + 1
    bounds = np.column_stack((runs.start, runs.end + 1)).ravel()
    mla = np.add.reduceat(np.r_[la, 0.0], bounds)[::2] / cnt
    mlo = np.add.reduceat(np.r_[lo, 0.0], bounds)[::2] / cnt
    cs_port = np.r_[0, np.cumsum(in_port.astype(np.int64))]
    port_share = (cs_port[runs.end + 1] - cs_port[runs.start]) / cnt
    pidx, _ = nearest_port(mla, mlo, ports, p.loiter_min_port_km)
    keep = (port_share == 0) & (pidx < 0)
    s, e, mla, mlo, cnt = runs.start[keep], runs.end[keep], mla[keep], mlo[keep], cnt[keep]
    if s.size == 0:
        return empty_events()
    dur_h = (t[e] - t[s]) / 3600.0
    df = pl.DataFrame(
        {
            "event_type": "loitering",
            "mmsi": m[s],
            "start_t": t[s],
            "end_t": t[e],
            "start_lat": la[s],
            "start_lon": lo[s],
            "end_lat": la[e],
            "end_lon": lo[e],
            "duration_h": dur_h,
            "confidence": np.clip(dur_h / (4 * p.loiter_min_h), 0.5, 1.0),
            "label": "loitering",
            "_n": cnt,
            "_la": mla,
            "_lo": mlo,
        }
    )
    df = df.with_columns(
        pl.format(
            f"under {p.loiter_max_kn:g} kn for " + "{} h ({} positions) around {},{}, more than "
            f"{p.loiter_min_port_km:g} km from any port or anchorage",
            pl.col("duration_h").round(1),
            pl.col("_n"),
            pl.col("_la").round(3),
            pl.col("_lo").round(3),
        ).alias("explanation")
    )
    return conform(df)
