"""AIS events: the local bounded engine (MMSI groups, chunked CSV) and the Spark engine
give the same events as the in-memory pipeline, on the synthetic Caspian scenario and on
the shared GFW tracks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from counterflow.maritime.detect import detect_all
from counterflow.maritime.events import to_output
from counterflow.maritime.ingest import load
from counterflow.maritime.partition import events_by_mmsi_groups
from counterflow.maritime.ports import load_ports

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "ais"


def in_memory(files: list[Path], ports: pl.DataFrame) -> pl.DataFrame:
    data = load(files)
    return sort(to_output(detect_all(data.positions, ports).events, data.static))


def sort(df: pl.DataFrame) -> pl.DataFrame:
    return df.sort(df.columns, nulls_last=True)


def test_synthetic_scenario_same_events(tmp_path: Path, spark: Any) -> None:
    from counterflow.maritime.synthetic import write_csv
    from counterflow.spark.ais import detect_events_spark

    f = tmp_path / "caspian.csv"
    write_csv(f)
    ports = load_ports([])
    want = in_memory([f], ports)
    assert want.height > 0
    # chunks of 64 kB and groups of 1,000 positions: several of each
    res = events_by_mmsi_groups([f], ports, group_positions=1_000, buckets=8, chunk_bytes=64_000)
    assert res.groups > 1
    assert sort(to_output(res.detection.events, res.data.static)).equals(want)
    sp = detect_events_spark(spark, [f], ports, partitions=3, chunk_bytes=64_000)
    assert sort(to_output(sp.detection.events, sp.data.static)).equals(want)


@pytest.mark.shared
def test_gfw_tracks_same_events(spark: Any) -> None:
    from counterflow.spark.ais import detect_events_spark

    files = sorted((SHARED / "gfw_tracks").glob("*.csv"))
    if not files:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs with ../shared beside the clone: no GFW tracks at {SHARED}")
        pytest.skip(f"shared data not found at {SHARED}")
    ports = load_ports([SHARED / "ports"])
    want = in_memory(files, ports)
    assert set(want["event_type"]) >= {"gap", "port_call", "encounter", "loitering"}
    res = events_by_mmsi_groups(files, ports, group_positions=40_000, buckets=16)
    assert res.groups > 4
    assert sort(to_output(res.detection.events, res.data.static)).equals(want)
    sp = detect_events_spark(spark, files, ports, partitions=4)
    assert sort(to_output(sp.detection.events, sp.data.static)).equals(want)


@pytest.mark.shared
def test_cli_bounded_and_spark(tmp_path: Path, spark: Any) -> None:
    from counterflow.cli.main import main

    files = sorted((SHARED / "gfw_tracks").glob("*.csv"))[:6]
    if not files:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs with ../shared beside the clone: no GFW tracks at {SHARED}")
        pytest.skip(f"shared data not found at {SHARED}")
    outs = {}
    for name, extra in {
        "memory": ["--in-memory"],
        "bounded": ["--bounded", "--group-positions", "20000"],
        "spark": ["--engine", "spark", "--master", "local[2]"],
    }.items():
        out = tmp_path / f"{name}.csv"
        args = ["ais", "events", *map(str, files), "-o", str(out), "--no-screen", "-q", *extra]
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert exc.value.code in (0, None)
        outs[name] = sorted(out.read_text(encoding="utf-8").splitlines())
    assert len(outs["memory"]) > 10
    assert outs["bounded"] == outs["memory"]
    assert outs["spark"] == outs["memory"]
