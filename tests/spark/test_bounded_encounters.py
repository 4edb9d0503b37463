"""The bounded AIS engine finds the same encounters as the in-memory pipeline on a small
GFW-format track file built to cross its boundaries: read in chunks, split into MMSI
groups, and an encounter that spans several time windows of the streamed encounter
stage. Vessel X has a slow run that ends at a silence, then one slow report after it, a
short slow spell and a move away before its next slow run; vessel Y waits slowly where X
reported after the silence. The in-memory pipeline finds no X-Y encounter (X was there
20 minutes); an engine that lets the report after the silence join X's next slow run
invents one. Vessels Z and W lie together for 8 h, U and V for 3 h 50 min: two real
encounters."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from counterflow.maritime.detect import detect_all
from counterflow.maritime.encounter_stream import plan_windows, streamed_encounters
from counterflow.maritime.encounters import detect_encounters
from counterflow.maritime.events import to_output
from counterflow.maritime.ingest import load
from counterflow.maritime.jumps import leg_metrics
from counterflow.maritime.loitering import slow_mask
from counterflow.maritime.params import EventParams
from counterflow.maritime.partition import encounter_candidates, events_by_mmsi_groups
from counterflow.maritime.ports import load_ports

T0 = 1_704_067_200  # 2024-01-01T00:00:00Z
STEP = 600
X, Y, Z, W, U, V = 211000001, 211000002, 211000003, 211000004, 211000005, 211000006


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
    # U-V: ends on the last bin of an hour (a window's last bin when windows are hours)
    still(U, 42.0, 22.0, T0 + 2 * h, T0 + 5 * h + 50 * 60)
    still(V, 42.0007, 22.0, T0 + 2 * h, T0 + 5 * h + 50 * 60)
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
    assert sorted(enc["mmsi"].cast(pl.Int64).to_list()) == [Z, W, U, V]  # no X-Y
    # chunks of 4 kB, groups of about 60 positions (vessels apart), and encounter
    # windows of an hour (the Z-W encounter spans 8): every boundary crossed
    res = events_by_mmsi_groups(
        [f], ports, group_positions=60, buckets=6, chunk_bytes=4_000, window_rows=6
    )
    assert res.groups >= 4
    got = _sorted(to_output(res.detection.events, res.data.static))
    assert got.filter(pl.col("event_type") == "encounter").equals(enc)
    assert got.equals(want)


@pytest.mark.parametrize("window_rows", [1, 6, 13, 40, 1_000_000])
def test_streamed_encounters_any_windows(tmp_path: Path, window_rows: int) -> None:
    """Candidates of one vessel per source, windows of every size: the in-memory events."""
    f = tmp_path / "tracks.csv"
    write_gfw(f)
    ports = load_ports([])
    p = EventParams()
    pos = load([f]).positions
    want = detect_encounters(pos, slow_mask(pos, leg_metrics(pos)[2], p.encounter_max_kn), ports, p)
    assert want.height == 4
    sources = [
        encounter_candidates(v, p).lazy() for _, v in pos.group_by("mmsi", maintain_order=True)
    ]
    got = streamed_encounters(sources, ports, p, workdir=tmp_path, window_rows=window_rows)
    assert _sorted(got).equals(_sorted(want))
    assert list(tmp_path.iterdir()) == [f]  # the spilled bins are removed


def test_plan_windows_contiguous_and_bounded() -> None:
    # hours 0, 1, 5, 6, 7 with bin counts; windows cut at hour edges (6 bins each)
    hist = {0: 4, 1: 4, 5: 9, 6: 2, 7: 2}
    assert plan_windows(hist, 8) == [(0, 12), (12, 36), (36, 48)]
    assert plan_windows(hist, 100) == [(0, 48)]
    assert plan_windows({}, 8) == []
