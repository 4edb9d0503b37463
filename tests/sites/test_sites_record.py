"""A --site scan on the record: run, site alert above threshold (once), evidence page with
the three images and the scene digests, GET /sites, the review web page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sites_helpers import (
    SIZE,
    ground,
    lonlat_bounds,
    run,
    save_geotiff,
    site_geojson,
    with_building,
)

from counterflow.api.settings import ApiSettings
from counterflow.review.keys import create_key
from counterflow.review.store import ReviewStore
from counterflow.service import create_app
from fake_screener import FakeScreener, sample_parties


@pytest.fixture()
def geo_site(tmp_path: Path, home: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    before = ground(20)
    a = save_geotiff(before, tmp_path / "plant_2023-06-01.tif")
    b = save_geotiff(with_building(before), tmp_path / "plant_2023-09-15.tif")
    x0, y0 = 400000.0, 6180000.0 - SIZE
    gj = site_geojson(
        tmp_path / "site.geojson",
        lonlat_bounds("EPSG:32639", (x0 + 10, y0 + 10, x0 + 180, y0 + 180)),
    )
    code, _, err = run(
        ["sites", "add", "plant", "--geojson", str(gj), "--threshold", "0.02", "--note", "halls"],
        capsys,
    )
    assert code == 0, err
    return a, b


def test_site_scan_raises_one_alert_with_evidence(geo_site, tmp_path, home, capsys) -> None:
    a, b = geo_site
    db = str(tmp_path / "review.sqlite")
    argv = ["sites", "scan", "--site", "plant", str(a), str(b), "--method", "cva", "--db", db]
    code, _, err = run([*argv, "-o", str(tmp_path / "o1")], capsys)
    assert code == 0, err
    assert "raised site alert" in err
    code, _, err = run([*argv, "-o", str(tmp_path / "o2")], capsys)
    assert code == 0 and "existing site alert" in err
    review = ReviewStore.open(db)
    try:
        alerts = review.list_alerts(status="open")
        assert len(alerts) == 1
        al = alerts[0]
        assert al.kind == "site" and al.dataset == "sites" and al.customer_id == "site:plant"
        summary = json.loads((tmp_path / "o1" / "summary.json").read_text())
        assert al.score == pytest.approx(summary["changed_fraction"])
        assert al.record["before"]["sha256"] == summary["before"]["sha256"]
        assert al.record["after"]["date"] == "2023-09-15"
        from counterflow.review.evidence import evidence_html

        html = evidence_html(review, al.id, actor="test")
        assert html.count("data:image/jpeg;base64,") == 3
        assert summary["before"]["sha256"] in html and summary["after"]["sha256"] in html
        assert "2023-06-01" in html and "verified" in html
        assert len(review.list_runs()) == 2
        assert review.verify_audit().ok
    finally:
        review.close()


def test_scan_below_threshold_records_a_run_without_alert(tmp_path, home, capsys) -> None:
    img = ground(21)
    a = save_geotiff(img, tmp_path / "a.tif")
    b = save_geotiff(img * 0.9, tmp_path / "b.tif")
    x0, y0 = 400000.0, 6180000.0 - SIZE
    gj = site_geojson(
        tmp_path / "s.geojson", lonlat_bounds("EPSG:32639", (x0, y0, x0 + SIZE, y0 + SIZE))
    )
    run(["sites", "add", "calm", "--geojson", str(gj), "--threshold", "0.05"], capsys)
    db = str(tmp_path / "review.sqlite")
    code, _, err = run(
        ["sites", "scan", "--site", "calm", str(a), str(b), "-o", str(tmp_path / "o"), "--db", db],
        capsys,
    )
    assert code == 0, err
    assert "no alert" in err
    review = ReviewStore.open(db)
    try:
        assert review.list_alerts(status=None) == []
        assert review.list_runs()[0]["kind"] == "site"
    finally:
        review.close()


def test_api_sites_and_review_page_show_the_site_alert(geo_site, tmp_path, home, capsys) -> None:
    a, b = geo_site
    db = tmp_path / "review.sqlite"
    code, _, err = run(
        [
            "sites",
            "scan",
            "--site",
            "plant",
            str(a),
            str(b),
            "-o",
            str(tmp_path / "o"),
            "--method",
            "cva",
            "--db",
            str(db),
        ],
        capsys,
    )
    assert code == 0, err
    review = ReviewStore.open(db)
    key = create_key(review, "analyst", label="t", actor="test")[0]
    app = create_app(
        screener=FakeScreener(sample_parties()),
        review_db=review,
        settings=ApiSettings(rate_per_s=0),
        warm=False,
    )
    with TestClient(app) as client:
        h = {"Authorization": f"ApiKey {key}"}
        assert client.get("/sites").status_code == 401
        r = client.get("/sites", headers=h)
        assert r.status_code == 200
        sites = {s["name"]: s for s in r.json()["sites"]}
        assert "alabuga-sez" in sites and sites["alabuga-sez"]["alerts"] == []
        plant = sites["plant"]
        assert plant["open_alerts"] == 1
        assert plant["alerts"][0]["after_date"] == "2023-09-15"
        r = client.get("/sites/plant", headers=h)
        assert r.status_code == 200 and r.json()["geometry"]["type"] == "Polygon"
        assert "jpeg_base64" not in r.text
        assert client.get("/sites/nowhere", headers=h).status_code == 404
        alert_id = plant["alerts"][0]["id"]
        r = client.get(f"/alerts/{alert_id}/evidence", headers=h)
        assert r.status_code == 200 and "Site-watch evidence" in r.text
        # the review web page
        form = client.get("/ui/login").text
        token = re.search(r'name="login_csrf" value="([0-9a-f]+)"', form)
        assert token, form[:300]
        r = client.post(
            "/ui/login",
            data={"api_key": key, "next": "/ui/", "login_csrf": token.group(1)},
            follow_redirects=True,
        )
        assert r.status_code == 200 and "plant" in r.text
        r = client.get(f"/ui/alerts/{alert_id}")
        assert r.status_code == 200 and "Site scan" in r.text and "2023-09-15" in r.text
        r = client.get(f"/ui/alerts/{alert_id}/evidence")
        assert r.status_code == 200 and "img-src data:" in r.headers["content-security-policy"]
    review.close()
