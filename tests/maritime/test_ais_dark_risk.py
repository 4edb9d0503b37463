"""Dark detections (explained, dark with a reachable candidate, outside every track's time,
bad rows, missing columns), vessel risk with named contributions and a custom weights
file, evidence cards, and the CLI end to end on the synthetic Caspian scenario."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from counterflow.cli.main import app
from counterflow.errors import BadInputError
from counterflow.maritime.clean import clean
from counterflow.maritime.dark import dark_events, read_detections
from counterflow.maritime.events import EVENT_COLUMNS
from counterflow.maritime.risk import Weights, category, score_vessels, to_frame
from counterflow.maritime.synthetic import scenario, write_csv

DET = """detection_id,time,lat,lon,length_m,source
EXPLAINED,2024-05-01T03:00:00Z,{elat},{elon},150,sentinel-1
DARK,2024-05-02T12:00:00Z,41.5,50.9,120,sentinel-1
LONELY,2024-05-01T09:00:00Z,37.47,49.46,90,sentinel-1
OLD,1999-01-01T00:00:00Z,41.0,50.0,,s1
BADTIME,yesterday,41.0,50.0,,s1
BADPOS,2024-05-02T12:00:00Z,95.0,50.0,,s1
"""


def _det_file(tmp_path: Path) -> Path:
    data = clean(scenario())
    p = data.positions.filter(pl.col("mmsi") == 273000002).row(60, named=True)
    # the explaining vessel's fix moved ~1 km and the time matched to the fix
    import datetime as dt

    t = dt.datetime.fromtimestamp(p["t"], tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = DET.format(elat=p["lat"] + 0.009, elon=p["lon"]).replace("2024-05-01T03:00:00Z", t)
    f = tmp_path / "detections.csv"
    f.write_text(text, encoding="utf-8")
    return f


def test_dark_detections(tmp_path: Path) -> None:
    det = read_detections(_det_file(tmp_path))
    assert det.table.height == 4
    assert det.drops.counts == {"detection_bad_time": 1, "detection_bad_position": 1}
    ev = dark_events(clean(scenario()).positions, det)
    assert det.drops.counts["detection_outside_ais_time"] == 1
    by = {r["explanation"].split()[2]: r for r in ev.iter_rows(named=True)}
    assert set(by) == {"DARK,", "LONELY,"}  # EXPLAINED is explained by AIS
    dark = by["DARK,"]
    assert dark["other_mmsi"] == 273000001  # in its 40 h gap, reachable
    assert dark["confidence"] > 0.1 and "likelihood" in dark["explanation"]
    assert by["LONELY,"]["other_mmsi"] is None


def test_detections_missing_column(tmp_path: Path) -> None:
    f = tmp_path / "d.csv"
    f.write_text("detection_id,time,lat\nA,2024-05-01T00:00:00Z,41\n", encoding="utf-8")
    with pytest.raises(BadInputError) as e:
        read_detections(f)
    assert e.value.field == "lon" and e.value.line == 1


def test_risk_categories_and_weights(tmp_path: Path) -> None:
    rows = [
        ("gap", 1, "AIS silent 20 h; likely intentional disabling (GFW criteria met)", 1.0, None),
        ("gap", 1, "AIS silent 7 h: not classed intentional", 0.3, None),
        ("spoofing", 1, "circled 3.0 times", 0.9, None),
        ("identity_change", 1, "name changed 'A' -> 'B' across a 20.0 h AIS gap", 0.8, None),
        ("watch", 2, "listed vessel: X (us_ofac_sdn 1), score 0.95 (match): IMO", 0.95, None),
        ("dark_detection", None, "s1 detection D1: ...; could be 3 (likelihood 0.50)", 0.5, 3),
    ]
    ev = pl.DataFrame(
        [
            {c: None for c in EVENT_COLUMNS}
            | {"event_type": a, "mmsi": b, "explanation": c, "confidence": d, "other_mmsi": e}
            for a, b, c, d, e in rows
        ]
    )
    assert category("identity_change", "invalid IMO 1234567: ...") == "invalid_imo"
    risks = {v.mmsi: v for v in score_vessels(ev)}
    v1 = risks[1]
    names = [c[0] for c in v1.contributions]
    assert names == ["spoofing", "identity_change_across_gap", "gap_intentional", "gap"]
    assert v1.score == 20 + 15 + 10 + 1 and v1.band == "review"
    assert risks[2].score == pytest.approx(70 * 0.95, abs=0.1) and risks[2].band == "high"
    assert risks[2].list_hits and "us_ofac_sdn" in risks[2].list_hits[0]
    assert risks[3].contributions == [("dark_detection", 7.5, 1)]
    frame = to_frame(list(risks.values()))
    assert frame["mmsi"].to_list()[0] == 2 and "spoofing +20" in frame["contributions"][1]
    # a custom weights file changes the score
    custom = tmp_path / "w.toml"
    custom.write_text(
        "[bands]\nreview = 10\nhigh = 20\n[categories.spoofing]\npoints = 50\ncap = 50\n",
        encoding="utf-8",
    )
    w = Weights.load(custom)
    assert {v.mmsi: v.score for v in score_vessels(ev, w)}[1] == 50
    bad = tmp_path / "bad.toml"
    bad.write_text("[categories.spoofing]\npoints = 'x'\n", encoding="utf-8")
    with pytest.raises(BadInputError):
        Weights.load(bad)


def test_cli_events_vessels_cards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    src = tmp_path / "caspian.csv"
    write_csv(src)
    det = _det_file(tmp_path)
    out = tmp_path / "events.csv"
    vessels = tmp_path / "vessels.csv"
    cards = tmp_path / "cards"
    r = CliRunner().invoke(
        app,
        [
            "ais",
            "events",
            str(src),
            "-o",
            str(out),
            "--watch",
            "caspian",
            "--no-screen",
            "--detections",
            str(det),
            "--vessels",
            str(vessels),
            "--cards",
            str(cards),
        ],
    )
    assert r.exit_code == 0, r.output
    with out.open() as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == EVENT_COLUMNS
        types = {row["event_type"] for row in reader}
    assert "dark_detection" in types and "watch" in types
    vrows = list(csv.DictReader(vessels.open()))
    top = vrows[0]
    assert top["mmsi"] == "273000001" and float(top["score"]) >= 50
    assert "route_flag" in top["contributions"] and "dark_detection" in top["contributions"]
    card = json.loads((cards / "273000001.json").read_text())
    assert card["score"] == float(top["score"])
    assert {s["file"] for s in card["sources"]} >= {str(src), str(det)}
    assert all(len(s["sha256"]) == 64 for s in card["sources"])
    assert card["track"]["points"] and card["identities"]
    assert any(e["event_type"] == "dark_detection" for e in card["events"])
    md = (cards / "273000001.md").read_text()
    assert md.startswith("# VOLGA STAR") and "## Data sources" in md
    # the standalone command gives the same scores
    v2 = tmp_path / "v2.csv"
    r = CliRunner().invoke(app, ["ais", "vessels", str(out), "-o", str(v2), "--no-screen"])
    assert r.exit_code == 0, r.output
    assert next(iter(csv.DictReader(v2.open())))["score"] == top["score"]
    # bad input: an events file that is not one, a detections file missing a column
    from counterflow.cli.main import main

    with pytest.raises(SystemExit) as e:
        main(["ais", "vessels", str(det), "-o", str(v2)])
    assert e.value.code == 1
    bad = tmp_path / "bad_det.csv"
    bad.write_text("id,time,lat,lon\n1,2024-05-01T00:00:00Z,41,50\n", encoding="utf-8")
    with pytest.raises(SystemExit) as e:
        main(["ais", "events", str(src), "-o", str(out), "--no-screen", "--detections", str(bad)])
    assert e.value.code == 1
