"""The watch list: defaults with sources, add / list / show from the CLI, bad GeoJSON."""

from __future__ import annotations

import json

from sites_helpers import run, site_geojson

DEFAULTS = {
    "alabuga-sez",
    "yelabuga-dormitories",
    "amirabad-port",
    "anzali-port",
    "astrakhan-port",
    "olya-port",
    "makhachkala-port",
}


def test_default_sites_have_polygons_and_public_sources(home, capsys) -> None:
    code, out, _ = run(["sites", "list", "--json"], capsys)
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    assert set(rows) >= DEFAULTS
    for name in DEFAULTS:
        r = rows[name]
        assert r["sources"] and all(isinstance(s, str) and s for s in r["sources"])
        assert r["origin"] == "default" and 0 < r["area_km2"] < 200
    lon, lat = rows["alabuga-sez"]["centroid"]
    assert 51.9 < lon < 52.2 and 55.7 < lat < 55.9


def test_add_show_and_replace_a_site(tmp_path, home, capsys) -> None:
    gj = site_geojson(tmp_path / "plant.geojson", (52.0, 55.78, 52.02, 55.79))
    code, _, err = run(
        ["sites", "add", "plant-1", "--geojson", str(gj), "--note", "hall 3"], capsys
    )
    assert code == 0, err
    code, out, _ = run(["sites", "show", "plant-1"], capsys)
    doc = json.loads(out)
    assert doc["geometry"]["type"] == "Polygon"
    assert doc["properties"]["note"] == "hall 3" and doc["properties"]["origin"] == "user"
    code, _, err = run(["sites", "add", "plant-1", "--geojson", str(gj)], capsys)
    assert code == 1 and "--replace" in err
    code, _, _ = run(["sites", "add", "plant-1", "--geojson", str(gj), "--replace"], capsys)
    assert code == 0
    code, out, _ = run(["sites", "list"], capsys)
    assert "plant-1" in out and "alabuga-sez" in out


def test_bad_geojson_is_refused(tmp_path, home, capsys) -> None:
    p = tmp_path / "point.geojson"
    p.write_text(json.dumps({"type": "Point", "coordinates": [52.0, 55.8]}))
    code, _, err = run(["sites", "add", "x", "--geojson", str(p)], capsys)
    assert code == 1 and "Polygon" in err and "point.geojson" in err
    p.write_text("{not json")
    code, _, err = run(["sites", "add", "x", "--geojson", str(p)], capsys)
    assert code == 1 and "not JSON" in err
    utm = site_geojson(tmp_path / "utm.geojson", (400000, 6180000, 400100, 6180100))
    code, _, err = run(["sites", "add", "x", "--geojson", str(utm)], capsys)
    assert code == 1 and "lon/lat" in err
    code, _, err = run(["sites", "show", "nowhere"], capsys)
    assert code == 1 and "no watched site" in err


def test_shipped_model_matches_the_features() -> None:
    from counterflow.sites.features import FEATURE_NAMES
    from counterflow.sites.model import shipped_model

    m = shipped_model()
    assert m.meta["features"] == list(FEATURE_NAMES)
    assert 0 < m.threshold < 1 and m.scale >= 1
    assert m.meta["fitted_on"] and m.meta["command"].startswith("python -m counterflow.sites.fit")
