"""Events on small hand-made tracks: gaps and their class, port-call hysteresis,
loitering, encounters (vs brute force), position jumps, the EVENTS CSV contract."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
from ais_helpers import track

from counterflow.maritime.detect import detect_all
from counterflow.maritime.encounters import detect_encounters
from counterflow.maritime.events import EVENT_COLUMNS, write_events_csv
from counterflow.maritime.gaps import detect_gaps
from counterflow.maritime.loitering import slow_mask
from counterflow.maritime.params import EventParams
from counterflow.maritime.port_calls import detect_port_calls
from counterflow.maritime.ports import PORT_SCHEMA, load_ports
from counterflow.maritime.table import empty_static, haversine_km


def _iso(t: int) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


H = 3600
T0 = 1_700_000_000


class FakeShore:
    """Every point is ``nm`` nautical miles from shore."""

    def __init__(self, nm: float) -> None:
        self.nm = nm

    def distance_km(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        return np.full(len(lat), self.nm * 1.852)


def _regular(
    mmsi: int,
    start: int,
    n: int,
    every: int,
    lat: float = 54.0,
    lon: float = 3.0,
    dlon: float = 0.0,
    sog: float = 10.0,
) -> list[tuple[int, int, float, float, float | None]]:
    return [(mmsi, start + k * every, lat, lon + k * dlon, sog) for k in range(n)]


def test_gaps_recorded_and_classified() -> None:
    rows = _regular(1, T0, 20, 600)  # 20 positions in the 3 h before
    rows += _regular(1, T0 + 19 * 600 + 13 * H, 3, 600)  # 13 h silence
    rows += _regular(1, T0 + 19 * 600 + 13 * H + 2 * 600 + 7 * H, 2, 600)  # 7 h silence
    rows += _regular(2, T0, 3, 600) + _regular(2, T0 + 2 * 600 + 5 * H, 2, 600)  # 5 h: not a gap
    pos = track(rows)
    p = EventParams()
    far = detect_gaps(pos, p, FakeShore(80))  # type: ignore[arg-type]
    assert far.height == 2
    assert far["mmsi"].to_list() == [1, 1]
    assert far["label"].to_list() == ["likely_intentional", "gap"]
    assert abs(far["duration_h"][0] - 13.0) < 1e-9
    near = detect_gaps(pos, p, FakeShore(20))  # type: ignore[arg-type]
    assert near["label"].to_list() == ["gap", "gap"]
    assert "< 50 nm offshore" in near["explanation"][0]
    strict = detect_gaps(pos, EventParams(gap_reception_min_points=30), FakeShore(80))  # type: ignore[arg-type]
    assert strict["label"][0] == "gap"
    assert "poor reception" in strict["explanation"][0]
    short = detect_gaps(pos, EventParams(gap_min_h=4.0), None)
    assert short.height == 3


def _ports(*pts: tuple[str, float, float]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"name": n, "country": "XX", "lat": la, "lon": lo, "kind": "port", "source": "test"}
            for n, la, lo in pts
        ],
        schema=PORT_SCHEMA,
    )


def test_port_call_hysteresis() -> None:
    ports = _ports(("PORTA", 54.0, 3.0))
    km_lon = 1 / (111.32 * np.cos(np.radians(54.0)))
    # distances from the port (km): approach, enter at 2.5, drift to 3.5 (still in), leave at 4.5
    dists = [10, 5, 3.5, 2.5, 1, 0.5, 3.5, 1, 3.9, 4.5, 8, 2.0, 2.0]
    rows = [(7, T0 + k * 1200, 54.0, 3.0 + d * km_lon, 1.0) for k, d in enumerate(dists)]
    pos = track(rows)
    calls, in_port = detect_port_calls(pos, ports, EventParams(port_min_h=0.5))
    assert in_port.tolist() == [
        False,
        False,
        False,
        True,
        True,
        True,
        True,
        True,
        True,
        False,
        False,
        True,
        True,
    ]
    assert calls.height == 1  # the last visit lasts 20 min < 0.5 h
    assert calls["port"][0] == "PORTA"
    assert calls["start_t"][0] == T0 + 3 * 1200
    assert calls["end_t"][0] == T0 + 8 * 1200
    all_calls, _ = detect_port_calls(pos, ports, EventParams(port_min_h=0.0))
    assert all_calls.height == 2


def test_ports_from_files(tmp_path: Path) -> None:
    f = tmp_path / "anch.csv"
    f.write_text("s2id,latitude,longitude,label,sublabel,iso3\nabc,40.2,49.9,BAKU,,AZE\n")
    ports = load_ports([f])
    baku = ports.filter(pl.col("source") == "anch.csv").row(0, named=True)
    assert (baku["kind"], baku["country"]) == ("anchorage", "AZ")
    assert "Amirabad" in ports["name"].to_list()


def test_port_countries_become_iso2_where_known(tmp_path: Path) -> None:
    """ISO3 codes (GFW) and country names (World Port Index) go through
    records.countries; what it does not know is kept as written."""
    f = tmp_path / "wpi.csv"
    f.write_text(
        "Main Port Name,Country Code,Latitude,Longitude\n"
        "Bandar Anzali,Iran,37.47,49.46\nAktau,KAZ,43.6,51.2\nNowhere,Atlantis,1.0,1.0\n"
    )
    ports = load_ports([f], include_builtin=False)
    assert ports["country"].to_list() == ["IR", "KZ", "Atlantis"]


def _events(pos: pl.DataFrame, ports: pl.DataFrame | None = None, **kw: float) -> pl.DataFrame:
    return detect_all(
        pos,
        ports if ports is not None else _ports(("FAR", 0.0, 100.0)),
        EventParams(**kw),
        use_shore=False,
    ).events  # type: ignore[arg-type]


def test_loitering_and_port_exclusion() -> None:
    slow = _regular(3, T0, 20, 600, lat=55.0, lon=4.0, sog=0.5)  # 3.2 h under 2 kn
    fast = _regular(4, T0, 20, 600, lat=55.5, lon=4.0, dlon=0.02, sog=12)
    ev = _events(track(slow + fast))
    lo = ev.filter(pl.col("event_type") == "loitering")
    assert lo["mmsi"].to_list() == [3]
    near_port = _events(track(slow), _ports(("NEAR", 55.05, 4.0)))  # 5.6 km away
    assert near_port.filter(pl.col("event_type") == "loitering").height == 0


def test_position_jump() -> None:
    rows = [
        *_regular(5, T0, 5, 600, dlon=0.01),
        (5, T0 + 5 * 600, 60.0, 3.0, 10.0),
        (5, T0 + 6 * 600, 60.0, 3.01, 10.0),
        (5, T0 + 7 * 600, 60.0, 3.02, 10.0),
    ]
    ev = _events(track(rows))
    jumps = ev.filter(pl.col("event_type") == "position_jump")
    assert jumps.height == 1
    assert jumps["distance_km"][0] > 600


def test_encounters_match_brute_force() -> None:
    rng = np.random.default_rng(3)
    rows: list[tuple[int, int, float, float, float | None]] = []
    # 40 slow vessels, 4 h each, random starts, clustered in a 3 km box so many come close
    for v in range(40):
        la = 56.0 + rng.uniform(0, 0.027)
        lo = 5.0 + rng.uniform(0, 0.045)
        start = T0 + int(rng.integers(0, 4)) * 3600
        rows += [(1000 + v, start + k * 600, la, lo, 0.3) for k in range(25)]
    pos = track(rows)
    p = EventParams()
    slow = slow_mask(pos, np.zeros(pos.height), p.encounter_max_kn)
    enc = detect_encounters(pos, slow, _ports(("FAR", 0.0, 100.0)), p)
    got = {
        (a, b)
        for a, b in zip(enc["mmsi"].to_list(), enc["other_mmsi"].to_list(), strict=True)
        if a < b
    }
    # brute force: stationary vessels, so a pair meets iff within 500 m and overlapping >= 2 h
    first = (
        pos.group_by("mmsi")
        .agg(
            pl.col("lat").first(),
            pl.col("lon").first(),
            pl.col("t").min().alias("a"),
            pl.col("t").max().alias("b"),
        )
        .sort("mmsi")
        .rows()
    )
    want = set()
    for i in range(len(first)):
        for j in range(i + 1, len(first)):
            m1, la1, lo1, a1, b1 = first[i]
            m2, la2, lo2, a2, b2 = first[j]
            overlap = min(b1, b2) - max(a1, a2)
            # bins every 10 min inside both runs
            if haversine_km(la1, lo1, la2, lo2) <= 0.5 and overlap >= 2 * 3600 + 600:
                want.add((m1, m2))
    assert want, "the random layout should produce some encounters"
    assert got == want
    assert enc.height == 2 * len(got)  # one row per vessel of a pair


def test_events_csv_contract(tmp_path: Path) -> None:
    # under way (identical fixes while reporting 10 kn would be a spoofing event)
    rows = _regular(1, T0, 20, 600, dlon=0.02) + _regular(1, T0 + 19 * 600 + 13 * H, 3, 600)
    ev = _events(track(rows))
    out = tmp_path / "events.csv"
    write_events_csv(ev, empty_static(), out)
    with out.open() as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == EVENT_COLUMNS
        first = next(reader)
    assert first["event_type"] == "gap"
    # The gap runs from the last ping of the first track to the first of the second.
    assert first["start_time"] == _iso(T0 + 19 * 600) == "2023-11-15T01:23:20Z"
    assert first["end_time"] == _iso(T0 + 19 * 600 + 13 * H) == "2023-11-15T14:23:20Z"
    assert float(first["duration_h"]) == 13.0
