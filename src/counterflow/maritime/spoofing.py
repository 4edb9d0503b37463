"""``spoofing`` events: positions a real ship cannot produce. Each is a function of one
(mmsi, t)-sorted position table (so it runs per MMSI partition), vectorised over all rows.

* ``circle``: the track turns the same way, leg after leg, for at least 1.5 revolutions at
  speed (>= 3 kn) on one circle (a least-squares circle fit; the longest stretch of fixes
  within 25 % of its radius, radius <= 20 km) - the "crop circle" tracks of spoofed
  transponders; a single purse-seine set (one turn) is not.
* ``grid``: every move in a window of 10 legs is a whole multiple of one lattice step
  (>= 0.002 deg) in latitude and in longitude (both move, >= 40 % of the legs move), and
  the multiples vary (0, 1, 2 steps ...): positions snapped to a grid, not GPS fixes (a
  steady straight line is not a grid).
* ``frozen``: >= 5 identical fixes in a row over >= 30 min while the vessel reports >= 3 kn.
* ``sog_cog``: >= 6 legs (legs <= 30 min, >= 30 min in all; a longer leg, up to an AIS gap,
  is not judged and does not end the run) where the reported speed is 4x the speed the
  positions imply (reported >= 5 kn) or a quarter of it (positions >= 3 kn over >= 0.3 km),
  or the reported course is >= 90 deg off the course the positions take.
* ``two_transmitters``: impossible jumps that go away and come back to the first track,
  at least twice: two transmitters sending one MMSI (fed by the position-jump legs).

Every threshold is in ``EventParams``; the explanation carries the measured evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import polars as pl

from counterflow.maritime.events import conform, empty_events
from counterflow.maritime.params import EventParams
from counterflow.maritime.table import KM_PER_NM, haversine_km

Legs = tuple[np.ndarray, np.ndarray, np.ndarray]
BLOCK = 1 << 15  # rows per block of the per-leg passes (stays in cache)


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start, end exclusive) of each run of True."""
    if mask.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    x = np.diff(np.r_[0, mask.astype(np.int8), 0])
    return np.nonzero(x == 1)[0], np.nonzero(x == -1)[0]


def _frame(
    label: str,
    m: np.ndarray,
    t: np.ndarray,
    la: np.ndarray,
    lo: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    conf: np.ndarray | float,
    texts: list[str],
) -> pl.DataFrame:
    """Events for row spans [a, b] (inclusive indices)."""
    return conform(
        pl.DataFrame(
            {
                "event_type": "spoofing",
                "mmsi": m[a],
                "start_t": t[a],
                "end_t": t[b],
                "start_lat": la[a],
                "start_lon": lo[a],
                "end_lat": la[b],
                "end_lon": lo[b],
                "duration_h": (t[b] - t[a]) / 3600.0,
                "distance_km": haversine_km(la[a], lo[a], la[b], lo[b]),
                "confidence": np.broadcast_to(np.asarray(conf, dtype=float), a.shape).copy(),
                "label": label,
                "explanation": texts,
            }
        )
    )


def _bearing(la: np.ndarray, lo: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Bearing in degrees of the legs ending at ``rows`` (row-1 -> row), computed only there
    (many rows: in cache-sized blocks, the same numbers)."""
    if rows.size > BLOCK:
        return np.concatenate(
            [_bearing(la, lo, rows[i : i + BLOCK]) for i in range(0, rows.size, BLOCK)]
        )
    dlon = lo[rows] - lo[rows - 1]
    dlon = (dlon + 180.0) % 360.0 - 180.0
    dx = dlon * np.cos(np.radians(la[rows]))
    dy = (la[rows] - la[rows - 1]) * (110.574 / 111.320)
    out: np.ndarray = np.degrees(np.arctan2(dx, dy))
    return out


def leg_bearing(la: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """:func:`_bearing` of every leg (row-1 -> row; 0 at row 0), computed once in
    cache-sized blocks (the same numbers) and shared by the detectors."""
    n = la.size
    out = np.zeros(n)
    for a in range(1, n, BLOCK):
        b = min(a + BLOCK, n)
        dlon = lo[a:b] - lo[a - 1 : b - 1]
        dlon = (dlon + 180.0) % 360.0 - 180.0
        dx = dlon * np.cos(np.radians(la[a:b]))
        dy = (la[a:b] - la[a - 1 : b - 1]) * (110.574 / 111.320)
        out[a:b] = np.degrees(np.arctan2(dx, dy))
    return out


def _turned(la: np.ndarray, lo: np.ndarray, a: int, b: int) -> float:
    """Total signed turn (deg, absolute) of the track through fixes a..b."""
    rows = np.arange(a + 1, b + 1)
    if rows.size < 2:
        return 0.0
    hdg = _bearing(la, lo, rows)
    turn = (np.diff(hdg) + 180.0) % 360.0 - 180.0
    return float(abs(turn.sum()))


def _on_one_circle(
    la: np.ndarray, lo: np.ndarray, a: int, b: int, p: EventParams
) -> tuple[int, int, float, float, float, float] | None:
    """The longest stretch of fixes a..b that lies on one circle: centre by a least-squares
    (Kasa) circle fit, fixes whose distance from it is within ``circle_max_spread`` of the
    median radius; (a, b, radius km, spread, centre lat, centre lon) or None. Real track
    before or after a drawn circle (which turns the same way by chance) is left out."""
    la0 = float(la[a : b + 1].mean())
    lo0 = float(lo[a : b + 1].mean())
    kx = 111.320 * np.cos(np.radians(la0))
    ys = (la[a : b + 1] - la0) * 110.574
    xs = (lo[a : b + 1] - lo0) * kx
    if xs.size < 4:
        return None
    m = np.column_stack((2 * xs, 2 * ys, np.ones_like(xs)))
    sol, *_ = np.linalg.lstsq(m, xs * xs + ys * ys, rcond=None)
    cx, cy = float(sol[0]), float(sol[1])
    rad = np.hypot(xs - cx, ys - cy)
    r_med = float(np.median(rad))
    if not (0 < r_med <= p.circle_max_radius_km):
        return None
    s, e = _runs(np.abs(rad - r_med) <= p.circle_max_spread * r_med)
    if s.size == 0:
        return None
    k = int(np.argmax(e - s))
    i, j = int(s[k]), int(e[k]) - 1
    if j - i + 1 < 4:
        return None
    r = rad[i : j + 1]
    r_mean = float(r.mean())
    spread = float(r.std() / r_mean)
    if r_mean > p.circle_max_radius_km or spread > p.circle_max_spread:
        return None
    return a + i, a + j, r_mean, spread, la0 + cy / 110.574, lo0 + cx / kx


def _moving(t: np.ndarray, legs: Legs, a: int, b: int, p: EventParams) -> np.ndarray:
    """Offsets from ``a`` of the legs into rows a..b-1 (a >= 1) fast and long enough, and
    short enough in time, to count for circling."""
    same, d, v = legs
    dt = t[a:b] - t[a - 1 : b - 1]
    ok = same[a:b] & (v[a:b] >= p.circle_min_kn) & (d[a:b] >= 0.02) & (dt <= 1800)
    out: np.ndarray = np.nonzero(ok)[0]
    return out


def detect_circles(
    pos: pl.DataFrame, p: EventParams, legs: Legs, brg: np.ndarray | None = None
) -> pl.DataFrame:
    """``circle`` events; ``brg``: :func:`leg_bearing` of ``pos`` when already computed."""
    _same, _d, v = legs
    t = pos["t"].to_numpy()
    n = t.size
    if n < 4:
        return empty_events()
    # the moving legs, found block by block (no whole-table temporaries)
    rows = np.concatenate(
        [np.zeros(0, dtype=np.int64)]
        + [_moving(t, legs, a, min(a + BLOCK, n), p) + a for a in range(1, n, BLOCK)]
    )
    if rows.size < 4:
        return empty_events()
    # work on the moving legs only; turn k is at row rows[k], between leg rows[k] and the
    # next leg, which must be the very next row
    la, lo = pos["lat"].to_numpy(), pos["lon"].to_numpy()
    hdg = _bearing(la, lo, rows) if brg is None else brg[rows]
    turn_k = (hdg[1:] - hdg[:-1] + 180.0) % 360.0 - 180.0
    ok_k = (rows[1:] == rows[:-1] + 1) & (np.abs(turn_k) <= 120.0) & (turn_k != 0)
    sgn = np.sign(turn_k)
    cont = ok_k & np.r_[False, ok_k[:-1] & (sgn[1:] == sgn[:-1])]
    first_k = np.nonzero(ok_k & ~cont)[0]
    if first_k.size == 0:
        return empty_events()
    run_id = np.cumsum(ok_k & ~cont) - 1
    total = np.bincount(run_id[ok_k], weights=np.abs(turn_k[ok_k]), minlength=first_k.size)
    counts = np.bincount(run_id[ok_k], minlength=first_k.size)
    starts = rows[first_k]
    big = np.nonzero(total >= 360.0 * p.circle_min_turns)[0]
    if big.size == 0:
        return empty_events()
    m = pos["mmsi"].to_numpy()
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    rows_a, rows_b, texts, confs = [], [], [], []
    for r in big:
        a = starts[r] - 1  # the run's first turn is at row starts[r]: legs from starts[r]-1
        b = starts[r] + counts[r]  # last turn row + 1 = end of its outgoing leg
        a, b = max(a, 0), min(b, n - 1)
        fit = _on_one_circle(la, lo, a, b, p)
        if fit is None:
            continue
        a, b, r_mean, spread, clat, clon = fit
        turn = _turned(la, lo, a, b)
        if turn < 360.0 * p.circle_min_turns:
            continue
        speed = float(np.median(v[a + 1 : b + 1]))
        turns = turn / 360.0
        rows_a.append(a)
        rows_b.append(b)
        confs.append(min(1.0, 0.6 + 0.1 * turns))
        texts.append(
            f"circled {turns:.1f} times the same way (turn {turn:.0f} deg over "
            f"{b - a + 1} fixes) at radius {r_mean:.2f} km (spread {spread:.0%}) and "
            f"{speed:.1f} kn around {clat:.4f}, {clon:.4f}: a drawn track, not a ship"
        )
    if not rows_a:
        return empty_events()
    ia, ib = np.array(rows_a), np.array(rows_b)
    return _frame("circle", m, t, la, lo, ia, ib, np.array(confs), texts)


def _grid_pre(la: np.ndarray, lo: np.ndarray, a: int, b: int, big: float, tol: float) -> np.ndarray:
    """Rows a..b-1 (a >= 2) that pass the grid pre-filter: the move into the row and the
    one before it are whole multiples of one another (of at least ``big``), or one
    coordinate is held exactly while the other moves at least ``big``."""
    # moves[j]: the leg into row a - 1 + j
    moves = [np.abs(la[a - 1 : b] - la[a - 2 : b - 1]), np.abs(lo[a - 1 : b] - lo[a - 2 : b - 1])]
    eq = np.zeros(b - a, dtype=bool)
    for mv in moves:
        hi = np.maximum(mv[1:], mv[:-1])
        lo_ = np.minimum(mv[1:], mv[:-1])
        with np.errstate(divide="ignore", invalid="ignore"):
            mult = np.abs(hi - np.round(hi / lo_) * lo_) < tol
        # two moves in a row of whole multiples of one another (1x, 2x ...) of a step
        eq |= (lo_ >= big) & mult
    # or one coordinate held exactly while the other moves at least a step (a GPS fix of a
    # moving ship does not repeat a coordinate to the last digit)
    dla_, dlo_ = moves[0][1:], moves[1][1:]
    eq |= ((dla_ == 0) & (dlo_ >= big)) | ((dlo_ == 0) & (dla_ >= big))
    return np.nonzero(eq)[0] + a


def detect_grid(pos: pl.DataFrame, p: EventParams, same: np.ndarray) -> pl.DataFrame:
    w = p.grid_window
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    n = la.size
    if n <= w:
        return empty_events()
    tol = 2e-6
    # cheap pre-filter: snapped tracks repeat exactly the same move size (of at least one
    # lattice step); GPS fixes at the AIS resolution (1/600000 deg) almost never do
    big = p.grid_min_step_deg * (1 - 1e-6)
    dla1, dlo1 = abs(la[1] - la[0]), abs(lo[1] - lo[0])  # row 1: no move before it
    row1 = ((dla1 == 0) & (dlo1 >= big)) | ((dlo1 == 0) & (dla1 >= big))
    ei = np.concatenate(
        [np.array([1] if row1 else [], dtype=np.int64)]
        + [_grid_pre(la, lo, a, min(a + BLOCK, n), big, tol) for a in range(2, n, BLOCK)]
    )
    # windows of w legs (ending at row i: rows i-w+1 .. i) holding >= 3 such rows: the
    # rows from the third of three within w rows up to w-1 after the first (few rows hold
    # one, so this works on their indices, not on the whole table)
    k = np.nonzero(ei[2:] - ei[:-2] <= w - 1)[0]
    lens = ei[k] + w - ei[k + 2]
    tot = int(lens.sum())
    ends = np.unique(
        np.repeat(ei[k + 2], lens)
        + (np.arange(tot, dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens))
    )
    m_all = pos["mmsi"].to_numpy()
    ends = ends[(ends >= w) & (ends < n)]
    ends = ends[m_all[ends - w] == m_all[ends]]  # window inside one vessel
    if ends.size == 0:
        return empty_events()
    # the window's legs, per candidate: legs ending at rows ends - 0 .. w-1 (never row 0)
    idx = ends[:, None] - np.arange(w)[None, :] - 1
    qual = np.ones(ends.size, dtype=bool)
    varied = np.zeros(ends.size, dtype=bool)
    moving = np.zeros((ends.size, w), dtype=bool)
    steps = []
    for c in (la, lo):
        aw = np.abs(c[idx + 1] - c[idx])  # the move of leg idx + 1 (row idx -> idx + 1)
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


def detect_frozen(pos: pl.DataFrame, p: EventParams, legs: Legs) -> pl.DataFrame:
    same, d, _v = legs
    sog = pos["sog"].to_numpy()
    t = pos["t"].to_numpy()
    rep = same & (d == 0.0)
    s, e = _runs(rep)  # rows s..e-1 repeat their predecessor: fixes s-1 .. e-1
    if s.size == 0:
        return empty_events()
    a, b = s - 1, e - 1
    nfix = b - a + 1
    keep = (nfix >= p.frozen_min_fixes) & ((t[b] - t[a]) >= p.frozen_min_h * 3600)
    a, b = a[keep], b[keep]
    if a.size == 0:
        return empty_events()
    mean_sog = np.array(
        [
            np.nanmean(sog[x : y + 1]) if np.isfinite(sog[x : y + 1]).any() else np.nan
            for x, y in zip(a, b, strict=True)
        ]
    )
    keep = mean_sog >= p.frozen_min_kn
    a, b, mean_sog = a[keep], b[keep], mean_sog[keep]
    if a.size == 0:
        return empty_events()
    m = pos["mmsi"].to_numpy()
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    texts = [
        f"{y - x + 1} identical fixes ({la[x]:.5f}, {lo[x]:.5f}) over {(t[y] - t[x]) / 3600:.1f} h "
        f"while reporting {s_:.1f} kn: a repeated fix, not a moving ship"
        for x, y, s_ in zip(a, b, mean_sog, strict=True)
    ]
    return _frame("frozen", m, t, la, lo, a, b, 0.8, texts)


def _sogcog_legs(
    cols: tuple[np.ndarray, ...],
    legs: Legs,
    brg: np.ndarray | None,
    a: int,
    b: int,
    p: EventParams,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The legs into rows a..b-1 (a >= 1): (reported speed, the mean of both ends' SOG where
    the leg can be judged, else NaN; reported speed too fast; too slow; course
    contradicting; how far the course is off where checked, else 0; unjudged)."""
    t, sog, cog, la, lo = cols
    same, d, v = legs
    dt = t[a:b] - t[a - 1 : b - 1]
    sm, dd, vv = same[a:b], d[a:b], v[a:b]
    # legs that can be judged; impossible jumps are left to the jump/two-transmitter detectors
    base = sm & (dt >= 60) & (dt <= p.sogcog_max_leg_min * 60) & (dd > 0) & (vv <= p.jump_max_kn)
    # legs too long to judge (a ship can stop and start again within them) neither support
    # nor end a run of contradicting legs; a silence of an AIS gap does
    unjudged = sm & (dt > p.sogcog_max_leg_min * 60) & (dt < p.gap_min_h * 3600)
    c1, c0 = cog[a:b], cog[a - 1 : b - 1]
    with np.errstate(invalid="ignore"):
        rep = np.where(base, (sog[a:b] + sog[a - 1 : b - 1]) * 0.5, np.nan)
        fast_rep = base & (rep >= 5.0) & (vv < 0.25 * rep)
        # moving (well beyond position noise: >= sogcog_min_moved_km) while reporting a
        # quarter of that speed or less
        fast_pos = (
            base
            & (vv >= p.sogcog_min_moving_kn)
            & (dd >= p.sogcog_min_moved_km)
            & (rep < 0.25 * vv)
        )
        # the course check only where both ends report a course at speed
        ok = base & (vv >= 5.0) & (rep >= 5.0) & ~np.isnan(c1) & ~np.isnan(c0)
        # the track's course only where it is compared (NaN makes % slow)
        k = np.nonzero(ok)[0]
        hdg = _bearing(la, lo, k + a) if brg is None else brg[a:b][k]
        dc = np.zeros(b - a)
        dc[k] = np.abs((c1[k] - hdg + 180.0) % 360.0 - 180.0)
        dcp = np.abs((c0[k] - hdg + 180.0) % 360.0 - 180.0)
        course = np.zeros(b - a, dtype=bool)
        course[k] = (dc[k] >= 90.0) & (dcp >= 90.0)
    return rep, fast_rep, fast_pos, course, dc, unjudged


def detect_sog_cog(
    pos: pl.DataFrame, p: EventParams, legs: Legs, brg: np.ndarray | None = None
) -> pl.DataFrame:
    """``sog_cog`` events; ``brg``: :func:`leg_bearing` of ``pos`` when already computed."""
    same, _d, v = legs
    t = pos["t"].to_numpy()
    n = t.size
    if n < 2:
        return empty_events()
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    cols = (t, pos["sog"].to_numpy(), pos["cog"].to_numpy(), la, lo)
    # per leg, in cache-sized blocks: contradicting (bad) or too long to judge
    bad = np.zeros(n, dtype=bool)
    unjudged = np.zeros(n, dtype=bool)
    for r0 in range(1, n, BLOCK):
        r1 = min(r0 + BLOCK, n)
        _rep, fast_rep, fast_pos, course, _dc, unj = _sogcog_legs(cols, legs, brg, r0, r1, p)
        bad[r0:r1] = fast_rep | fast_pos | course
        unjudged[r0:r1] = unj
    # one ordinary leg inside a contradicting run (a slow turn, a late fix) does not end it
    hole = np.zeros(n, dtype=bool)
    hole[1:-1] = ~bad[1:-1] & bad[:-2] & bad[2:] & same[1:-1]
    bad |= hole
    s, e = _runs(bad | unjudged)
    if s.size == 0:
        return empty_events()
    # a run starts and ends on a contradicting leg
    bi = np.nonzero(bad)[0]
    i0, i1 = np.searchsorted(bi, s), np.searchsorted(bi, e)
    nbad = i1 - i0
    ok = nbad > 0
    nbad, i0, i1 = nbad[ok], i0[ok], i1[ok]
    s, e = bi[i0], bi[i1 - 1] + 1
    a, b = s - 1, e - 1  # legs s..e-1 span rows s-1 .. e-1
    keep = (nbad >= p.sogcog_min_legs) & ((t[b] - t[a]) >= p.sogcog_min_h * 3600)
    nbad = nbad[keep]
    a, b, s, e = a[keep], b[keep], s[keep], e[keep]
    if a.size == 0:
        return empty_events()
    m = pos["mmsi"].to_numpy()
    texts = []
    for x, y, s_, e_, nb_ in zip(a, b, s, e, nbad, strict=True):
        rep, fast_rep, fast_pos, course, dc, _unj = _sogcog_legs(
            cols, legs, brg, int(s_), int(e_), p
        )
        parts = []
        if fast_rep.sum() or fast_pos.sum():
            parts.append(
                f"reported speed median {np.nanmedian(rep):.1f} kn vs "
                f"{np.median(v[s_:e_]):.1f} kn from the positions"
            )
        if course.sum():
            parts.append(
                f"reported course {np.median(dc):.0f} deg off the track's course "
                f"on {int(course.sum())} legs"
            )
        texts.append(
            f"{nb_} legs in a row over {(t[y] - t[x]) / 3600:.1f} h where "
            + "; ".join(parts)
            + ": the broadcast does not describe these positions"
        )
    return _frame("sog_cog", m, t, la, lo, a, b, 0.7, texts)


def detect_two_transmitters(pos: pl.DataFrame, p: EventParams, legs: Legs) -> pl.DataFrame:
    same, d, v = legs
    j = np.nonzero(same & (v > p.jump_max_kn) & (d > p.jump_min_km))[0]
    if j.size < p.twin_min_returns + 1:
        return empty_events()
    m = pos["mmsi"].to_numpy()
    t = pos["t"].to_numpy()
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    # jump k: rows j[k]-1 -> j[k]; it "returns" when the fix after jump k+1 could have been
    # reached from the fix before jump k at a possible speed
    a, b = j[:-1], j[1:]
    back = haversine_km(la[a - 1], lo[a - 1], la[b], lo[b])
    vb = back / KM_PER_NM / (np.maximum(t[b] - t[a - 1], 1) / 3600.0)
    ret = (m[a] == m[b]) & (vb <= p.jump_max_kn) & (t[b] - t[a] <= p.twin_max_h * 3600)
    s, e = _runs(ret)  # runs of returning pairs; run s..e-1 covers jumps s..e
    keep = (e - s) >= p.twin_min_returns
    s, e = s[keep], e[keep]
    if s.size == 0:
        return empty_events()
    ia = j[s] - 1
    ib = j[e]
    texts = []
    for s_, e_ in zip(s, e, strict=True):
        dist = np.median(d[j[s_ : e_ + 1]])
        texts.append(
            f"{e_ - s_ + 1} impossible jumps back and forth between two tracks a median "
            f"{dist:.0f} km apart ({np.median(v[j[s_ : e_ + 1]]):.0f} kn implied): two "
            "transmitters sending one MMSI"
        )
    conf = np.minimum(1.0, 0.6 + 0.1 * (e - s))
    return _frame("two_transmitters", m, t, la, lo, ia, ib, conf, texts)


def spoofing_tasks(
    pos: pl.DataFrame, p: EventParams, legs: Legs
) -> list[Callable[[], pl.DataFrame]]:
    """The five detectors as separate calls (to run on separate threads); their results,
    in this order, joined by :func:`join_spoofing`, are :func:`detect_spoofing`'s."""
    if pos.height < 3:
        return []
    return [
        partial(detect_circles, pos, p, legs),
        partial(detect_grid, pos, p, legs[0]),
        partial(detect_frozen, pos, p, legs),
        partial(detect_sog_cog, pos, p, legs),
        partial(detect_two_transmitters, pos, p, legs),
    ]


def join_spoofing(parts: list[pl.DataFrame]) -> pl.DataFrame:
    parts = [x for x in parts if x.height]
    return pl.concat(parts) if parts else empty_events()


def detect_spoofing(pos: pl.DataFrame, p: EventParams, legs: Legs | None = None) -> pl.DataFrame:
    """All spoofing events of a cleaned, (mmsi, t)-sorted position table."""
    if legs is None:
        from counterflow.maritime.jumps import leg_metrics

        legs = leg_metrics(pos)
    return join_spoofing([f() for f in spoofing_tasks(pos, p, legs)])
