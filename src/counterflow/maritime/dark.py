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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from counterflow.errors import BadInputError
from counterflow.maritime.events import conform, empty_events
from counterflow.maritime.params import EventParams
from counterflow.maritime.table import KM_PER_NM, Drops, fast_distance_km, haversine_km
from counterflow.maritime.timeparse import epoch_seconds, formats_in

REQUIRED = ("detection_id", "time", "lat", "lon")
OPTIONAL = ("length_m", "source")
NEAR_FIX_S = 600
TOP_CANDIDATES = 5  # candidates named per detection
DistFn = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


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


def _time_pairs(a: np.ndarray, b: np.ndarray, td: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(interval, point) index pairs with a[i] <= td[j] <= b[i], in no particular order:
    the points sorted once, each interval takes its contiguous run of them (work in
    proportion to the pairs found)."""
    order = np.argsort(td, kind="stable")
    ts = td[order]
    lo = np.searchsorted(ts, a, side="left")
    cnt = np.maximum(np.searchsorted(ts, b, side="right") - lo, 0)
    n = int(cnt.sum())
    iv = np.repeat(np.arange(a.size, dtype=np.int64), cnt)
    at = np.repeat(lo, cnt) + (np.arange(n, dtype=np.int64) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    return iv, order[at].astype(np.int64)


def _vessel_major(v: np.ndarray, q: np.ndarray, *rest: np.ndarray) -> list[np.ndarray]:
    """The pairs (and their companion arrays) ordered by vessel, then detection."""
    order = np.lexsort((q, v))
    return [v[order], q[order], *(x[order] for x in rest)]


def _arc_gap_deg(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Circular distance in degrees from longitude ``x`` to the nearest of [lo, hi]
    (0 inside): a lower bound of its distance to any longitude between them."""
    d_lo = np.abs(x - lo)
    d_hi = np.abs(x - hi)
    out: np.ndarray = np.minimum(np.minimum(d_lo, 360.0 - d_lo), np.minimum(d_hi, 360.0 - d_hi))
    out[(lo <= x) & (x <= hi)] = 0.0
    return out


def assess(pos: pl.DataFrame, det: pl.DataFrame, p: EventParams) -> Assessment:
    """Compare every detection with every vessel of one (mmsi, t)-sorted partition whose
    track spans the detection's time (vectorised over those vessel x detection pairs).

    Only pairs that can matter are built: for the nearest explaining distance, the stretches
    of track without an AIS gap (a detection within NEAR_FIX_S of one); for the gap
    candidates, the AIS gaps around the time of a detection no vessel of this partition
    explains, within reach of the likelihood floor. Both are found from the detections
    sorted by time, so the work follows the pairs, not vessels x detections."""
    k = det.height
    near = np.full(k, np.inf)
    near_m = np.full(k, -1, dtype=np.int64)
    cands: list[list[tuple[int, float, str]]] = [[] for _ in range(k)]
    covered = np.zeros(k, dtype=bool)
    if k == 0 or pos.height == 0:
        return Assessment(near, near_m, cands, covered)
    m = pos["mmsi"].to_numpy()
    t = pos["t"].to_numpy().astype(np.int64, copy=False)
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    starts = np.r_[0, np.nonzero(m[1:] != m[:-1])[0] + 1]
    ends = np.r_[starts[1:], m.size]  # exclusive
    # a (vessel, detection) pair counts when the detection falls in the vessel's time span
    # and inside its bounding box widened by what it could cover in its longest silence
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
    # inside some vessel's time span (+- NEAR_FIX_S): the detection can be judged
    a_s = vt0 - NEAR_FIX_S
    by_a = np.argsort(a_s, kind="stable")
    reach_b = np.maximum.accumulate(vt1[by_a] + NEAR_FIX_S)
    j = np.searchsorted(a_s[by_a], d_t_all, side="right") - 1
    covered = (j >= 0) & (reach_b[np.maximum(j, 0)] >= d_t_all)
    vessel_of = np.repeat(np.arange(starts.size, dtype=np.int64), ends - starts)
    gap_s = p.gap_min_h * 3600.0
    gap_after = np.r_[(np.diff(t).astype(float) >= gap_s) & (m[1:] == m[:-1]), False]
    key = vessel_of * 4_000_000_000 + t

    def inbox(v: np.ndarray, q: np.ndarray) -> np.ndarray:
        aj, oj = d_la_all[q], d_lo_all[q]
        ok: np.ndarray = (
            (la_lo[v] - m_lat[v] <= aj)
            & (aj <= la_hi[v] + m_lat[v])
            & (lo_lo[v] - m_lon[v] <= oj)
            & (oj <= lo_hi[v] + m_lon[v])
        )
        return ok

    def segment(
        v: np.ndarray, q: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per pair: detection time, the fixes before (i0) and at or after (i1) it within
        the vessel, their time span and the interpolation fraction."""
        dt_ = d_t_all[q]
        s0, e0 = starts[v], ends[v]
        i = np.searchsorted(key, v * 4_000_000_000 + dt_, side="left")
        i1 = np.clip(i, s0, e0 - 1)
        i0 = np.clip(i - 1, s0, e0 - 1)
        span = (t[i1] - t[i0]).astype(float)
        f = np.clip(np.where(span > 0, (dt_ - t[i0]) / np.maximum(span, 1.0), 0.0), 0.0, 1.0)
        return dt_, i0, i1, span, f

    def interp(i0: np.ndarray, i1: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return la[i0] + (la[i1] - la[i0]) * f, lo[i0] + (lo[i1] - lo[i0]) * f

    # 1. nearest explaining distance: a vessel explains a detection only on a stretch of
    # track without an AIS gap (a "run"), or within NEAR_FIX_S of one of its ends
    brk = np.r_[True, (m[1:] != m[:-1]) | gap_after[:-1]]
    r0 = np.nonzero(brk)[0]
    r1 = np.r_[r0[1:], m.size] - 1
    run, q = _time_pairs(t[r0] - NEAR_FIX_S, t[r1] + NEAR_FIX_S, d_t_all)
    v_of = vessel_of[r0[run]]
    keep = inbox(v_of, q)
    v_of, q = _vessel_major(v_of[keep], q[keep])
    if v_of.size:
        dt_, i0, i1, span, f = segment(v_of, q)
        dla, dlo = d_la_all[q], d_lo_all[q]
        in_gap = span >= gap_s
        at0 = np.abs(dt_ - t[i0]) <= NEAR_FIX_S
        at1 = np.abs(t[i1] - dt_) <= NEAR_FIX_S

        def explaining(rows: np.ndarray, dist_km: DistFn) -> np.ndarray:
            """Nearest explaining distance of each pair: the track between two fixes less
            than an AIS gap apart, or a fix within NEAR_FIX_S (inf when neither applies)."""
            out = np.full(rows.size, np.inf)
            for use, which in ((~in_gap[rows], None), (at0[rows], i0), (at1[rows], i1)):
                w = np.nonzero(use)[0]
                if w.size == 0:
                    continue
                r = rows[w]
                if which is None:
                    pla, plo = interp(i0[r], i1[r], f[r])
                else:
                    pla, plo = la[which[r]], lo[which[r]]
                out[w] = np.minimum(out[w], dist_km(pla, plo, dla[r], dlo[r]))
            return out

        # great-circle distances only for the pairs that can be a detection's nearest: a
        # cheap equirectangular distance (within a few per cent at any range) picks them
        judge = np.nonzero(~in_gap | at0 | at1)[0]
        rough = np.full(q.size, np.inf)
        rough[judge] = explaining(judge, fast_distance_km)
        rmin = np.full(k, np.inf)
        np.minimum.at(rmin, q[judge], rough[judge])
        need = judge[np.isfinite(rough[judge]) & (rough[judge] <= rmin[q[judge]] * 1.25 + 1.0)]
        if need.size:
            dist = explaining(need, haversine_km)
            best = np.lexsort((dist, q[need]))  # per detection, the nearest pair first
            qn = q[need][best]
            firsts = best[np.r_[True, qn[1:] != qn[:-1]]]
            near[q[need][firsts]] = dist[firsts]
            near_m[q[need][firsts]] = m[starts[v_of[need][firsts]]]
    # 2. candidates, only for detections no vessel here explains (the others never show
    # theirs): a vessel in an AIS gap then, both ends reachable at the assumed top speed
    open_ = np.nonzero(covered & ~(near <= p.detection_explain_km))[0]
    gk = np.nonzero(gap_after)[0]
    if open_.size == 0 or gk.size == 0:
        return Assessment(near, near_m, cands, covered)
    seg, qq = _time_pairs(t[gk] + 1, t[gk + 1] - 1, d_t_all[open_])
    q = open_[qq]
    g0 = gk[seg]
    v_of = vessel_of[g0]
    keep = inbox(v_of, q)
    g0, v_of, q = g0[keep], v_of[keep], q[keep]
    # the likelihood floor bounds how far the detection can be from the gap's straight
    # line: room <= max(5, direct / 8), the interpolated point lies in the fixes' box
    slack = 1.25
    floor_km = slack * (-np.log(0.01) * slack)
    direct = fast_distance_km(la[g0], lo[g0], la[g0 + 1], lo[g0 + 1])
    reach_km = floor_km * np.maximum(5.0, direct / 8.0) * (1 + 1e-6) + 1.0 + 1e-6
    aj, oj = d_la_all[q], d_lo_all[q]
    a_lo, a_hi = np.minimum(la[g0], la[g0 + 1]), np.maximum(la[g0], la[g0 + 1])
    dy = np.maximum(np.maximum(a_lo - aj, aj - a_hi), 0.0) * 110.574
    top_lat = np.maximum(np.maximum(np.abs(a_lo), np.abs(a_hi)), np.abs(aj))
    dx = (
        _arc_gap_deg(oj, np.minimum(lo[g0], lo[g0 + 1]), np.maximum(lo[g0], lo[g0 + 1]))
        * np.maximum(np.cos(np.radians(np.minimum(top_lat, 90.0))), 0.0)
        * 111.320
    )
    keep = np.sqrt(dx * dx + dy * dy) <= reach_km
    v_of, q = _vessel_major(v_of[keep], q[keep])
    if v_of.size == 0:
        return Assessment(near, near_m, cands, covered)
    dt_, i0, i1, span, f = segment(v_of, q)
    t0, t1 = t[i0], t[i1]
    la0, lo0, la1, lo1 = la[i0], lo[i0], la[i1], lo[i1]
    dla, dlo = d_la_all[q], d_lo_all[q]
    h0 = (dt_ - t0) / 3600.0
    h1 = (t1 - dt_) / 3600.0
    # likelihood: how far the detection is from where the vessel would be had it kept its
    # gap's average course and speed, against the room it had to wander; the cheap
    # distance first keeps only pairs that can reach a likelihood of 0.01
    ila, ilo = interp(i0, i1, f)
    direct = fast_distance_km(la0, lo0, la1, lo1)
    room = np.maximum(5.0, 0.25 * direct / np.maximum(h0 + h1, 1e-9) * np.minimum(h0, h1))
    maybe = fast_distance_km(ila, ilo, dla, dlo) <= slack * (-np.log(0.01) * room * slack) + 1.0
    g = np.nonzero(maybe)[0]
    h0, h1, ila, ilo = h0[g], h1[g], ila[g], ilo[g]
    d0g = haversine_km(la0[g], lo0[g], dla[g], dlo[g])
    d1g = haversine_km(la1[g], lo1[g], dla[g], dlo[g])
    reach = (d0g <= vmax_kmh * h0) & (d1g <= vmax_kmh * h1)
    direct = haversine_km(la0[g], lo0[g], la1[g], lo1[g])
    room = np.maximum(5.0, 0.25 * direct / np.maximum(h0 + h1, 1e-9) * np.minimum(h0, h1))
    lik = np.exp(-haversine_km(ila, ilo, dla[g], dlo[g]) / room)
    ok = reach & (lik >= 0.01)
    g, lik, h0, h1, d0g, d1g = g[ok], lik[ok], h0[ok], h1[ok], d0g[ok], d1g[ok]
    # only the TOP_CANDIDATES most likely per detection are ever shown: keep those
    # (stable order: ties stay in vessel order)
    qg = q[g]
    order = np.lexsort((-lik, qg))
    first = np.r_[True, qg[order][1:] != qg[order][:-1]]
    grp = np.cumsum(first) - 1
    rank = np.arange(order.size) - np.nonzero(first)[0][grp]
    top = order[rank < TOP_CANDIDATES]
    for x, lk, dd0, hh0, dd1, hh1, mm in zip(
        qg[top].tolist(),
        lik[top].tolist(),
        d0g[top].tolist(),
        h0[top].tolist(),
        d1g[top].tolist(),
        h1[top].tolist(),
        m[starts[v_of[g]]][top].tolist(),
        strict=True,
    ):
        cands[x].append(
            (
                mm,
                lk,
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
                f"{m_} (likelihood {lk:.2f}: {how})" for m_, lk, how in cs[:TOP_CANDIDATES]
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
