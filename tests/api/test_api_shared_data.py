"""End to end on a real published list (UK OFSI consolidated list from ../shared/data):
load it with the CLI, serve the app, ``POST /match`` in yente's shape, record a run and
open the evidence page. Skips when the shared data folder is absent."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from counterflow.api.settings import ApiSettings
from counterflow.review.keys import create_key
from counterflow.review.store import ReviewStore
from counterflow.service import create_app

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
UK = SHARED / "lists" / "uk_ofsi_conlist_2025-04-10.csv.gz"

pytestmark = pytest.mark.shared


def test_match_and_record_on_the_uk_list(tmp_path: Path, monkeypatch) -> None:
    if not UK.exists():
        pytest.skip(f"shared data not found: {UK}")
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COUNTERFLOW_DB", raising=False)
    from counterflow.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(["lists", "load", str(UK), "-q"])
    assert exc.value.code == 0
    review = ReviewStore.open()
    key, _ = create_key(review, "analyst", actor="t")
    h = {"Authorization": f"ApiKey {key}"}
    app = create_app(review_db=review, settings=ApiSettings(rate_per_s=0))
    body = {
        "queries": {
            "q1": {
                "schema": "Person",
                "properties": {"name": ["Vladimir Putin"], "birthDate": ["1952-10-07"]},
            }
        }
    }
    with TestClient(app) as c:
        r = c.post("/match/gb_hmt_sanctions", json=body, headers=h)
        assert r.status_code == 200, r.text
        top = r.json()["responses"]["q1"]["results"][0]
        assert top["datasets"] == ["gb_hmt_sanctions"] and top["match"] is True
        assert "PUTIN" in top["caption"].upper()
        assert "1952-10-07" in top["properties"]["birthDate"]
        r = c.post(
            "/screen/parties",
            content=b"id,name,kind,birth_date\nc1,Vladimir Putin,person,1952-10-07\n",
            headers=h | {"Content-Type": "text/csv"},
            params={"threshold": 0.7},
        )
        assert r.status_code == 200, r.text
        run = r.json()["run"]
        assert run["alerts_raised"] >= 1
        page = c.get(f"/alerts/{run['alert_ids'][0]}/evidence", headers=h).text
        assert "gb_hmt_sanctions" in page and "2025-04-10" in page  # list version in force
    review.close()
