"""The fast paths give exactly what the straightforward code gives: dark-detection
assessment against the all-pairs reference on a random fleet with gaps, and shore
distances computed together against the one-cell-at-a-time computation."""

from __future__ import annotations

import numpy as np
import polars as pl
from dark_reference import reference_assess

from counterflow.maritime.dark import assess
from counterflow.maritime.params import EventParams
from counterflow.maritime.shore import default_shore


def _fleet(rng: np.random.Generator, vessels: int = 120) -> pl.DataFrame:
    """Random tracks around the Caspian: steady reporting broken by silences of minutes to
    weeks, some vessels drifting, some steaming, a few with one fix."""
    rows = []
    for v in range(vessels):
        n = int(rng.choice([1, 3, 40, 200]))
        dt = rng.choice(
            [60, 600, 3600, 8 * 3600, 3 * 86400, 20 * 86400],
            size=n,
            p=[0.4, 0.3, 0.15, 0.08, 0.05, 0.02],
        )
        t = 1_700_000_000 + int(rng.integers(0, 30 * 86400)) + np.cumsum(dt)
        speed = rng.choice([0.0, 0.002, 0.02])
        la = 40.0 + rng.uniform(-2, 2) + np.cumsum(rng.normal(0, speed + 1e-5, n))
        lo = 50.0 + rng.uniform(-2, 2) + np.cumsum(rng.normal(0, speed + 1e-5, n))
        rows.append(pl.DataFrame({"mmsi": 273_000_000 + v, "t": t, "lat": la, "lon": lo}))
    return pl.concat(rows).sort("mmsi", "t")


def _detections(rng: np.random.Generator, pos: pl.DataFrame, k: int = 300) -> pl.DataFrame:
    """Detections at random times and places, and near real fixes (explained ones)."""
    at = pos.sample(k // 2, seed=int(rng.integers(1 << 30)))
    t = np.r_[
        at["t"].to_numpy() + rng.integers(-900, 900, k // 2),
        rng.integers(1_700_000_000 - 86400, 1_700_000_000 + 80 * 86400, k - k // 2),
    ]
    la = np.r_[at["lat"].to_numpy() + rng.normal(0, 0.02, k // 2), rng.uniform(37, 43, k - k // 2)]
    lo = np.r_[at["lon"].to_numpy() + rng.normal(0, 0.02, k // 2), rng.uniform(47, 53, k - k // 2)]
    return pl.DataFrame({"detection_id": [f"D{i}" for i in range(k)], "t": t, "lat": la, "lon": lo})


def test_dark_assess_matches_reference() -> None:
    for seed in range(4):
        rng = np.random.default_rng(seed)
        pos = _fleet(rng)
        det = _detections(rng, pos)
        for p in (EventParams(), EventParams(gap_min_h=2.0, detection_explain_km=10.0)):
            fast = assess(pos, det, p)
            ref = reference_assess(pos, det, p)
            assert np.array_equal(fast.covered, ref.covered)
            assert np.array_equal(fast.nearest_km, ref.nearest_km)
            assert np.array_equal(fast.nearest_mmsi, ref.nearest_mmsi)
            # candidates matter only where no vessel explains the detection
            shown = ref.covered & ~(ref.nearest_km <= p.detection_explain_km)
            assert any(ref.candidates[i] for i in np.nonzero(shown)[0])
            for i in np.nonzero(shown)[0]:
                assert fast.candidates[i] == ref.candidates[i]


def test_shore_distances_together_match_one_by_one() -> None:
    shore = default_shore()
    rng = np.random.default_rng(5)
    lat = np.r_[rng.uniform(36, 47, 150), rng.uniform(-60, 70, 50), 89.99, -89.99, np.nan, 0.0]
    lon = np.r_[rng.uniform(46, 55, 150), rng.uniform(-180, 180, 50), 179.999, -179.999, 1.0, 0.0]
    shore._cache.clear()
    got = shore.distance_km(lat, lon)
    want = [
        shore._distance_one(round(a * 100) / 100.0, round(b * 100) / 100.0, 1000.0)
        if np.isfinite(a)
        else np.nan
        for a, b in zip(lat, lon, strict=True)
    ]
    assert np.array_equal(got, np.array(want), equal_nan=True)
    assert (got[:150] == 0).any() and (got[:150] > 20).any()  # land and open water both seen
