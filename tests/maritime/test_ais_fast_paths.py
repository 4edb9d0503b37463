"""The fast paths give exactly what the straightforward code gives: dark-detection
assessment against the all-pairs reference on a random fleet with gaps, shore distances
computed together against the one-cell-at-a-time computation, encounter time bins made
per fix against a search per bin, encounter pairs of fixes against pairs of bins, and the
block-wise grid and speed/course detectors against their whole-table form."""

from __future__ import annotations

import numpy as np
import polars as pl
from dark_reference import reference_assess
from spoofing_reference import reference_grid, reference_sog_cog

from counterflow.maritime import spoofing
from counterflow.maritime.dark import Detections, assess
from counterflow.maritime.detect import cross_vessel_events, detect_all
from counterflow.maritime.encounters import (
    _PAIR_BUCKET_BINS,
    bin_fixes,
    bin_runs,
    close_pairs,
    close_pairs_fixes,
    run_table,
)
from counterflow.maritime.jumps import leg_metrics
from counterflow.maritime.loitering import slow_mask
from counterflow.maritime.nearby import nearest_port
from counterflow.maritime.params import EventParams
from counterflow.maritime.shore import default_shore
from counterflow.maritime.spoofing import detect_grid, detect_sog_cog, leg_bearing
from counterflow.maritime.table import STATIC_SCHEMA, Drops


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
    return pl.concat(rows).cast({"mmsi": pl.Int64, "t": pl.Int64}).sort("mmsi", "t")


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


def _reference_bins(
    pos: pl.DataFrame, slow: np.ndarray, rr: pl.DataFrame, ports: pl.DataFrame, p: EventParams
) -> pl.DataFrame:
    """Every bin of every run, its last fix found by an as-of search, then port test."""
    bs = int(p.encounter_bin_min * 60)
    m, t = pos["mmsi"].to_numpy(), pos["t"].to_numpy()
    rows = []
    for mm, b0, b1 in rr.select("mmsi", "b0", "b1").iter_rows():
        for tb in range(b0, b1 + 1):
            r = int(np.searchsorted(m * 4_000_000_000 + t, mm * 4_000_000_000 + tb * bs, "right"))
            if r > 0 and m[r - 1] == mm and slow[r - 1]:
                rows.append((mm, tb, pos["lat"][r - 1], pos["lon"][r - 1]))
    b = pl.DataFrame(rows, schema=["mmsi", "tb", "lat", "lon"], orient="row")
    pidx, _ = nearest_port(b["lat"].to_numpy(), b["lon"].to_numpy(), ports, p.encounter_min_port_km)
    return b.filter(pl.Series(pidx < 0))


def test_bins_per_fix_match_bins_by_search() -> None:
    rng = np.random.default_rng(3)
    pos = _fleet(rng, 60).with_columns(
        pl.lit(None, dtype=pl.Float64).alias("sog"), pl.lit(None, dtype=pl.Float64).alias("cog")
    )
    p = EventParams()
    legs = leg_metrics(pos)
    slow = slow_mask(pos, legs[2], p.encounter_max_kn)
    rr = run_table(pos, slow, p)
    # ports where some slow runs lie, so that some bins are left out
    at = pos[rr["s"].to_numpy()[::4]]
    ports = pl.DataFrame(
        {
            "name": [f"P{i}" for i in range(at.height)],
            "country": "IR",
            "lat": at["lat"],
            "lon": at["lon"],
            "kind": "port",
            "source": "test",
        }
    )
    assert rr.height > 10
    got = bin_runs(pos, slow, rr, ports, p)
    want = _reference_bins(pos, slow, rr, ports, p)
    assert got.height > 100 and got.height < int((rr["b1"] - rr["b0"] + 1).sum())
    assert got.equals(want.cast(got.schema))  # type: ignore[arg-type]


def _rafts(rng: np.random.Generator, groups: int = 12, per: int = 5) -> pl.DataFrame:
    """Groups of slow vessels drifting within a few hundred metres of one another, each
    reporting at its own rate (seconds to hours, with silences), so that fixes of one
    vessel hold from one to many 10-minute bins and pairs come and go."""
    rows = []
    v = 0
    for g in range(groups):
        la0, lo0 = 40.0 + rng.uniform(-3, 3), 50.0 + rng.uniform(-3, 3)
        t_start = 1_700_000_000 + int(rng.integers(0, 5 * 86400))
        for _ in range(per):
            n = int(rng.integers(20, 300))
            dt = rng.choice(
                [30, 200, 600, 1500, 5000, 15000, 30000],
                size=n,
                p=[0.2, 0.3, 0.2, 0.1, 0.1, 0.05, 0.05],
            )
            t = t_start + int(rng.integers(0, 7200)) + np.cumsum(dt)
            la = la0 + rng.normal(0, 0.002) + np.cumsum(rng.normal(0, 0.0003, n))
            lo = lo0 + rng.normal(0, 0.002) + np.cumsum(rng.normal(0, 0.0003, n))
            rows.append(
                pl.DataFrame(
                    {"mmsi": 273_100_000 + v, "t": t, "lat": la, "lon": lo, "sog": 0.5, "cog": 0.0}
                )
            )
            v += 1
        _ = g
    return pl.concat(rows).cast({"mmsi": pl.Int64, "t": pl.Int64}).sort("mmsi", "t")


def test_pairs_per_fix_match_pairs_per_bin() -> None:
    no_ports = pl.DataFrame(
        schema={"name": pl.Utf8, "country": pl.Utf8, "lat": pl.Float64, "lon": pl.Float64}
    )
    for seed in range(3):
        pos = _rafts(np.random.default_rng(seed))
        for p in (EventParams(), EventParams(encounter_km=0.2, encounter_bin_min=5.0)):
            legs = leg_metrics(pos)
            slow = slow_mask(pos, legs[2], p.encounter_max_kn)
            rr = run_table(pos, slow, p)
            want = close_pairs(bin_runs(pos, slow, rr, no_ports, p), p)
            got = close_pairs_fixes(bin_fixes(pos, slow, rr, no_ports, p), p)
            # many pairs, some fixes holding more bins than a bucket of the pairing
            assert want.height > 1000
            assert bin_fixes(pos, slow, rr, no_ports, p)["nb"].max() > 2 * _PAIR_BUCKET_BINS  # type: ignore[operator]
            assert got.equals(want)


def _spoofed_fleet(rng: np.random.Generator, vessels: int = 80) -> pl.DataFrame:
    """Steaming and drifting tracks at reporting intervals from seconds to hours, some
    snapped to a lattice, some with the reported speed zeroed or the course reversed, some
    with SOG/COG missing, some with fixes repeated."""
    rows = []
    for v in range(vessels):
        n = int(rng.integers(30, 400))
        dt = rng.choice([10, 60, 120, 300, 900, 2400, 7200, 30000], size=n)
        t = 1_700_000_000 + np.cumsum(dt)
        kn = float(rng.choice([0.5, 6.0, 12.0, 20.0]))
        hdg = np.radians(rng.uniform(0, 360) + np.cumsum(rng.normal(0, 5, n)))
        step = kn * 1.852 * dt / 3600.0
        la = 40.0 + rng.uniform(-5, 5) + np.cumsum(step * np.cos(hdg)) / 110.574
        lo = 50.0 + rng.uniform(-5, 5) + np.cumsum(step * np.sin(hdg)) / 85.0
        la = la + rng.normal(0, 0.00002, n)
        lo = lo + rng.normal(0, 0.00002, n)
        sog = kn + rng.normal(0, 0.3, n)
        cog = np.degrees(hdg) % 360
        kind = v % 6
        i, j = sorted(rng.integers(0, n, 2))
        if kind == 1:  # snapped to a lattice
            g = float(rng.uniform(0.003, 0.02))
            la[i:j] = np.round(la[i:j] / g) * g
            lo[i:j] = np.round(lo[i:j] / g) * g
        elif kind == 2:
            sog[i:j] = 0.0
        elif kind == 3:
            cog[i:j] = (cog[i:j] + 180.0) % 360
        elif kind == 4:
            la[i:j], lo[i:j] = la[i], lo[i]
        miss = rng.uniform(size=n) < 0.05
        sog[miss] = np.nan
        cog[rng.uniform(size=n) < 0.05] = np.nan
        rows.append(
            pl.DataFrame(
                {"mmsi": 273_200_000 + v, "t": t, "lat": la, "lon": lo, "sog": sog, "cog": cog}
            )
        )
    return pl.concat(rows).cast({"mmsi": pl.Int64, "t": pl.Int64}).sort("mmsi", "t")


def test_spoofing_blocks_match_whole_table_reference() -> None:
    found = {"grid": 0, "sog_cog": 0}
    for seed in range(3):
        pos = _spoofed_fleet(np.random.default_rng(seed))
        legs = leg_metrics(pos)
        brg = leg_bearing(pos["lat"].to_numpy(), pos["lon"].to_numpy())
        for p in (EventParams(), EventParams(grid_window=6, sogcog_min_legs=3)):
            got = detect_grid(pos, p, legs[0])
            assert got.equals(reference_grid(pos, p, legs[0]))
            found["grid"] += got.height
            got = detect_sog_cog(pos, p, legs, brg)
            assert got.equals(reference_sog_cog(pos, p, legs))
            assert got.equals(detect_sog_cog(pos, p, legs))
            found["sog_cog"] += got.height
    # small blocks: runs and windows cut by block boundaries
    pos = _spoofed_fleet(np.random.default_rng(7))
    legs = leg_metrics(pos)
    old = spoofing.BLOCK
    try:
        spoofing.BLOCK = 37
        p = EventParams()
        assert detect_grid(pos, p, legs[0]).equals(reference_grid(pos, p, legs[0]))
        assert detect_sog_cog(pos, p, legs).equals(reference_sog_cog(pos, p, legs))
    finally:
        spoofing.BLOCK = old
    assert found["grid"] > 5 and found["sog_cog"] > 5


def _nearest_port_by_brute_force(
    lat: np.ndarray, lon: np.ndarray, ports: pl.DataFrame, radius_km: float
) -> tuple[np.ndarray, np.ndarray]:
    """Every position against every port, the distance as ``nearest_port`` defines it
    (from the position quantised to 0.001 degree, computed by polars); of equal distances
    the first port."""
    q = pl.DataFrame({"row": np.arange(lat.size), "lat": lat, "lon": lon}).with_columns(
        (
            (pl.col("lat") * 1000).round().cast(pl.Int64) * 1_000_000
            + (pl.col("lon") * 1000).round().cast(pl.Int64)
        ).alias("q")
    )
    qla = (pl.col("q") / 1_000_000).round().cast(pl.Int64)
    qla_d = qla.cast(pl.Float64) / 1000.0
    dlon = ((pl.col("q") - qla * 1_000_000).cast(pl.Float64) / 1000.0 - pl.col("plon")).abs()
    dlon = pl.min_horizontal(dlon, 360.0 - dlon)
    dx = dlon * 111.320 * ((qla_d + pl.col("plat")) * 0.5).radians().cos()
    dy = (qla_d - pl.col("plat")) * 110.574
    pp = ports.select(pl.col("lat").alias("plat"), pl.col("lon").alias("plon")).with_row_index(
        "port_idx"
    )
    best = (
        q.join(pp, how="cross")
        .with_columns((dx * dx + dy * dy).sqrt().alias("d"))
        .filter(pl.col("d") <= radius_km)
        .sort("row", "d", "port_idx")
        .unique("row", keep="first")
    )
    idx = np.full(lat.size, -1, dtype=np.int64)
    dist = np.full(lat.size, np.inf)
    r = best["row"].to_numpy()
    idx[r] = best["port_idx"].to_numpy()
    dist[r] = best["d"].to_numpy()
    return idx, dist


def test_nearest_port_matches_brute_force() -> None:
    rng = np.random.default_rng(11)
    # ports in clusters (anchorages around a port), two at the very same place, some on
    # both sides of the antimeridian and far north
    centres = np.array([[40.0, 50.0], [54.0, 3.0], [-33.9, 18.4], [65.0, 179.99], [78.2, 15.6]])
    plat = np.r_[np.repeat(centres[:, 0], 30) + rng.normal(0, 0.03, 150), 40.01, 40.01]
    plon = np.r_[np.repeat(centres[:, 1], 30) + rng.normal(0, 0.05, 150), 50.02, 50.02]
    plon = (plon + 180.0) % 360.0 - 180.0
    ports = pl.DataFrame({"name": [f"P{i}" for i in range(plat.size)], "lat": plat, "lon": plon})
    # positions around the ports (in, near and beyond every radius), repeated spots
    k = rng.integers(0, centres.shape[0], 4000)
    lat = centres[k, 0] + rng.normal(0, 0.08, k.size)
    lon = centres[k, 1] + rng.normal(0, 0.12, k.size)
    lat = np.r_[lat, lat[:500], rng.uniform(-60, 70, 200)]
    lon = (np.r_[lon, lon[:500], rng.uniform(-180, 180, 200)] + 180.0) % 360.0 - 180.0
    for radius in (3.0, 4.0, 10.0):
        got = nearest_port(lat, lon, ports, radius)
        want = _nearest_port_by_brute_force(lat, lon, ports, radius)
        assert 500 < int((want[0] >= 0).sum()) < lat.size - 200
        assert np.array_equal(got[0], want[0])
        assert np.array_equal(got[1], want[1])


def test_threads_and_one_pass_give_the_same_events() -> None:
    """detect_all on two threads with the cross-vessel detectors in the same pass gives the
    rows of the sequential per-vessel pass followed by cross_vessel_events, in order."""
    rng = np.random.default_rng(4)
    pos = pl.concat([_fleet(rng), _spoofed_fleet(rng, 30)], how="diagonal").sort("mmsi", "t")
    vessels = pos.group_by("mmsi").agg(pl.col("t").min().alias("a"), pl.col("t").max().alias("b"))
    rows = []
    for i, (m, a, b) in enumerate(vessels.sort("mmsi").iter_rows()):
        imo = ["9074729", "9074729", "1234567", None][i % 4]  # shared, shared, bad, none
        name = f"SHIP {i % 7}"
        rows += [
            (m, a, name, imo, f"C{i}", "70", None),
            (m, b, name + "X", imo, f"C{i}", "70", None),
        ]
    static = pl.DataFrame(rows, schema=STATIC_SCHEMA, orient="row")
    det = Detections(
        _detections(rng, pos).with_columns(
            pl.lit(None, dtype=pl.Float64).alias("length_m"), pl.lit("SAR").alias("source")
        ),
        Drops(),
    )
    ports = pl.DataFrame(
        {"name": ["P"], "country": ["IR"], "lat": [40.0], "lon": [50.0], "kind": ["port"]}
    )
    p = EventParams()
    one = detect_all(pos, ports, p, use_shore=False, static=static, workers=1).events
    cross = cross_vessel_events(pos, static, p, det, workers=1)
    both = detect_all(
        pos, ports, p, use_shore=False, static=static, workers=2, cross_vessel=True, detections=det
    ).events
    assert one.height > 100 and cross.height > 10
    assert both.equals(pl.concat([one, cross]))
