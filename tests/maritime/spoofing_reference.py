"""Spoofing detectors as first written (whole-table arrays, a cumulative sum per mask):
kept only as the reference the block-wise ``counterflow.maritime.spoofing`` detectors must
match exactly."""

from __future__ import annotations

import numpy as np
import polars as pl

from counterflow.maritime.events import empty_events
from counterflow.maritime.params import EventParams
from counterflow.maritime.spoofing import Legs, _bearing, _frame, _runs


def reference_grid(pos: pl.DataFrame, p: EventParams, same: np.ndarray) -> pl.DataFrame:
    w = p.grid_window
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    n = la.size
    if n <= w:
        return empty_events()
    tol = 2e-6
    # cheap pre-filter: snapped tracks repeat exactly the same move size (of at least one
    # lattice step); GPS fixes at the AIS resolution (1/600000 deg) almost never do
    eq = np.zeros(n, dtype=bool)
    big = p.grid_min_step_deg * (1 - 1e-6)
    moves = [np.abs(np.diff(la)), np.abs(np.diff(lo))]  # leg k+1 (row k -> k+1) at k
    for a in moves:
        hi = np.maximum(a[1:], a[:-1])
        lo_ = np.minimum(a[1:], a[:-1])
        with np.errstate(divide="ignore", invalid="ignore"):
            mult = np.abs(hi - np.round(hi / lo_) * lo_) < tol
        # two moves in a row of whole multiples of one another (1x, 2x ...) of a step
        eq[2:] |= (lo_ >= big) & mult
    # or one coordinate held exactly while the other moves at least a step (a GPS fix of a
    # moving ship does not repeat a coordinate to the last digit)
    dla_, dlo_ = moves
    eq[1:] |= ((dla_ == 0) & (dlo_ >= big)) | ((dlo_ == 0) & (dla_ >= big))
    cs = np.cumsum(eq, dtype=np.int64)
    n_eq = np.zeros(n, dtype=np.int64)
    n_eq[w:] = cs[w:] - cs[:-w]
    m_all = pos["mmsi"].to_numpy()
    ends = np.nonzero(n_eq >= 3)[0]
    ends = ends[(ends >= w) & (m_all[ends - w] == m_all[ends])]  # window inside one vessel
    if ends.size == 0:
        return empty_events()
    # the window's legs, per candidate: legs ending at rows ends - 0 .. w-1 (never row 0)
    idx = ends[:, None] - np.arange(w)[None, :] - 1
    qual = np.ones(ends.size, dtype=bool)
    varied = np.zeros(ends.size, dtype=bool)
    moving = np.zeros((ends.size, w), dtype=bool)
    steps = []
    for a in moves:
        aw = a[idx]
        nz = aw > tol
        moving |= nz
        g_min = np.where(nz, aw, np.inf).min(axis=1)
        # the lattice step: the smallest move, or a half / third / quarter of it when the
        # smallest move in the window is itself 2, 3 or 4 steps (never under the minimum)
        on = np.zeros(ends.size, dtype=bool)
        g = np.full(ends.size, np.inf)
        k = np.zeros_like(aw)
        for div in (1, 2, 3, 4):
            gd = g_min / div
            gg = np.where(np.isfinite(gd), gd, 1.0)[:, None]
            kd = np.round(aw / gg)
            resid = np.where(nz, np.abs(aw - kd * gg), 0.0)
            ok = (resid <= tol).all(axis=1) & ~(gd < p.grid_min_step_deg) & ~on
            g = np.where(ok, gd, g)
            k = np.where(ok[:, None], kd, k)
            on |= ok
        qual &= on
        k = np.where(nz, k, 0.0)
        # a steady straight line at constant speed moves one "step" every leg; a snapped
        # track moves 0, 1, 2 ... lattice steps as the ship drifts across the cells
        varied |= (k != k[:, :1]).sum(axis=1) >= 2
        steps.append(np.where(np.isfinite(g_min), g, np.nan))
    qual &= varied & (moving.sum(axis=1) >= w * p.grid_min_moving)
    # both coordinates move on the lattice (a GPS fix never holds latitude exactly)
    qual &= np.isfinite(steps[0]) & np.isfinite(steps[1])
    if not qual.any():
        return empty_events()
    # a qualifying window ending at row i covers rows i-w .. i; windows that overlap or
    # touch make one event
    qe = ends[qual]
    sy, sx = steps[0][qual], steps[1][qual]
    new = np.r_[True, qe[1:] - w > qe[:-1] + 1]
    first = np.nonzero(new)[0]
    last = np.r_[first[1:], qe.size] - 1
    s = qe[first] - w
    b = qe[last]
    m = pos["mmsi"].to_numpy()
    t = pos["t"].to_numpy()
    texts = []
    for f_, l_, a_, b_ in zip(first, last, s, b, strict=True):
        gy_txt = f"{sy[f_ : l_ + 1].min():.4f}"
        gx_txt = f"{sx[f_ : l_ + 1].min():.4f}"
        texts.append(
            f"{b_ - a_ + 1} fixes on a regular lattice: every move a whole multiple of "
            f"{gy_txt} deg latitude and {gx_txt} deg longitude (GPS fixes are not)"
        )
    return _frame("grid", m, t, la, lo, s, b, 0.8, texts)


def reference_sog_cog(pos: pl.DataFrame, p: EventParams, legs: Legs) -> pl.DataFrame:
    same, d, v = legs
    t = pos["t"].to_numpy()
    n = t.size
    if n < 2:
        return empty_events()
    sog = pos["sog"].to_numpy()
    cog = pos["cog"].to_numpy()
    dt = np.r_[0, np.diff(t)]
    # legs that can be judged; impossible jumps are left to the jump/two-transmitter detectors
    base = same & (dt >= 60) & (dt <= p.sogcog_max_leg_min * 60) & (d > 0) & (v <= p.jump_max_kn)
    # legs too long to judge (a ship can stop and start again within them) neither support
    # nor end a run of contradicting legs; a silence of an AIS gap does
    unjudged = same & (dt > p.sogcog_max_leg_min * 60) & (dt < p.gap_min_h * 3600)
    rows = np.nonzero(base)[0]
    rep = np.full(n, np.nan)
    rep[rows] = (sog[rows] + sog[rows - 1]) * 0.5
    vr, rr = v[rows], rep[rows]
    fast_rep = np.zeros(n, dtype=bool)
    fast_pos = np.zeros(n, dtype=bool)
    course = np.zeros(n, dtype=bool)
    dc = np.zeros(n)
    with np.errstate(invalid="ignore"):
        fast_rep[rows] = (rr >= 5.0) & (vr < 0.25 * rr)
        # moving (well beyond position noise: >= sogcog_min_moved_km) while reporting a
        # quarter of that speed or less
        fast_pos[rows] = (
            (vr >= p.sogcog_min_moving_kn) & (d[rows] >= p.sogcog_min_moved_km) & (rr < 0.25 * vr)
        )
        # the course check only where both ends report a course at speed
        c1, c0 = cog[rows], cog[rows - 1]
        ok = (vr >= 5.0) & (rr >= 5.0) & ~np.isnan(c1) & ~np.isnan(c0)
        cr = rows[ok]
        if cr.size:
            hdg = _bearing(pos["lat"].to_numpy(), pos["lon"].to_numpy(), cr)
            dc[cr] = np.abs((cog[cr] - hdg + 180.0) % 360.0 - 180.0)
            dcp = np.abs((cog[cr - 1] - hdg + 180.0) % 360.0 - 180.0)
            course[cr] = (dc[cr] >= 90.0) & (dcp >= 90.0)
    bad = fast_rep | fast_pos | course
    # one ordinary leg inside a contradicting run (a slow turn, a late fix) does not end it
    hole = np.zeros(n, dtype=bool)
    hole[1:-1] = ~bad[1:-1] & bad[:-2] & bad[2:] & same[1:-1]
    bad |= hole
    s, e = _runs(bad | unjudged)
    if s.size == 0:
        return empty_events()
    # a run starts and ends on a contradicting leg
    cb = np.r_[0, np.cumsum(bad)]
    nbad = cb[e] - cb[s]
    ok = nbad > 0
    s, e, nbad = s[ok], e[ok], nbad[ok]
    first_bad = np.searchsorted(cb, cb[s] + 1) - 1
    last_bad = np.searchsorted(cb, cb[e]) - 1
    s, e = first_bad, last_bad + 1
    a, b = s - 1, e - 1  # legs s..e-1 span rows s-1 .. e-1
    keep = (nbad >= p.sogcog_min_legs) & ((t[b] - t[a]) >= p.sogcog_min_h * 3600)
    nbad = nbad[keep]
    a, b, s, e = a[keep], b[keep], s[keep], e[keep]
    if a.size == 0:
        return empty_events()
    m = pos["mmsi"].to_numpy()
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    texts = []
    for x, y, s_, e_, nb_ in zip(a, b, s, e, nbad, strict=True):
        sl = slice(s_, e_)
        parts = []
        if fast_rep[sl].sum() or fast_pos[sl].sum():
            parts.append(
                f"reported speed median {np.nanmedian(rep[sl]):.1f} kn vs "
                f"{np.median(v[sl]):.1f} kn from the positions"
            )
        if course[sl].sum():
            parts.append(
                f"reported course {np.median(dc[sl]):.0f} deg off the track's course "
                f"on {int(course[sl].sum())} legs"
            )
        texts.append(
            f"{nb_} legs in a row over {(t[y] - t[x]) / 3600:.1f} h where "
            + "; ".join(parts)
            + ": the broadcast does not describe these positions"
        )
    return _frame("sog_cog", m, t, la, lo, a, b, 0.7, texts)
