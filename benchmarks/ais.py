# ruff: noqa: E501
"""AIS events benchmark: positions/s for all events over >= 10 million positions built by
replicating the real GFW tracks in ../shared/data/ais/gfw_tracks with shifted MMSIs and
times (as GFW did for its own benchmark), compared in the same run with movingpandas'
ObservationGapSplitter and TrajectoryStopDetector on a subsample (extrapolated; said so).

    POLARS_MAX_THREADS=2 taskset -c 0,1 .venv/bin/python benchmarks/ais.py [--copies 28]
        [--mpd-positions 100000] [--csv-check]

``--csv-check`` also writes the replicated table as one GFW-style CSV (about 1 GB) and
reads it back through the CLI's loader in a subprocess, reporting time and peak memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "2")

import numpy as np
import polars as pl

from counterflow.maritime.detect import detect_all
from counterflow.maritime.ingest import load
from counterflow.maritime.ports import load_ports
from counterflow.maritime.shore import default_shore

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "ais"


def replicate(pos: pl.DataFrame, copies: int) -> pl.DataFrame:
    """``copies`` copies; copy i gets new MMSIs (i*1000 + vessel number, valid 9-digit range),
    times shifted by i * (97 days + 1234 s) and the whole track moved by a random offset of
    up to 0.003 degree (about 300 m), so no cache keyed on coordinates gets copies for free."""
    rng = np.random.default_rng(1)
    vessels = pos.select(pl.col("mmsi").unique().sort()).with_row_index("vi")
    base = pos.join(vessels, on="mmsi").drop("mmsi")
    parts = []
    for i in range(copies):
        parts.append(
            base.with_columns(
                (pl.lit(200_000_000 + i * 1000) + pl.col("vi").cast(pl.Int64)).alias("mmsi"),
                (pl.col("t") + i * (97 * 86400 + 1234)).alias("t"),
                (pl.col("lat") + (rng.uniform(-0.003, 0.003) if i else 0.0)).alias("lat"),
                (pl.col("lon") + (rng.uniform(-0.003, 0.003) if i else 0.0)).alias("lon"),
            )
        )
    return pl.concat(parts).select("mmsi", "t", "lat", "lon", "sog", "cog").sort("mmsi", "t")


def run_movingpandas(pos: pl.DataFrame, n: int) -> dict[str, float]:
    import warnings
    from datetime import timedelta

    import geopandas as gpd
    import movingpandas as mpd

    warnings.filterwarnings("ignore")
    # whole vessels until n positions
    counts = pos.group_by("mmsi", maintain_order=True).len()
    keep = counts.filter(pl.col("len").cum_sum() - pl.col("len") < n)["mmsi"]
    sub = pos.filter(pl.col("mmsi").is_in(keep.implode()))
    pdf = sub.with_columns(pl.from_epoch("t", time_unit="s").alias("time")).to_pandas()
    out: dict[str, float] = {"mpd_positions": float(sub.height)}
    t0 = time.perf_counter()
    gdf = gpd.GeoDataFrame(pdf, geometry=gpd.points_from_xy(pdf.lon, pdf.lat), crs="EPSG:4326")
    tc = mpd.TrajectoryCollection(gdf, "mmsi", t="time")
    out["mpd_build"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    split = mpd.ObservationGapSplitter(tc).split(gap=timedelta(hours=6))
    out["mpd_gaps"] = time.perf_counter() - t0
    out["mpd_gap_segments"] = float(len(split.trajectories))
    t0 = time.perf_counter()
    stops = mpd.TrajectoryStopDetector(tc).get_stop_segments(
        min_duration=timedelta(hours=2), max_diameter=1000
    )
    out["mpd_stops"] = time.perf_counter() - t0
    out["mpd_stop_count"] = float(len(stops.trajectories))
    return out


def csv_check(pos: pl.DataFrame) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "replicated_gfw.csv"
        t0 = time.perf_counter()
        pos.select(
            "lon",
            "lat",
            pl.col("cog").alias("course"),
            pl.from_epoch("t", time_unit="s")
            .dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")
            .alias("timestamp"),
            pl.col("sog").alias("speed"),
            (pl.col("mmsi").cast(pl.Utf8) + "-seg").alias("seg_id"),
        ).write_csv(path)
        size = path.stat().st_size
        print(f"wrote {size / 1e9:.2f} GB CSV in {time.perf_counter() - t0:.1f} s")
        code = (
            "import os, resource, time, sys; os.environ.setdefault('POLARS_MAX_THREADS','2');"
            "from pathlib import Path; from counterflow.maritime.ingest import load;"
            "t=time.perf_counter(); d=load([Path(sys.argv[1])]);"
            "print(f'read+clean {d.positions.height} positions in {time.perf_counter()-t:.1f} s, "
            "peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1e6:.2f} GB')"
        )
        subprocess.run([sys.executable, "-c", code, str(path)], check=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=28)
    ap.add_argument("--mpd-positions", type=int, default=100_000)
    ap.add_argument("--csv-check", action="store_true")
    args = ap.parse_args()
    files = sorted((SHARED / "gfw_tracks").glob("*.csv"))
    if not files:
        sys.exit("no ../shared/data/ais/gfw_tracks")
    base = load(files)
    ports = load_ports([SHARED / "ports"])
    pos = replicate(base.positions, args.copies)
    n = pos.height
    print(
        f"{base.positions.height} real positions x {args.copies} copies = {n:,} positions; "
        f"{ports.height} ports/anchorages; POLARS_MAX_THREADS={os.environ['POLARS_MAX_THREADS']}, "
        f"cpu affinity {len(os.sched_getaffinity(0))} cores"
    )
    default_shore()  # load once, as a long-running service would
    t0 = time.perf_counter()
    detect_all(pos, ports)  # first run: cold shore-distance and port-cell caches
    cold = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    det = detect_all(pos, ports)
    total, total_cpu = time.perf_counter() - t0, time.process_time() - c0
    # gaps + port calls alone, wall and CPU seconds (CPU time is less hurt by other
    # processes sharing the machine; with 2 threads it can exceed wall time)
    from counterflow.maritime.gaps import detect_gaps
    from counterflow.maritime.params import EventParams
    from counterflow.maritime.port_calls import detect_port_calls

    t0, c0 = time.perf_counter(), time.process_time()
    detect_gaps(pos, EventParams(), default_shore())
    detect_port_calls(pos, ports, EventParams())
    gp_wall, gp_cpu = time.perf_counter() - t0, time.process_time() - c0
    load1 = os.getloadavg()[0]
    tm = det.timings
    counts = dict(det.events["event_type"].value_counts().iter_rows())
    mp = run_movingpandas(pos, args.mpd_positions)
    mpd_n = mp["mpd_positions"]
    rows = [
        ("gaps (>= 6 h, GFW classes)", tm["gaps"], n, counts.get("gap", 0)),
        ("port calls (3/4 km hysteresis)", tm["port_calls"], n, counts.get("port_call", 0)),
        ("gaps + port calls", tm["gaps"] + tm["port_calls"], n, None),
        ("gaps + port calls, again (wall)", gp_wall, n, None),
        ("gaps + port calls, again (CPU seconds)", gp_cpu, n, None),
        ("loitering", tm["loitering"], n, counts.get("loitering", 0)),
        ("encounters", tm["encounters"], n, counts.get("encounter", 0)),
        ("position jumps", tm["jumps"], n, counts.get("position_jump", 0)),
        ("ALL events together", total, n, det.events.height),
        ("ALL events together (CPU seconds)", total_cpu, n, det.events.height),
        ("ALL events, first run (cold caches)", cold, n, det.events.height),
        (
            "movingpandas ObservationGapSplitter(6 h)",
            mp["mpd_gaps"],
            mpd_n,
            int(mp["mpd_gap_segments"]),
        ),
        (
            "movingpandas TrajectoryStopDetector(2 h, 1 km)",
            mp["mpd_stops"],
            mpd_n,
            int(mp["mpd_stop_count"]),
        ),
        ("movingpandas TrajectoryCollection build", mp["mpd_build"], mpd_n, None),
    ]
    rate = {name: npos / sec for name, sec, npos, _ in rows}
    mpd_gap_rate = rate["movingpandas ObservationGapSplitter(6 h)"]
    mpd_stop_rate = rate["movingpandas TrajectoryStopDetector(2 h, 1 km)"]
    print(
        f"\n{'step':50s} {'positions':>12s} {'seconds':>9s} {'positions/s':>14s} {'events':>9s}  ratio"
    )
    for name, sec, npos, ev in rows:
        if name.startswith("gaps") and "port" not in name:
            ratio = f"{rate[name] / mpd_gap_rate:6.0f}x mpd gap splitter"
        elif name.startswith("loitering"):
            ratio = f"{rate[name] / mpd_stop_rate:6.0f}x mpd stop detector"
        elif name.startswith("ALL"):  # vs movingpandas doing only gaps, and gaps + stops
            ratio = (
                f"{rate[name] / mpd_gap_rate:6.0f}x mpd gaps, "
                f"{rate[name] / (1 / (1 / mpd_gap_rate + 1 / mpd_stop_rate)):.0f}x mpd gaps+stops"
            )
        else:
            ratio = ""
        print(
            f"{name:50s} {int(npos):12,d} {sec:9.2f} {rate[name]:14,.0f} {'' if ev is None else ev:>9}  {ratio}"
        )
    print(
        f"\nmovingpandas ran on {int(mpd_n):,} positions (whole vessels) and is extrapolated "
        f"linearly to positions/s; Counterflow ran on all {n:,}."
    )
    print(
        f"1-minute load average during the run: {load1:.1f} on {os.cpu_count()} CPUs (other processes share them)"
    )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")
    if args.csv_check:
        csv_check(pos)


if __name__ == "__main__":
    main()
