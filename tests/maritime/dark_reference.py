"""The dark-detection assessment as first written (every vessel x detection pair whose
times fit, then filtered): slow, kept only as the reference the fast
``counterflow.maritime.dark.assess`` must match exactly."""

from __future__ import annotations

import numpy as np
import polars as pl

from counterflow.maritime.dark import NEAR_FIX_S, TOP_CANDIDATES, Assessment, DistFn
from counterflow.maritime.params import EventParams
from counterflow.maritime.table import KM_PER_NM, fast_distance_km, haversine_km


def _time_pairs(
    a: np.ndarray, b: np.ndarray, td: np.ndarray, width: int = 86400, long_after: int = 32
) -> tuple[np.ndarray, np.ndarray]:
    """(interval, point) index pairs with a[i] <= td[j] <= b[i], ordered by interval then
    point. Intervals of up to ``long_after`` buckets of ``width`` seconds are listed in each
    bucket they touch (sorted once) and each point takes the intervals of its own bucket;
    longer ones are compared with every point directly."""
    b0, b1 = a // width, b // width
    nb = b1 - b0 + 1
    short = np.nonzero(nb <= long_after)[0]
    nbs = nb[short]
    tot = int(nbs.sum())
    first = np.cumsum(nbs) - nbs
    iv = np.repeat(short, nbs)
    bk = np.repeat(b0[short], nbs) + (np.arange(tot, dtype=np.int64) - np.repeat(first, nbs))
    order = np.argsort(bk, kind="stable")
    iv, bk = iv[order], bk[order]
    db = td // width
    lo = np.searchsorted(bk, db, side="left")
    cnt = np.searchsorted(bk, db, side="right") - lo
    n = int(cnt.sum())
    q = np.repeat(np.arange(td.size, dtype=np.int64), cnt)
    v = iv[
        np.repeat(lo, cnt) + (np.arange(n, dtype=np.int64) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    ]
    vs, qs = [v], [q]
    long_ = np.nonzero(nb > long_after)[0]
    for c in range(0, long_.size, 256):
        li = long_[c : c + 256]
        hit = (a[li][:, None] <= td[None, :]) & (td[None, :] <= b[li][:, None])
        r, k = np.nonzero(hit)
        vs.append(li[r])
        qs.append(k.astype(np.int64))
    v, q = np.concatenate(vs), np.concatenate(qs)
    ok = (a[v] <= td[q]) & (td[q] <= b[v])
    v, q = v[ok], q[ok]
    order = np.lexsort((q, v))
    return v[order], q[order]


def reference_assess(pos: pl.DataFrame, det: pl.DataFrame, p: EventParams) -> Assessment:
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
    t = pos["t"].to_numpy().astype(np.int64, copy=False)
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
    # (vessel, detection) pairs whose times fit, without a loop over detections: every
    # vessel is listed in each day its span (+- NEAR_FIX_S) touches, every detection looks
    # up the vessels of its own day; exact time and box tests on those pairs only
    v_of, q = _time_pairs(vt0 - NEAR_FIX_S, vt1 + NEAR_FIX_S, d_t_all)
    covered[np.unique(q)] = True  # inside some vessel's time span: can be judged
    aj, oj = d_la_all[q], d_lo_all[q]
    inbox = (
        (la_lo[v_of] - m_lat[v_of] <= aj)
        & (aj <= la_hi[v_of] + m_lat[v_of])
        & (lo_lo[v_of] - m_lon[v_of] <= oj)
        & (oj <= lo_hi[v_of] + m_lon[v_of])
    )
    # vessel-major order, so the searches below walk the position table forwards
    v_of, q = v_of[inbox], q[inbox]
    if v_of.size == 0:
        return Assessment(near, near_m, cands, covered)
    dt_ = d_t_all[q]
    dla = d_la_all[q]
    dlo = d_lo_all[q]
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
    gap_s = p.gap_min_h * 3600.0
    in_gap = span >= gap_s
    at0 = np.abs(dt_ - t0) <= NEAR_FIX_S
    at1 = np.abs(t1 - dt_) <= NEAR_FIX_S

    def interp(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        fr = f[rows]
        return la0[rows] + (la1[rows] - la0[rows]) * fr, lo0[rows] + (lo1[rows] - lo0[rows]) * fr

    def explaining(rows: np.ndarray, dist_km: DistFn) -> np.ndarray:
        """Nearest explaining distance of each pair: the track between two fixes less than
        an AIS gap apart, or a fix within NEAR_FIX_S (inf when neither applies)."""
        out = np.full(rows.size, np.inf)
        for use, xy in (
            (~in_gap[rows], None),
            (at0[rows], (la0, lo0)),
            (at1[rows], (la1, lo1)),
        ):
            w = np.nonzero(use)[0]
            if w.size == 0:
                continue
            r = rows[w]
            pla, plo = interp(r) if xy is None else (xy[0][r], xy[1][r])
            out[w] = np.minimum(out[w], dist_km(pla, plo, dla[r], dlo[r]))
        return out

    # great-circle distances only for the pairs that can be a detection's nearest: a cheap
    # equirectangular distance (within a few per cent at any range) picks them
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
        near_m[q[need][firsts]] = m[s0[need][firsts]]
    # candidates: in a gap, both ends reachable at the assumed top speed
    g = np.nonzero(in_gap & (dt_ > t0) & (dt_ < t1))[0]
    if g.size:
        h0 = (dt_[g] - t0[g]) / 3600.0
        h1 = (t1[g] - dt_[g]) / 3600.0
        # likelihood: how far the detection is from where the vessel would be had it kept
        # its gap's average course and speed, against the room it had to wander; the
        # cheap distance first keeps only pairs that can reach a likelihood of 0.01
        slack = 1.25
        ila, ilo = interp(g)
        direct = fast_distance_km(la0[g], lo0[g], la1[g], lo1[g])
        room = np.maximum(5.0, 0.25 * direct / np.maximum(h0 + h1, 1e-9) * np.minimum(h0, h1))
        maybe = (
            fast_distance_km(ila, ilo, dla[g], dlo[g])
            <= slack * (-np.log(0.01) * room * slack) + 1.0
        )
        g, h0, h1, ila, ilo = g[maybe], h0[maybe], h1[maybe], ila[maybe], ilo[maybe]
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
            m[s0[g]][top].tolist(),
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
