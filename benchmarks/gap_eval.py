# ruff: noqa: E501
"""Honest gap evaluation on real tracks: plant gaps of known start, end and place in the
Global Fishing Watch track exports (../shared/data/ais/gfw_tracks, plus the Ever Given
week from movingpandas-examples), then check what the gap detector recovers and how it
classes them.

The exports already have gaps (GFW removed points for licensing; transmitters go off), so:
the baseline gaps of the untouched tracks are detected first and set aside; gaps are only
planted where the track is dense (a position within 1 h of both ends) and at least 6 h away
from any baseline gap; a detection matching a baseline gap is neither a hit nor a false
alarm. Places: half of the windows start inside a port visit, half at sea.

Classification is scored against where the vessel really was while "dark" (the removed
positions, which the detector never sees), not against the start point it does see:
truth "intentional-like" = planted >= 12 h, the removed positions' median distance from
shore >= 50 nm, good reception before, and not in port.

    .venv/bin/python benchmarks/gap_eval.py [--per-vessel 12] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import polars as pl

from counterflow.maritime.gaps import detect_gaps
from counterflow.maritime.ingest import load
from counterflow.maritime.params import EventParams
from counterflow.maritime.port_calls import detect_port_calls
from counterflow.maritime.ports import load_ports
from counterflow.maritime.shore import default_shore
from counterflow.maritime.table import KM_PER_NM

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "ais"
DURATIONS_H = (7.0, 10.0, 14.0, 20.0, 30.0, 48.0)


def plant(
    pos: pl.DataFrame,
    in_port: np.ndarray,
    offshore: np.ndarray,
    base_gaps: pl.DataFrame,
    per_vessel: int,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, list[dict[str, object]]]:
    """Remove positions to plant gaps: per vessel, alternately starting in port, at sea
    near shore and at sea >= 12 nm offshore (where the track has such positions)."""
    m = pos["mmsi"].to_numpy()
    t = pos["t"].to_numpy()
    remove = np.zeros(pos.height, dtype=bool)
    truth: list[dict[str, object]] = []
    bg = {k: v for k, v in base_gaps.group_by("mmsi")} if base_gaps.height else {}
    bounds = np.r_[0, np.nonzero(m[1:] != m[:-1])[0] + 1, len(m)]
    for a, b in pairwise(bounds):
        mmsi = int(m[a])
        g = bg.get((mmsi,))
        busy = (
            []
            if g is None
            else list(zip(g["start_t"].to_list(), g["end_t"].to_list(), strict=True))
        )
        taken: list[tuple[int, int]] = []
        for slot in range(per_vessel):
            want_port = slot % 3 == 0
            want_off = slot % 3 == 2
            for _ in range(300):  # tries
                k = int(rng.integers(a, b))
                if bool(in_port[k]) != want_port or (want_off and not offshore[k]):
                    continue
                dur = rng.choice(DURATIONS_H) * 3600
                s, e = t[k], t[k] + dur
                inside = np.nonzero((t[a:b] > s) & (t[a:b] < e))[0] + a
                if inside.size < 3:
                    continue
                after = inside[-1] + 1
                if after >= b or t[after] - e > 3600 or (k > a and s - t[k - 1] > 3600):
                    continue
                lo, hi = s - 6 * 3600, t[after] + 6 * 3600
                if any(bs < hi and be > lo for bs, be in busy + taken):
                    continue
                remove[inside] = True
                taken.append((int(lo), int(hi)))
                truth.append(
                    {
                        "mmsi": mmsi,
                        "start_t": int(s),
                        "end_t": int(e),
                        "removed": inside,
                        "k": k,
                        "in_port": want_port,
                    }
                )
                break
    return pos.filter(pl.Series(~remove)), truth


def overlap(a0: int, a1: int, b0: int, b1: int) -> float:
    inter = max(0, min(a1, b1) - max(a0, b0))
    union = max(a1, b1) - min(a0, b0)
    return inter / union if union else 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-vessel", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    files = sorted((SHARED / "gfw_tracks").glob("*.csv"))
    extra = SHARED / "samples" / "mpex_boat-positions.csv"
    if not files:
        sys.exit("no ../shared/data/ais/gfw_tracks")
    data = load([*files, extra] if extra.exists() else files)
    pos = data.positions
    p = EventParams()
    shore = default_shore()
    ports = load_ports([SHARED / "ports"])
    base = detect_gaps(pos, p, shore)
    _, in_port = detect_port_calls(pos, ports, p)
    rng = np.random.default_rng(args.seed)
    offshore = np.zeros(pos.height, dtype=bool)
    cand = np.nonzero(~in_port)[0]
    offshore[cand] = (
        shore.distance_km(pos["lat"].to_numpy()[cand], pos["lon"].to_numpy()[cand])
        >= 12 * KM_PER_NM
    )
    thinned, truth = plant(pos, in_port, offshore, base, args.per_vessel, rng)
    found = detect_gaps(thinned, p, shore)
    found12 = detect_gaps(thinned, replace(p, gap_min_shore_nm=12.0), shore)
    label12 = dict(
        zip(
            zip(found12["mmsi"].to_list(), found12["start_t"].to_list(), strict=True),
            found12["label"].to_list(),
            strict=True,
        )
    )

    # split detections: baseline (pre-existing) vs new
    base_keys = set(
        zip(base["mmsi"].to_list(), base["start_t"].to_list(), base["end_t"].to_list(), strict=True)
    )
    new = found.filter(
        ~pl.Series(
            [
                k in base_keys
                for k in zip(
                    found["mmsi"].to_list(),
                    found["start_t"].to_list(),
                    found["end_t"].to_list(),
                    strict=True,
                )
            ]
        )
    )
    base_kept = found.height - new.height
    by_vessel: dict[int, list[dict[str, object]]] = {}
    for r in new.iter_rows(named=True):
        by_vessel.setdefault(int(r["mmsi"]), []).append(r)
    t_all = pos["t"].to_numpy()
    la = pos["lat"].to_numpy()
    lo = pos["lon"].to_numpy()
    # reception before each planted gap, on the data the detector sees (positions before it are untouched)
    tp = 0
    matched_ids: set[int] = set()
    err_s: list[float] = []
    err_e: list[float] = []
    rows = []
    for tr in truth:
        cands = by_vessel.get(int(tr["mmsi"]), [])  # type: ignore[call-overload]
        best = max(
            cands,
            key=lambda r: overlap(r["start_t"], r["end_t"], tr["start_t"], tr["end_t"]),
            default=None,
        )  # type: ignore[arg-type]
        iou = overlap(best["start_t"], best["end_t"], tr["start_t"], tr["end_t"]) if best else 0.0  # type: ignore[arg-type, index]
        removed = tr["removed"]
        dur_h = (int(tr["end_t"]) - int(tr["start_t"])) / 3600  # type: ignore[call-overload]
        med_shore_nm = float(np.median(shore.distance_km(la[removed], lo[removed]))) / KM_PER_NM  # type: ignore[index]
        k = int(tr["k"])  # type: ignore[call-overload]
        n_before = int(
            np.sum(
                (pos["mmsi"].to_numpy() == tr["mmsi"])
                & (t_all <= t_all[k])
                & (t_all >= t_all[k] - p.gap_reception_window_h * 3600)
            )
        )
        port_share = float(np.mean(in_port[removed]))  # type: ignore[index]
        common = (
            dur_h >= p.gap_intentional_h
            and n_before >= p.gap_reception_min_points
            and port_share < 0.5
        )
        truth_int = common and med_shore_nm >= p.gap_min_shore_nm
        truth12 = common and med_shore_nm >= 12.0
        place = (
            "in port"
            if port_share >= 0.5
            else ("at sea >= 12 nm" if med_shore_nm >= 12 else "at sea < 12 nm")
        )
        hit = iou >= 0.5
        if hit and best is not None:
            tp += 1
            matched_ids.add(id(best))
            err_s.append(abs(int(best["start_t"]) - int(tr["start_t"])) / 60)  # type: ignore[call-overload]
            err_e.append(abs(int(best["end_t"]) - int(tr["end_t"])) / 60)  # type: ignore[call-overload]
        pred12 = bool(
            hit and best and label12.get((best["mmsi"], best["start_t"])) == "likely_intentional"
        )
        rows.append(
            {
                "place": place,
                "dur_h": dur_h,
                "hit": hit,
                "truth_int": truth_int,
                "pred_int": bool(hit and best and best["label"] == "likely_intentional"),
                "truth12": truth12,
                "pred12": pred12,
            }
        )
    fp = sum(1 for rs in by_vessel.values() for r in rs if id(r) not in matched_ids)
    n = len(truth)
    prec = tp / (tp + fp) if tp + fp else float("nan")
    rec = tp / n if n else float("nan")
    df = pl.DataFrame(rows)
    print(
        f"tracks: {pos['mmsi'].n_unique()} vessels, {pos.height:,} positions after cleaning "
        f"(dropped: {data.drops.counts})"
    )
    print(
        f"pre-existing gaps (>= 6 h) in the untouched tracks: {base.height:,}; still found after planting: {base_kept:,}"
    )
    print(
        f"planted gaps: {n} ({df.filter(pl.col('place') == 'in port').height} starting in port, "
        f"{df.filter(pl.col('place') != 'in port').height} at sea), durations {sorted(set(DURATIONS_H))} h"
    )
    print(
        "\nDETECTION (a planted gap is recovered when a new detection overlaps it with IoU >= 0.5)"
    )
    print(f"  precision {prec:.3f}   recall {rec:.3f}   (TP {tp}, FP {fp}, FN {n - tp})")
    if err_s:
        print(
            f"  boundary error: start median {np.median(err_s):.1f} min (max {max(err_s):.0f}), "
            f"end median {np.median(err_e):.1f} min (max {max(err_e):.0f})"
        )
    print("\nCLASSIFICATION 'likely intentional' (judged from the start point) vs where the vessel")
    print("really was while dark (median shore distance of the removed positions, in-port share)")
    t_ = df.filter(pl.col("hit"))
    for label, tc, pc in (
        ("GFW 50 nm", "truth_int", "pred_int"),
        ("sensitivity 12 nm", "truth12", "pred12"),
    ):
        ctp = t_.filter(pl.col(tc) & pl.col(pc)).height
        cfp = t_.filter(~pl.col(tc) & pl.col(pc)).height
        cfn = t_.filter(pl.col(tc) & ~pl.col(pc)).height
        ctn = t_.height - ctp - cfp - cfn
        pr = f"{ctp / (ctp + cfp):.3f}" if ctp + cfp else "n/a"
        rc = f"{ctp / (ctp + cfn):.3f}" if ctp + cfn else "n/a"
        print(
            f"  {label:18s} precision {pr}   recall {rc}   (TP {ctp}, FP {cfp}, FN {cfn}, TN {ctn})"
        )
    summary = (
        t_.group_by("place")
        .agg(
            pl.len().alias("found"),
            pl.col("truth12").sum().alias("truth_12nm"),
            pl.col("pred12").sum().alias("classed_12nm"),
            pl.col("truth_int").sum().alias("truth_50nm"),
            pl.col("pred_int").sum().alias("classed_50nm"),
        )
        .sort("place")
    )
    print(summary)


if __name__ == "__main__":
    main()
