"""The bounded AIS engine finds the same encounters as the in-memory pipeline on a small
GFW-format track file built to cross its boundaries: read in chunks, split into MMSI
groups, and (for the streamed encounter stage) an encounter that spans several time
windows. Vessel X has a slow run that ends at a silence, then one slow report after it, a
short slow spell and a move away before its next slow run; vessel Y waits slowly where X
reported after the silence. The in-memory pipeline finds no X-Y encounter (X was there
20 minutes); an engine that lets the report after the silence join X's next slow run
invents one. Vessels Z and W lie together for 8 h: one real encounter."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from counterflow.maritime.detect import detect_all
from counterflow.maritime.events import to_output
from counterflow.maritime.ingest import load
from counterflow.maritime.partition import events_by_mmsi_groups
from counterflow.maritime.ports import load_ports

T0 = 1_704_067_200  # 2024-01-01T00:00:00Z
STEP = 600
X, Y, Z, W = 211000001, 211000002, 211000003, 211000004


def _rows() -> list[tuple[int, int, float, float, float]]:
    """(mmsi, t, lat, lon, speed in knots)."""
    rows: list[tuple[int, int, float, float, float]] = []

    def still(m: int, lat: float, lon: float, t0: int, t1: int) -> None:
        rows.extend((m, t, lat, lon, 0.1) for t in range(t0, t1 + 1, STEP))

    h = 3600
    still(X, 40.0, 20.0, T0, T0 + 3 * h)  # run 1, then 7 h of silence
    still(X, 40.5, 20.5, T0 + 10 * h, T0 + 10 * h + 20 * 60)  # after the silence: 20 min
    lon = 20.5
    for t in range(T0 + 10 * h + 30 * 60, T0 + 13 * h + 1, STEP):  # 10 kn east
        lon += 3.087 / 85.28
        rows.append((X, t, 40.5, lon, 10.0))
    still(X, 40.5, lon, T0 + 13 * h + 10 * 60, T0 + 16 * h)  # run 2, far from Y
    still(Y, 40.5005, 20.5005, T0 + 9 * h, T0 + 15 * h)  # waits where X came back
    still(Z, 41.0, 21.0, T0, T0 + 8 * h)
    still(W, 41.0008, 21.0008, T0, T0 + 8 * h)
    return rows


def write_gfw(path: Path) -> None:
    """The rows in GFW's track export format (the dialect of ../shared/data/ais)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(["lon", "lat", "course", "timestamp", "speed", "seg_id"])
        for m, t, lat, lon, sog in sorted(_rows(), key=lambda r: (r[1], r[0])):
            ts = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            w.writerow([lon, lat, 90.0, ts, sog, f"{m}-2024-01-01T00:00:00.000000Z-1"])


def _sorted(df: pl.DataFrame) -> pl.DataFrame:
    return df.sort(df.columns, nulls_last=True)


def test_bounded_encounters_equal_in_memory_across_boundaries(tmp_path: Path) -> None:
    f = tmp_path / "tracks.csv"
    write_gfw(f)
    ports = load_ports([])
    data = load([f])
    want = _sorted(to_output(detect_all(data.positions, ports).events, data.static))
    enc = want.filter(pl.col("event_type") == "encounter")
    assert sorted(enc["mmsi"].cast(pl.Int64).to_list()) == [Z, W]  # Z-W only, no X-Y
    # chunks of 4 kB, groups of 60 positions, one vessel per bucket: every boundary crossed
    res = events_by_mmsi_groups(
        [f], ports, group_positions=60, buckets=4, chunk_bytes=4_000
    )
    assert res.groups == 4
    got = _sorted(to_output(res.detection.events, res.data.static))
    assert got.filter(pl.col("event_type") == "encounter").equals(enc)
    assert got.equals(want)
