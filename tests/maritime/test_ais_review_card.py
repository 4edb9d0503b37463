"""A vessel evidence card on the record: ``ais events --cards --record`` raises one vessel
alert per card (once), and the review web page shows the card (track, events, identities
over time, sources); the evidence page carries every track fix."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from counterflow.api.settings import ApiSettings
from counterflow.cli.main import app, main
from counterflow.maritime.synthetic import write_csv
from counterflow.review.keys import create_key
from counterflow.review.store import ReviewStore
from counterflow.service import create_app
from fake_screener import FakeScreener, sample_parties


def _events(tmp_path: Path, db: Path, *extra: str) -> str:
    src = tmp_path / "caspian.csv"
    if not src.exists():
        write_csv(src)
    r = CliRunner().invoke(
        app,
        [
            "ais",
            "events",
            str(src),
            "-o",
            str(tmp_path / "events.csv"),
            "--watch",
            "caspian",
            "--no-screen",
            "--cards",
            str(tmp_path / "cards"),
            *extra,
            "--db",
            str(db),
        ],
    )
    assert r.exit_code == 0, r.output
    return r.output


def test_record_without_cards_is_a_usage_error(tmp_path: Path) -> None:
    src = tmp_path / "caspian.csv"
    write_csv(src)
    with pytest.raises(SystemExit) as e:
        main(["ais", "events", str(src), "-o", str(tmp_path / "e.csv"), "--record"])
    assert e.value.code == 2


def test_vessel_card_on_the_review_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    db = tmp_path / "review.sqlite"
    out = _events(tmp_path, db, "--record")
    assert re.search(r"[1-9]\d* vessel alerts raised", out), out
    card = json.loads((tmp_path / "cards" / "273000001.json").read_text())
    # a second run with the same data raises nothing new
    out2 = _events(tmp_path, db, "--record")
    assert "0 vessel alerts raised" in out2, out2

    review = ReviewStore.open(db)
    alerts = [a for a in review.list_alerts() if a.customer_id == "vessel:273000001"]
    assert len(alerts) == 1
    alert_id = alerts[0].id
    key = create_key(review, "analyst", label="t", actor="test")[0]
    api = create_app(
        screener=FakeScreener(sample_parties()),
        review_db=review,
        settings=ApiSettings(rate_per_s=0),
        warm=False,
    )
    with TestClient(api) as client:
        form = client.get("/ui/login").text
        token = re.search(r'name="login_csrf" value="([0-9a-f]+)"', form)
        assert token, form[:300]
        r = client.post(
            "/ui/login",
            data={"api_key": key, "next": "/ui/", "login_csrf": token.group(1)},
            follow_redirects=True,
        )
        assert r.status_code == 200
        r = client.get(f"/ui/alerts/{alert_id}")
        assert r.status_code == 200
        page = r.text
        assert "Vessel evidence card" in page
        # the track, drawn inline (no script, no tiles) from the card's fixes
        svg = re.search(r'<svg id="vessel-track".*?<polyline points="([^"]+)"', page, re.S)
        assert svg, page[:2000]
        assert len(svg.group(1).split()) == len(card["track"]["points"])
        # every event of the card, and the identities over time
        events = page.split('id="vessel-events"')[1].split("</table>")[0]
        assert events.count("<tr>") == len(card["events"]) + 1
        for e in card["events"]:
            assert f'<th scope="row">{e["event_type"]}' in events, e["event_type"]
        ids = page.split('id="vessel-identities"')[1].split("</table>")[0]
        for i in card["identities"]:
            assert str(i["value"]) in ids
        assert "VOLGA STAR" in ids
        # the sources with their digests
        for s in card["sources"]:
            assert s["sha256"] in page
        # decide like any alert
        assert f'action="/ui/alerts/{alert_id}/decide"' in page
        r = client.get(f"/ui/runs/{alerts[0].run_id}")
        assert r.status_code == 200 and "vessel" in r.text
        r = client.get("/ui/")
        assert r.status_code == 200 and "VOLGA STAR" in r.text
        r = client.get(f"/ui/alerts/{alert_id}/evidence")
        assert r.status_code == 200 and "Vessel evidence" in r.text
        first = card["track"]["points"][0]
        assert ", ".join(str(x) for x in first) in r.text
    review.close()
