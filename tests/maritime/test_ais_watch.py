"""Watched areas, the Caspian route flag on the synthetic scenario, vessel screening through
a fake Screener, the CLI end to end, the map, and real GFW tracks when shared data is there."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest

from counterflow.maritime.clean import clean
from counterflow.maritime.detect import detect_all
from counterflow.maritime.ports import load_ports
from counterflow.maritime.synthetic import scenario
from counterflow.maritime.table import AisData
from counterflow.maritime.vessels import screen_vessels
from counterflow.maritime.watch import load_area, named_area, sequences, watch_events
from counterflow.match.types import Hit, Query
from fake_screener import OneByOne

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.fixture(scope="module")
def caspian() -> tuple[AisData, pl.DataFrame]:
    data = clean(scenario())
    ev = detect_all(data.positions, load_ports()).events
    return data, ev


def test_route_flag_fires_on_amirabad_dark_makhachkala(
    caspian: tuple[AisData, pl.DataFrame],
) -> None:
    _, ev = caspian
    w = watch_events(ev, named_area("caspian"))
    flags = w.filter(pl.col("label").str.starts_with("route_"))
    assert flags["mmsi"].to_list() == [273000001]  # not the IR->RU vessel that kept reporting
    f = flags.row(0, named=True)
    assert f["port"] == "Amirabad -> Makhachkala"
    assert "dark 40.0 h" in f["explanation"]
    gap = ev.filter((pl.col("event_type") == "gap") & (pl.col("mmsi") == 273000001)).row(
        0, named=True
    )
    assert abs(gap["duration_h"] - 40.0) < 0.1
    assert gap["label"] == "likely_intentional"
    assert sequences(w)[273000001] == "Amirabad -> [dark 40 h] -> Makhachkala"
    assert sequences(w)[273000002] == "Anzali -> Astrakhan"


def test_synthetic_encounter(caspian: tuple[AisData, pl.DataFrame]) -> None:
    _, ev = caspian
    enc = ev.filter(pl.col("event_type") == "encounter")
    assert sorted(enc["mmsi"].to_list()) == [273000004, 422000005]


def test_geojson_area(tmp_path: Path, caspian: tuple[AisData, pl.DataFrame]) -> None:
    _, ev = caspian
    # a polygon around the south Caspian only: Amirabad's call is inside, Makhachkala's is not
    poly = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[48, 36], [55, 36], [55, 39], [48, 39], [48, 36]]],
        },
    }
    f = tmp_path / "south.geojson"
    f.write_text(json.dumps(poly))
    area = load_area(str(f))
    w = watch_events(ev, area)
    ports = set(w.filter(pl.col("label") == "area_port_call")["port"].to_list())
    assert "Amirabad" in ports and "Makhachkala" not in ports
    assert w.filter(pl.col("label").str.starts_with("route_")).height == 0


def _hit(qid: str, name: float, evidence: float, decision: str = "review") -> Hit:
    score = min(1.0, name + evidence)
    return Hit(
        qid,
        score,
        decision,
        "ua_war_sanctions",
        f"NK-{qid}",
        f"NK-{qid}",  # type: ignore[arg-type]
        "VOLGA STAR",
        "VOLGA STAR",
        "vessel",
        "test",
        features={"name": name, "evidence": evidence},
    )


class FakeScreener(OneByOne):
    """273000001: IMO agrees; 273000002: same name, IMO contradicts; 436000003: a weak
    name-only hit; 273000004: a strong name-only hit."""

    def screen(self, query: Query, *, threshold: float = 0.5, limit: int = 10) -> list[Hit]:
        if "IMO9000003" in query.identifiers:
            return [_hit(query.id, 1.0, 0.2, "match")]
        if query.id == "273000002":
            return [_hit(query.id, 1.0, -0.25)]
        if query.id == "436000003":
            return [_hit(query.id, 0.8, 0.0)]
        if query.id == "273000004":
            return [_hit(query.id, 0.95, 0.0)]
        return []


def test_vessel_screening_hits_become_watch_events(caspian: tuple[AisData, pl.DataFrame]) -> None:
    data, _ = caspian
    ev, note = screen_vessels(data, screener=FakeScreener())
    assert note is None
    assert sorted(ev["mmsi"].to_list()) == [273000001, 273000004]
    assert ev["event_type"][0] == "watch" and ev["label"][0] == "listed_vessel"
    assert "ua_war_sanctions" in ev["explanation"][0]


def test_cli_events_and_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from counterflow.cli.main import main

    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    syn = tmp_path / "syn.csv"
    with pytest.raises(SystemExit) as e0:
        main(["ais", "synthetic", "-o", str(syn)])
    assert e0.value.code == 0
    out = tmp_path / "events.csv"
    with pytest.raises(SystemExit) as e1:
        main(["ais", "events", str(syn), "-o", str(out), "--watch", "caspian", "-q"])
    assert e1.value.code == 0
    rows = list(csv.DictReader(out.open()))
    route = [r for r in rows if r["event_type"] == "watch" and "route flag" in r["explanation"]]
    assert route and route[0]["vessel_name"] == "VOLGA STAR" and route[0]["imo"] == "9000003"
    html = tmp_path / "map.html"
    with pytest.raises(SystemExit) as e2:
        main(["ais", "map", str(syn), "-o", str(html), "--watch", "caspian", "-q"])
    assert e2.value.code == 0
    text = html.read_text()
    assert "dashArray" in text and "VOLGA STAR" in text and "Makhachkala" in text


def test_cli_bad_input_exit_code(tmp_path: Path, fixtures: Path) -> None:
    from counterflow.cli.main import main

    with pytest.raises(SystemExit) as e:
        main(
            [
                "ais",
                "events",
                str(fixtures / "missing_lon.csv"),
                "-o",
                str(tmp_path / "x.csv"),
                "-q",
                "--no-screen",
            ]
        )
    assert e.value.code == 1
    with pytest.raises(SystemExit) as e2:
        main(
            [
                "ais",
                "events",
                str(fixtures / "noaa.csv"),
                "-o",
                str(tmp_path / "x.csv"),
                "--watch",
                "atlantis",
                "-q",
            ]
        )
    assert e2.value.code == 1
    with pytest.raises(SystemExit) as e3:
        main(
            [
                "ais",
                "events",
                str(fixtures / "noaa.csv"),
                "-o",
                str(tmp_path / "no" / "x.csv"),
                "-q",
                "--no-screen",
            ]
        )
    assert e3.value.code == 1


@pytest.mark.shared
def test_real_gfw_track_events() -> None:
    tracks = SHARED / "ais" / "gfw_tracks"
    if not tracks.exists():
        pytest.skip("../shared/data/ais/gfw_tracks not present")
    from counterflow.maritime.ingest import load

    data = load([tracks / "0874fcc0f-f2ec-2351-8651-b561141a0b91.csv"])
    ports = load_ports([SHARED / "ais" / "ports"])
    ev = detect_all(data.positions, ports).events
    kinds = set(ev["event_type"].to_list())
    assert {"gap", "port_call"} <= kinds
    gaps = ev.filter(pl.col("event_type") == "gap")
    assert (gaps["duration_h"] >= 6).all()
    # every gap really is a silence in the track
    t = data.positions["t"].to_numpy()
    assert set(gaps["start_t"].to_list()) <= set(t.tolist())
