"""Spoofing typologies on small tracks built from physical descriptions (a circle of radius
r at speed v, a track snapped to a lattice, a frozen fix, a reversed course, a second
transmitter), each against a plain control track that must stay quiet."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from counterflow.maritime.clean import clean
from counterflow.maritime.params import EventParams
from counterflow.maritime.spoofing import detect_spoofing
from counterflow.maritime.table import POSITIONS_SCHEMA, AisData, empty_static

T0 = 1_700_000_000
KM_LAT = 110.574


def _frame(rows: list[tuple[int, int, float, float, float | None, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=POSITIONS_SCHEMA, orient="row").sort("mmsi", "t")


def _straight(
    mmsi: int, n: int, every: int = 120, kn: float = 12.0, seed: int = 0, course: float = 90.0
):
    """A ship steaming on ``course`` at ``kn`` with GPS noise of a few metres."""
    rng = np.random.default_rng(seed)
    lat0, lon0 = 54.0, 3.0
    kmh = kn * 1.852
    out = []
    for k in range(n):
        run = kmh * k * every / 3600.0
        x, y = run * math.sin(math.radians(course)), run * math.cos(math.radians(course))
        lat = lat0 + y / KM_LAT + rng.normal(0, 0.00003)
        lon = lon0 + x / (111.32 * math.cos(math.radians(lat0))) + rng.normal(0, 0.00003)
        out.append((mmsi, T0 + k * every, lat, lon, kn + rng.normal(0, 0.2), course))
    return out


def _circle(mmsi: int, r_km: float, kn: float, turns: float, every: int = 60):
    kmh = kn * 1.852
    w = kmh / r_km  # rad per hour
    n = int(turns * 2 * math.pi / (w * every / 3600.0))
    lat0, lon0 = 55.0, 5.0
    out = []
    for k in range(n):
        a = w * k * every / 3600.0
        lat = lat0 + r_km * math.cos(a) / KM_LAT
        lon = lon0 + r_km * math.sin(a) / (111.32 * math.cos(math.radians(lat0)))
        out.append((mmsi, T0 + k * every, lat, lon, kn, None))
    return out


def _labels(ev: pl.DataFrame, mmsi: int) -> list[str]:
    return sorted(ev.filter(pl.col("mmsi") == mmsi)["label"].to_list())


def test_each_typology_and_controls_quiet() -> None:
    p = EventParams()
    rows = _straight(1, 200)  # control
    rows += _circle(2, r_km=1.5, kn=10.0, turns=3.0)
    rows += _circle(3, r_km=1.5, kn=10.0, turns=1.0)  # one purse-seine set: not spoofing
    # 4: the straight track snapped to a 0.01-degree lattice
    rows += [
        (4, t, round(la / 0.01) * 0.01, round(lo / 0.01) * 0.01, s, c)
        for _, t, la, lo, s, c in _straight(4, 120, seed=1, course=60.0)
    ]
    # 5: one fix repeated for 2 h while reporting 12 kn
    rows += [(5, T0 + k * 120, 54.5, 4.0, 12.0, 90.0) for k in range(60)]
    # 6: the track's reported course points the other way (270 vs eastbound)
    rows += [(6, t, la + 1, lo, s, 270.0) for _, t, la, lo, s, _c in _straight(6, 100, seed=2)]
    # 7: moored (0 kn) with identical fixes: normal
    rows += [(7, T0 + k * 120, 53.5, 4.0, 0.0, None) for k in range(60)]
    pos = _frame(rows)
    ev = detect_spoofing(pos, p)
    assert _labels(ev, 1) == [] and _labels(ev, 3) == [] and _labels(ev, 7) == []
    assert _labels(ev, 2) == ["circle"]
    circ = ev.filter(pl.col("mmsi") == 2)["explanation"][0]
    assert "radius 1.5" in circ and "10.0 kn" in circ
    assert _labels(ev, 4) == ["grid"]
    assert "0.0100 deg" in ev.filter(pl.col("mmsi") == 4)["explanation"][0]
    assert _labels(ev, 5) == ["frozen"]
    assert _labels(ev, 6) == ["sog_cog"]
    assert "course" in ev.filter(pl.col("mmsi") == 6)["explanation"][0]


def test_two_transmitters_survive_cleaning_and_are_found() -> None:
    a = _straight(9, 120, every=120, seed=3)
    b = [(9, t + 60, la + 1.0, lo, s, c) for _, t, la, lo, s, c in _straight(9, 120, 120, seed=4)]
    lone = _straight(8, 120, seed=5)
    lone[50] = (8, lone[50][1], lone[50][2] + 1.0, lone[50][3], 12.0, 90.0)  # one bad fix
    data = clean(AisData(_frame(a + b + lone), empty_static()))
    assert data.drops.counts.get("speed_outlier") == 1  # the lone spike only
    assert data.positions.filter(pl.col("mmsi") == 9).height == 240
    ev = detect_spoofing(data.positions, EventParams())
    assert _labels(ev, 9) == ["two_transmitters"]
    assert "111 km apart" in ev.filter(pl.col("mmsi") == 9)["explanation"][0]
    assert _labels(ev, 8) == []
