"""End to end on the real matcher and a real-format list (9 rows of the OFAC SDN CSV of
2024-05-03, loaded through ``lists load``): the API's screening, recording, deciding,
exporting and re-verifying, and the birth-date rule of issue 10 (an impossible date is
ignored for scoring, never evidence against a match) through the CLI, ``/screen/parties``
and ``/match``. A ``shared`` variant runs the same checks on the whole SDN publication."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from counterflow.api.settings import ApiSettings
from counterflow.cli.main import main
from counterflow.review.keys import create_key
from counterflow.review.store import ReviewStore
from counterflow.service import create_app
from counterflow.store import ListStore

SDN_SMALL = Path(__file__).resolve().parents[1] / "fuzz" / "fixtures" / "ofac_sdn_2024-05-03.csv"
SDN_FULL = Path(__file__).resolve().parents[3] / "shared" / "data" / "lists"
SDN_FULL = SDN_FULL / "ofac_sdn_2024-05-03.csv"
PUTIN = "us_ofac_sdn:35096"
PUTIN_FTM = "us-ofac-sdn-35096"  # the id /match answers with (FtM style)


def _cli(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return int(exc.value.code or 0)


@pytest.fixture(params=["fixture", pytest.param("shared", marks=pytest.mark.shared)])
def env(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:  # type: ignore[no-untyped-def]
    src = SDN_SMALL if request.param == "fixture" else SDN_FULL
    if not src.is_file():
        pytest.skip(f"{src} not present")
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COUNTERFLOW_DB", raising=False)
    assert _cli(["lists", "load", "-q", str(src)]) == 0
    store = ListStore.open()
    review = ReviewStore.open()
    keys = {r: create_key(review, r, actor="t")[0] for r in ("screener", "analyst", "admin")}
    app = create_app(store=store, review_db=review, settings=ApiSettings(rate_per_s=0))
    with TestClient(app) as client:
        yield {"client": client, "keys": keys, "review": review, "tmp": tmp_path}
    store.close()
    review.close()


def _h(env: dict, role: str) -> dict[str, str]:
    return {"Authorization": f"ApiKey {env['keys'][role]}"}


def _putin_score(results: list[dict]) -> float:
    return next(r["score"] for r in results if r["id"] == PUTIN_FTM)


def test_match_impossible_birth_date_is_ignored_not_evidence(env: dict) -> None:
    c = env["client"]

    def match(dates: list[str]) -> dict:
        props: dict = {"name": ["Vladimir Putin"]}
        if dates:
            props["birthDate"] = dates
        body = {"queries": {"q": {"schema": "Person", "properties": props}}}
        r = c.post("/match/default", json=body, headers=_h(env, "screener"))
        assert r.status_code == 200, r.text
        return r.json()["responses"]["q"]

    plain = match([])
    right = match(["1952-10-07"])
    assert right["results"][0]["id"] == PUTIN_FTM and right["results"][0]["match"] is True
    for bad in ("9999-12-31", "2090-01-01", "0001-01-01", "1899", "not a date"):
        got = match([bad])
        assert got["results"] and got["results"][0]["id"] == PUTIN_FTM, bad
        # ignored: the same score as giving no date at all, and said so
        assert _putin_score(got["results"]) == _putin_score(plain["results"]), bad
        assert got["results"][0]["decision"] != "clear", bad
        assert any("birthDate" in w for w in got["warnings"]), got
    assert _putin_score(right["results"]) >= _putin_score(plain["results"])


def test_screen_parties_api_refuses_impossible_birth_date(env: dict) -> None:
    c = env["client"]
    csv_body = "id,name,kind,birth_date\np1,Vladimir Putin,person,9999-12-31\n"
    r = c.post(
        "/screen/parties",
        content=csv_body.encode(),
        headers={**_h(env, "screener"), "Content-Type": "text/csv"},
    )
    assert r.status_code == 400 and "birth_date" in r.json()["detail"], r.text
    assert "future" in r.json()["detail"]


def test_screen_parties_cli_impossible_birth_date_does_not_clear(
    env: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    tmp = env["tmp"]
    inp = tmp / "parties.csv"
    inp.write_text(
        "id,name,kind,birth_date\n"
        "p1,Vladimir Putin,person,9999-12-31\n"
        "p2,Vladimir Putin,person,\n"
        "p3,Vladimir Putin,person,1952-10-07\n",
        encoding="utf-8",
    )
    out = tmp / "hits.csv"
    assert _cli(["screen", "parties", str(inp), "-o", str(out), "-q"]) == 0
    err = capsys.readouterr().err
    assert "bad birth_date" in err and "9999-12-31" in err
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    top = {r["query_id"]: r for r in rows if r["rank"] == "1"}
    assert top["p1"]["source_id"] == "35096" and top["p1"]["decision"] != "clear"
    assert top["p1"]["score"] == top["p2"]["score"]  # as if no date was given
    assert top["p3"]["decision"] == "match"


def test_api_screen_record_decide_export_verify(env: dict) -> None:
    c = env["client"]
    body = {
        "parties": [
            {"id": "=HYPERLINK(1)", "name": "Vladimir Putin", "kind": "person",
             "birth_date": "1952"},
            {"id": "k2", "name": "Alabuga Special Economic Zone", "kind": "organization"},
            {"id": "k3", "name": "Harmless Bakery GmbH", "kind": "organization"},
        ],
        "threshold": 0.5,
    }  # fmt: skip
    r = c.post("/screen/parties", json=body, headers=_h(env, "screener"))
    assert r.status_code == 200, r.text
    out = r.json()
    by_id = {x["query_id"]: x for x in out["results"]}
    assert by_id["=HYPERLINK(1)"]["hits"][0]["entity_id"] == PUTIN
    assert by_id["=HYPERLINK(1)"]["hits"][0]["decision"] == "match"
    assert any("ALABUGA" in h["entity_name"] for h in by_id["k2"]["hits"])
    assert out["run"]["alerts_raised"] >= 2
    # CSV output of the same screening: the formula-looking id is neutralised.
    r = c.post("/screen/parties?format=csv&record=false", json=body, headers=_h(env, "screener"))
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows[0]["query_id"] == "'=HYPERLINK(1)"
    # Decide, export, verify.
    alert_id = out["run"]["alert_ids"][0]
    d = {"decision": "true_match", "reason": "listed president"}
    r = c.post(f"/alerts/{alert_id}/decision", json=d, headers=_h(env, "analyst"))
    assert r.status_code == 200 and r.json()["status"] == "true_match", r.text
    r = c.get("/exports/decisions?since=2000-01-01", headers=_h(env, "analyst"))
    assert r.status_code == 200
    exported = list(csv.DictReader(io.StringIO(r.text)))
    assert [e["alert_id"] for e in exported] == [str(alert_id)]
    assert exported[0]["customer_id"] == "'=HYPERLINK(1)"
    r = c.get("/audit/head", headers=_h(env, "admin"))
    anchor = f"{r.json()['seq']}:{r.json()['hash']}"
    r = c.get(f"/audit/verify?anchor={anchor}", headers=_h(env, "admin"))
    assert r.json()["ok"] is True, r.json()
    # An edit behind the service's back is caught.
    with env["review"].backend.write() as tx:
        tx.execute("UPDATE decisions SET decision = 'false_positive'")
    r = c.get("/audit/verify", headers=_h(env, "admin"))
    assert r.json()["ok"] is False and "decisions row" in r.json()["problem"]


def test_web_upload_on_the_real_matcher(env: dict) -> None:
    """The review page's CSV upload screens through the same real matcher: PUTIN found,
    an impossible birth date refused with a message, the run recorded."""
    import re

    c = env["client"]
    c.cookies.clear()
    html = c.get("/ui/login").text
    token = re.search(r'name="login_csrf" value="([0-9a-f]+)"', html)
    assert token
    r = c.post(
        "/ui/login",
        data={"api_key": env["keys"]["analyst"], "next": "/ui/", "login_csrf": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = c.get("/ui/screen").text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert csrf
    good = b"id,name,kind,birth_date\nw1,Vladimir Putin,person,1952-10-07\n"
    r = c.post(
        "/ui/screen",
        data={"csrf": csrf.group(1), "threshold": "0.5"},
        files={"file": ("p.csv", good, "text/csv")},
    )
    assert r.status_code == 200 and "Run #" in r.text and PUTIN in r.text, r.text[:500]
    bad = b"id,name,kind,birth_date\nw2,Vladimir Putin,person,2090-01-01\n"
    r = c.post(
        "/ui/screen", data={"csrf": csrf.group(1)}, files={"file": ("p.csv", bad, "text/csv")}
    )
    assert r.status_code == 400 and "future" in r.text
