"""Alerts and decisions over HTTP: decide, conflicts, re-open, exports guarded against
formulas, injection in every field harmless, concurrent decisions without loss."""

from __future__ import annotations

import csv
import io
import threading

from counterflow.records.model import Party

EVIL = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "<script>alert(1)</script>",
    "Robert'); DROP TABLE alerts;--",
    '" onmouseover="alert(1)',
]


def _screen(env, parties):
    r = env.client.post("/screen/parties", json={"parties": parties}, headers=env.h("screener"))
    assert r.status_code == 200, r.text
    return r.json()


def _first_alert(env) -> int:
    _screen(env, [{"id": "c1", "name": "Alfa Komponent LLC", "kind": "organization"}])
    alerts = env.client.get("/alerts", headers=env.h("analyst")).json()["alerts"]
    return alerts[0]["id"]


def test_decide_flow_and_conflicts(env) -> None:
    aid = _first_alert(env)
    h = env.h("analyst")
    r = env.client.post(f"/alerts/{aid}/decision", json={"decision": "false_positive"}, headers=h)
    assert r.status_code == 400 and "reason" in r.json()["detail"]
    r = env.client.post(f"/alerts/{aid}/decision", json={"decision": "maybe"}, headers=h)
    assert r.status_code == 422
    r = env.client.post(
        f"/alerts/{aid}/decision",
        json={"decision": "false_positive", "reason": "different INN", "expected_version": 1},
        headers=h,
    )
    assert r.status_code == 200 and r.json()["status"] == "false_positive"
    r = env.client.post(f"/alerts/{aid}/decision", json={"decision": "true_match"}, headers=h)
    assert r.status_code == 409
    assert env.client.get("/alerts/999", headers=h).status_code == 404
    r = env.client.post(f"/alerts/{aid}/reopen", json={"reason": "new info"}, headers=h)
    assert r.json()["status"] == "open"
    r = env.client.post(
        f"/alerts/{aid}/decision", json={"decision": "true_match", "expected_version": 2}, headers=h
    )
    assert r.status_code == 409  # stale version
    hist = env.client.get(f"/alerts/{aid}", headers=h).json()["decisions"]
    assert [d["decision"] for d in hist] == ["false_positive", "reopen"]
    assert env.client.get("/audit/verify", headers=env.h("admin")).json()["ok"] is True


def test_allow_list_via_api_suppresses_next_run(env) -> None:
    aid = _first_alert(env)
    env.client.post(
        f"/alerts/{aid}/decision",
        json={"decision": "false_positive", "reason": "other company"},
        headers=env.h("analyst"),
    )
    data = _screen(env, [{"id": "c1", "name": "Alfa Komponent LLC", "kind": "organization"}])
    reviews = {h["entity_id"]: h.get("review") for h in data["results"][0]["hits"]}
    assert reviews["us_ofac_sdn:36"] == "suppressed"
    # Customer data changes: the same alert comes back for review (one per customer x entity).
    data = _screen(
        env,
        [{"id": "c1", "name": "Alfa Komponent LLC", "kind": "organization", "country": "RU"}],
    )
    hit = next(h for h in data["results"][0]["hits"] if h["entity_id"] == "us_ofac_sdn:36")
    assert hit["review"] == "reopened" and hit["alert_id"] == aid
    assert hit["entity_group"] == "us_ofac_sdn:36"
    a = env.client.get(f"/alerts/{aid}", headers=env.h("analyst")).json()
    assert (
        a["status"] == "open" and a["entity_group"]["records"][0]["entity_id"] == hit["entity_id"]
    )


def test_manual_alert(env) -> None:
    r = env.client.post(
        "/alerts",
        json={
            "customer": {"id": "k9", "name": "Some Trading"},
            "entity_id": "us_ofac_sdn:36",
            "note": "tip from compliance",
        },
        headers=env.h("screener"),
    )
    assert r.status_code == 201, r.text
    a = env.client.get(f"/alerts/{r.json()['alert_ids'][0]}", headers=env.h("analyst")).json()
    assert a["record"]["name"] == "Alfa Komponent LLC" and "tip" in a["explanation"]
    r = env.client.post(
        "/alerts",
        json={"customer": {"id": "k9", "name": "x"}, "entity_id": "us_ofac_sdn:nope"},
        headers=env.h("screener"),
    )
    assert r.status_code == 404


def test_injection_in_every_field_is_harmless(env_factory) -> None:
    evil_party = Party(
        dataset="us_ofac_sdn",
        source_id="<b>666</b>",
        kind="person",
        name="<script>alert(1)</script> Evil Name",
        programs=["=cmd()"],
        remarks="<img src=x onerror=alert(1)>",
    )
    e = env_factory(parties=[evil_party])
    parties = [
        {
            "id": s,
            "name": "<script>alert(1)</script> Evil Name",
            "address": s,
            "notes": s,
            "kind": "person",
        }
        for s in EVIL
    ]
    data = _screen(e, parties)
    assert data["run"]["alerts_raised"] == len(EVIL)
    h = e.h("analyst")
    alerts = e.client.get("/alerts", headers=h).json()["alerts"]
    assert {a["customer_id"] for a in alerts} == set(EVIL)  # stored verbatim, tables intact
    for i, a in enumerate(alerts):
        reason = EVIL[i % len(EVIL)]
        r = e.client.post(
            f"/alerts/{a['id']}/decision",
            json={"decision": "false_positive", "reason": reason},
            headers=h,
        )
        assert r.status_code == 200
        page = e.client.get(f"/alerts/{a['id']}/evidence", headers=h).text
        assert "<script>" not in page and "<img" not in page and "<b>666" not in page
        assert "&lt;script&gt;" in page
    # Exports: every cell that could start a formula is defused.
    text = e.client.get("/exports/decisions", headers=h).text
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    assert any(cell.startswith("'=") for row in rows for cell in row)
    js = e.client.get("/exports/decisions", params={"format": "json"}, headers=h).json()
    assert {d["customer_id"] for d in js["decisions"]} == set(EVIL)  # JSON keeps values exact
    # The audit chain stays valid.
    assert e.client.get("/audit/verify", headers=e.h("admin")).json()["ok"]


def test_export_period_filter(env) -> None:
    aid = _first_alert(env)
    env.client.post(
        f"/alerts/{aid}/decision",
        json={"decision": "needs_info", "reason": "?"},
        headers=env.h("analyst"),
    )
    inside = env.client.get(
        "/exports/decisions",
        params={"since": "2000-01-01", "until": "2999-01-01"},
        headers=env.h("analyst"),
    ).text
    outside = env.client.get(
        "/exports/decisions", params={"since": "2999-01-01"}, headers=env.h("analyst")
    ).text
    assert len(inside.strip().splitlines()) == 2
    assert len(outside.strip().splitlines()) == 1


def test_concurrent_decisions_over_http(env) -> None:
    aid = _first_alert(env)
    n = 12
    codes: list[int] = []
    lock = threading.Lock()

    def post(i: int) -> None:
        r = env.client.post(
            f"/alerts/{aid}/decision",
            json={"decision": "needs_info", "reason": f"q{i}"},
            headers=env.h("analyst"),
        )
        with lock:
            codes.append(r.status_code)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * n
    a = env.client.get(f"/alerts/{aid}", headers=env.h("analyst")).json()
    assert sorted(d["reason"] for d in a["decisions"]) == sorted(f"q{i}" for i in range(n))
    assert a["version"] == 1 + n


def test_audit_endpoint_lists_events(env) -> None:
    aid = _first_alert(env)
    env.client.post(
        f"/alerts/{aid}/decision",
        json={"decision": "true_match", "reason": "same INN"},
        headers=env.h("analyst"),
    )
    entries = env.client.get("/audit", headers=env.h("analyst")).json()["entries"]
    events = [e["event"] for e in entries]
    assert {"key.create", "run", "alert", "decision"} <= set(events)
    dec = next(e for e in entries if e["event"] == "decision")
    assert dec["actor"].startswith("key:") and dec["subject"] == f"alert:{aid}"
    assert all(entries[i]["prev_hash"] == entries[i - 1]["hash"] for i in range(1, len(entries)))


def test_certificates_of_run_and_decision(env) -> None:
    from counterflow.review.certificates import verify

    aid = _first_alert(env)
    h = env.h("analyst")
    a = env.client.get(f"/alerts/{aid}", headers=h).json()
    r = env.client.get(f"/runs/{a['run_id']}/certificate", headers=h)
    assert r.status_code == 200 and verify(r.json()).type == "screening_run"
    assert r.json()["certificate"]["run"]["id"] == a["run_id"]
    assert env.client.get(f"/alerts/{aid}/certificate", headers=h).status_code == 400  # open
    env.client.post(
        f"/alerts/{aid}/decision", json={"decision": "true_match", "reason": "ok"}, headers=h
    )
    pdf = env.client.get(f"/alerts/{aid}/certificate?format=pdf", headers=h)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert (
        env.client.get(f"/runs/{a['run_id']}/certificate", headers=env.h("screener")).status_code
        == 403
    )
    assert env.client.get("/runs/9999/certificate", headers=h).status_code == 404
