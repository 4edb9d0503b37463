"""The API and re-screening through the real matcher (``counterflow.match``), not a fake."""

from __future__ import annotations

import copy
from pathlib import Path

from fastapi.testclient import TestClient

from counterflow.api.settings import ApiSettings
from counterflow.lists.base import ParseResult
from counterflow.match import open_screener
from counterflow.match.types import Query
from counterflow.records.model import Party
from counterflow.review.keys import create_key
from counterflow.review.recording import screen_and_record
from counterflow.review.rescreen import rescreen
from counterflow.review.store import ReviewStore
from counterflow.service import create_app
from counterflow.store import ListStore


def test_match_and_rescreen_with_real_screener(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COUNTERFLOW_DB", raising=False)
    store = ListStore.open(tmp_path / "lists.sqlite")
    v1 = _parties()
    store.load(ParseResult(dataset="us_ofac_sdn", version="v1", records=v1, files=[]))
    review = ReviewStore.open(tmp_path / "review.sqlite")
    key, _ = create_key(review, "screener", actor="t")
    app = create_app(store=store, review_db=review, settings=ApiSettings(rate_per_s=0))
    body = {
        "queries": {
            "q1": {
                "schema": "Person",
                "properties": {"name": ["Vladimir Putin"], "birthDate": ["1952-10-07"]},
            },
            "q2": {"schema": "Company", "properties": {"name": ["Kupol Izhevsk"]}},
        }
    }
    with TestClient(app) as client:
        r = client.post("/match/default", json=body, headers={"Authorization": f"ApiKey {key}"})
        assert r.status_code == 200, r.text
        q1 = r.json()["responses"]["q1"]["results"]
        assert q1[0]["id"] == "us-ofac-sdn-1" and q1[0]["match"] is True
        assert 0.0 <= q1[0]["score"] <= 1.0
        assert q1[0]["properties"]["birthDate"] == ["1952-10-07"]
    # Re-screening with the real record-level screener (PartyScreener.from_parties).
    screener = open_screener(store)
    customers = [
        Query(id="k1", name="Ivan Drakonov", kind="person"),
        Query(id="k2", name="Kupol Izhevsk Electromechanical Plant", kind="organization"),
    ]
    screen_and_record(review, screener, customers, actor="t", list_store=store)
    rescreen(review, store, actor="t")  # baseline
    v2 = [
        *copy.deepcopy(v1),
        Party(dataset="us_ofac_sdn", source_id="3", kind="person", name="Ivan Drakonov"),
    ]
    store.load(ParseResult(dataset="us_ofac_sdn", version="v2", records=v2, files=[]))
    res = rescreen(review, store, actor="t")
    assert res.records_screened == 1
    assert res.run is not None
    raised = {
        (a.customer_id, a.entity_id) for a in review.list_alerts() if a.run_id == res.run.run_id
    }
    assert raised == {("k1", "us_ofac_sdn:3")}
    assert review.verify_audit().ok
    review.close()
    store.close()


def _parties() -> list[Party]:
    from counterflow.records.model import Alias, BirthDate, CountryRef

    return [
        Party(
            dataset="us_ofac_sdn",
            source_id="1",
            kind="person",
            name="Vladimir Putin",
            aliases=[Alias("Vladimir Vladimirovich Putin")],
            birth_dates=[BirthDate("1952-10-07")],
            countries=[CountryRef("ru", "nationality")],
        ),
        Party(
            dataset="us_ofac_sdn",
            source_id="2",
            kind="organization",
            name="Kupol Izhevsk Electromechanical Plant JSC",
        ),
    ]


def test_service_audits_list_changes_once(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    review = ReviewStore.open(tmp_path / "review.sqlite")
    assert review.note_lists("fp1", {"a": {"version": "1"}}, "service") is True
    assert review.note_lists("fp1", {"a": {"version": "1"}}, "service") is False
    assert review.note_lists("fp2", {"a": {"version": "2"}}, "service") is True
    with review.backend.read() as tx:
        rows = tx.all("SELECT data FROM audit WHERE event = 'list.update' ORDER BY seq")
    assert len(rows) == 2 and '"previous":"fp1"' in rows[1]["data"]
    review.close()
