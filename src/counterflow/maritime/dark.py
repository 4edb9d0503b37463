"""Dark vessel detections: vessel detections from SAR or optical imagery (or radar) that no
AIS position explains become ``dark_detection`` events.

DETECTIONS.csv: ``detection_id,time,lat,lon[,length_m,source]`` (case-insensitive; e.g. a
Global Fishing Watch SAR export or Copernicus detections). A detection is **explained**
when a vessel's track, interpolated linearly between two fixes less than an AIS gap apart,
or a fix within 10 minutes, lies within ``detection_explain_km`` (3 km) at that time. An
unexplained detection is a ``dark_detection``; a vessel that was in an AIS gap then and
could have been there (reachable at <= ``detection_max_kn`` from its last fix before and
its first fix after the gap) is a candidate, ranked by likelihood exp(-D / R): D is the
distance from where the vessel would have been at the gap's average course and speed, R
the room it had to wander (a quarter of its average gap speed times the time to the
nearer end, at least 5 km). The best candidate goes in ``other_mmsi``; all are in the explanation.

Built to run per MMSI partition: :func:`assess` gives each detection's nearest explaining
distance and candidates within one partition, :func:`combine` merges partitions and makes
the events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from counterflow.errors import BadInputError
from counterflow.maritime.events import conform, empty_events
from counterflow.maritime.params import EventParams
from counterflow.maritime.table import KM_PER_NM, Drops, haversine_km
from counterflow.maritime.timeparse import epoch_seconds, formats_in

REQUIRED = ("detection_id", "time", "lat", "lon")
OPTIONAL = ("length_m", "source")
NEAR_FIX_S = 600


@dataclass
class Detections:
    table: pl.DataFrame  # detection_id, t, lat, lon, length_m, source
    drops: Drops = field(default_factory=Drops)


def read_detections(path: Path) -> Detections:
    """The detections of one CSV; bad rows are counted (never fatal), a missing required
    column is a BadInputError naming the file, line 1 and the field."""
    if not path.exists():
        raise BadInputError("no such file", file=str(path), field="--detections")
    try:
        first = path.open(encoding="utf-8-sig", errors="replace").readline()
    except OSError as exc:
        raise BadInputError(f"cannot read: {exc.strerror}", file=str(path)) from exc
    if not first.strip():
        raise BadInputError("empty detections file", file=str(path), line=1)
    sep = max((",", ";", "\t"), key=first.count)
    header = [h.strip().strip('"').lower() for h in re.split(re.escape(sep), first.rstrip())]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BadInputError(
            f"detections file lacks column(s) {', '.join(missing)} (needs "
            f"{','.join(REQUIRED)}[,length_m,source])",
            file=str(path),
            line=1,
            field=missing[0],
        )
    try:
        raw = pl.read_csv(
            path,
            separator=sep,
            infer_schema=False,
            truncate_ragged_lines=True,
            encoding="utf8-lossy",
        )
    except pl.exceptions.PolarsError as exc:
        raise BadInputError(f"unreadable CSV: {str(exc).splitlines()[0]}", file=str(path)) from exc
    raw = raw.rename({c: c.strip().strip('"').lower() for c in raw.columns})
    drops = Drops()
    times = raw["time"].drop_nulls().head(2000).to_list()
    df = raw.select(
        pl.col("detection_id").str.strip_chars(),
        epoch_seconds(pl.col("time"), formats_in(times)).alias("t"),
        pl.col("lat").str.strip_chars().cast(pl.Float64, strict=False),
        pl.col("lon").str.strip_chars().cast(pl.Float64, strict=False),
        (
            pl.col("length_m").str.strip_chars().cast(pl.Float64, strict=False)
            if "length_m" in raw.columns
            else pl.lit(None, dtype=pl.Float64)
        ).alias("length_m"),
        (pl.col("source") if "source" in raw.columns else pl.lit(None, dtype=pl.Utf8)).alias(
            "source"
        ),
    ).with_row_index("line", offset=2)
    reason = (
        pl.when(pl.col("detection_id").is_null() | (pl.col("detection_id") == ""))
        .then(pl.lit("detection_no_id"))
        .when(pl.col("t").is_null())
        .then(pl.lit("detection_bad_time"))
        .when(
            pl.col("lat").is_null()
            | pl.col("lon").is_null()
            | (pl.col("lat").abs() > 90)
            | (pl.col("lon").abs() > 180)
        )
        .then(pl.lit("detection_bad_position"))
        .otherwise(None)
    )
    df = df.with_columns(reason.alias("_r"))
    for r, c in df["_r"].drop_nulls().value_counts().iter_rows():
        drops.add(str(r), int(c))
    bad = df.filter(pl.col("_r").is_not_null()).head(3)
    for row in bad.iter_rows(named=True):
        drops.note(f"{path.name} line {row['line']}: {row['_r']}")
    df = df.filter(pl.col("_r").is_null()).drop("_r")
    dup = df.height - df["detection_id"].n_unique()
    if dup:
        drops.add("detection_duplicate_id", dup)
        df = df.unique("detection_id", keep="first", maintain_order=True)
    return Detections(df.with_columns(pl.col("t").cast(pl.Int64)), drops)


@dataclass
class Assessment:
    """Per detection (in the detections table's order), within one partition."""

    nearest_km: np.ndarray  # nearest explaining AIS distance (inf if none)
    nearest_mmsi: np.ndarray  # its MMSI (-1 if none)
    candidates: list[list[tuple[int, float, str]]]  # (mmsi, likelihood, how)
    covered: np.ndarray  # an AIS track of this partition spans the detection time


def assess(pos: pl.DataFrame, det: pl.DataFrame, p: EventParams) -> Assessment:
    """Compare every detection with every vessel of one (mmsi, t)-sorted partition whose
    track spans the detection's time (vectorised over those vessel x detection pairs)."""
    k = det.height
    near = np.full(k, np.inf)
    near_m = np.full(k, -1, dtype=np.int64)
    cands: list[list[tuple[int, float, str]]] = [[] for _ in range(k)]
    covered = np.zeros(k, dtype=bool)
    if k == 0 or pos.height == 0:
        return Assessment(near, near_m, cands, covered)
    m = pos["mmsi"].to_numpy()
    t = pos["t"].to_numpy().astype(np.int64)
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    starts = np.r_[0, np.nonzero(m[1:] != m[:-1])[0] + 1]
    ends = np.r_[starts[1:], m.size]  # exclusive
    # candidate (vessel, detection) pairs: the detection falls in the vessel's time span and
    # inside its bounding box widened by what it could cover in its longest silence
    vt0, vt1 = t[starts], t[ends - 1]
    la_lo, la_hi = np.minimum.reduceat(la, starts), np.maximum.reduceat(la, starts)
    lo_lo, lo_hi = np.minimum.reduceat(lo, starts), np.maximum.reduceat(lo, starts)
    dts = np.r_[0, np.diff(t)]
    dts[starts] = 0
    max_gap_h = np.maximum.reduceat(dts, starts) / 3600.0
    vmax_kmh = p.detection_max_kn * KM_PER_NM
    m_lat = (p.detection_explain_km + vmax_kmh * max_gap_h / 2.0) / 110.574 + 0.01
    coslat = np.maximum(np.cos(np.radians(np.maximum(np.abs(la_lo), np.abs(la_hi)))), 0.05)
    m_lon = m_lat * 110.574 / (111.320 * coslat)
    d_t_all = det["t"].to_numpy().astype(np.int64)
    d_la_all = det["lat"].to_numpy()
    d_lo_all = det["lon"].to_numpy()
    vs: list[np.ndarray] = []
    qs: list[np.ndarray] = []
    for j in range(k):
        tj, aj, oj = d_t_all[j], d_la_all[j], d_lo_all[j]
        sel = np.nonzero(
            (vt0 - NEAR_FIX_S <= tj)
            & (tj <= vt1 + NEAR_FIX_S)
            & (la_lo - m_lat <= aj)
            & (aj <= la_hi + m_lat)
            & (lo_lo - m_lon <= oj)
            & (oj <= lo_hi + m_lon)
        )[0]
        if sel.size:
            vs.append(sel)
            qs.append(np.full(sel.size, j, dtype=np.int64))
        # a detection inside some vessel's time span can be judged (compared with AIS)
        covered[j] = bool(((vt0 - NEAR_FIX_S <= tj) & (tj <= vt1 + NEAR_FIX_S)).any())
    if not vs:
        return Assessment(near, near_m, cands, covered)
    v_of = np.concatenate(vs)
    q = np.concatenate(qs)
    dt_ = d_t_all[q]
    dla = det["lat"].to_numpy()[q]
    dlo = det["lon"].to_numpy()[q]
    s0, e0 = starts[v_of], ends[v_of]
    # first fix at or after the detection, within the vessel: search the (vessel, t) key
    rank = np.repeat(np.arange(starts.size, dtype=np.int64), ends - starts)
    key = rank * 4_000_000_000 + t
    i = np.searchsorted(key, v_of.astype(np.int64) * 4_000_000_000 + dt_, side="left")
    i1 = np.clip(i, s0, e0 - 1)
    i0 = np.clip(i - 1, s0, e0 - 1)
    t0, t1 = t[i0], t[i1]
    la0, lo0, la1, lo1 = la[i0], lo[i0], la[i1], lo[i1]
    span = (t1 - t0).astype(float)
    f = np.clip(np.where(span > 0, (dt_ - t0) / np.maximum(span, 1.0), 0.0), 0.0, 1.0)
    d_int = haversine_km(la0 + (la1 - la0) * f, lo0 + (lo1 - lo0) * f, dla, dlo)
    d0 = haversine_km(la0, lo0, dla, dlo)
    d1 = haversine_km(la1, lo1, dla, dlo)
    gap_s = p.gap_min_h * 3600.0
    in_gap = span >= gap_s
    dist = np.where(in_gap, np.inf, d_int)
    dist = np.minimum(dist, np.where(np.abs(dt_ - t0) <= NEAR_FIX_S, d0, np.inf))
    dist = np.minimum(dist, np.where(np.abs(t1 - dt_) <= NEAR_FIX_S, d1, np.inf))
    best = np.lexsort((dist, q))  # per detection, the nearest pair first
    firsts = best[np.r_[True, q[best][1:] != q[best][:-1]]]
    near[q[firsts]] = dist[firsts]
    near_m[q[firsts]] = np.where(np.isfinite(dist[firsts]), m[s0[firsts]], -1)
    # candidates: in a gap, both ends reachable at the assumed top speed
    g = np.nonzero(in_gap & (dt_ > t0) & (dt_ < t1))[0]
    if g.size:
        h0 = (dt_[g] - t0[g]) / 3600.0
        h1 = (t1[g] - dt_[g]) / 3600.0
        reach = (d0[g] <= vmax_kmh * h0) & (d1[g] <= vmax_kmh * h1)
        # likelihood: how far the detection is from where the vessel would be had it kept
        # its gap's average course and speed, against the room it had to wander
        direct = haversine_km(la0[g], lo0[g], la1[g], lo1[g])
        room = np.maximum(5.0, 0.25 * direct / np.maximum(h0 + h1, 1e-9) * np.minimum(h0, h1))
        lik = np.exp(-d_int[g] / room)
        for x, ok, lk, dd0, hh0, dd1, hh1, mm in zip(
            q[g], reach, lik, d0[g], h0, d1[g], h1, m[s0[g]], strict=True
        ):
            if ok and lk >= 0.01:
                cands[int(x)].append(
                    (
                        int(mm),
                        float(lk),
                        f"in a {hh0 + hh1:.1f} h AIS gap; {dd0:.0f} km from its last fix "
                        f"{hh0:.1f} h before, {dd1:.0f} km from its next {hh1:.1f} h after",
                    )
                )
    return Assessment(near, near_m, cands, covered)


def combine(
    parts: list[Assessment], det: pl.DataFrame, p: EventParams, drops: Drops
) -> pl.DataFrame:
    """Merge per-partition assessments into ``dark_detection`` events. Detections outside
    every track's time span are counted in ``drops`` (nothing to compare them with)."""
    k = det.height
    if k == 0:
        return empty_events()
    near = np.full(k, np.inf)
    near_m = np.full(k, -1, dtype=np.int64)
    covered = np.zeros(k, dtype=bool)
    cands: list[list[tuple[int, float, str]]] = [[] for _ in range(k)]
    for a in parts:
        better = a.nearest_km < near
        near[better] = a.nearest_km[better]
        near_m[better] = a.nearest_mmsi[better]
        covered |= a.covered
        for i, c in enumerate(a.candidates):
            cands[i].extend(c)
    drops.add("detection_outside_ais_time", int((~covered).sum()))
    rows = []
    for i, r in enumerate(det.iter_rows(named=True)):
        if not covered[i] or near[i] <= p.detection_explain_km:
            continue
        cs = sorted(cands[i], key=lambda c: -c[1])
        src = r["source"] or "detection"
        size = f", {r['length_m']:.0f} m" if r["length_m"] is not None else ""
        nearest = (
            f"nearest AIS vessel {near_m[i]} at {near[i]:.1f} km"
            if np.isfinite(near[i])
            else "no AIS vessel with a fix near that time"
        )
        text = (
            f"{src} detection {r['detection_id']}{size}: no AIS position within "
            f"{p.detection_explain_km:g} km ({nearest})"
        )
        if cs:
            text += "; could be " + "; ".join(
                f"{m_} (likelihood {lk:.2f}: {how})" for m_, lk, how in cs[:5]
            )
        else:
            text += "; no vessel in an AIS gap could have been there"
        rows.append(
            {
                "event_type": "dark_detection",
                "mmsi": None,
                "start_t": r["t"],
                "end_t": r["t"],
                "start_lat": r["lat"],
                "start_lon": r["lon"],
                "end_lat": r["lat"],
                "end_lon": r["lon"],
                "duration_h": 0.0,
                "distance_km": float(near[i]) if np.isfinite(near[i]) else None,
                "port": None,
                "other_mmsi": cs[0][0] if cs else None,
                "confidence": round(cs[0][1], 3) if cs else 0.9,
                "explanation": text,
                "label": "dark_candidate" if cs else "dark",
            }
        )
    return conform(pl.DataFrame(rows, infer_schema_length=None)) if rows else empty_events()


def dark_events(pos: pl.DataFrame, det: Detections, p: EventParams | None = None) -> pl.DataFrame:
    """All dark-detection events against one whole position table."""
    p = p or EventParams()
    return combine([assess(pos, det.table, p)], det.table, p, det.drops)
