"""Every route refuses missing, unknown and too-low-role keys; health is open; rate
limits answer 429; the OpenAPI document is published."""

from __future__ import annotations

import pytest

from counterflow.api.settings import ApiSettings

MATCH_BODY = {"queries": {"q1": {"schema": "Person", "properties": {"name": ["Ivan Petrov"]}}}}
DECISION = {"decision": "needs_info", "reason": "x"}

# (method, path, lowest role allowed, json body)
ROUTES: list[tuple[str, str, str, object]] = [
    ("POST", "/match/default", "screener", MATCH_BODY),
    ("POST", "/match/us_ofac_sdn", "screener", MATCH_BODY),
    ("GET", "/search?q=alfa", "screener", None),
    ("GET", "/search/us_ofac_sdn?q=alfa", "screener", None),
    ("POST", "/screen/parties", "screener", {"parties": [{"id": "1", "name": "Ivan Petrov"}]}),
    ("POST", "/screen/orders", "screener", {"orders": []}),
    ("GET", "/lists/status", "screener", None),
    ("GET", "/catalog", "screener", None),
    ("GET", "/algorithms", "screener", None),
    ("GET", "/entities/us-ofac-sdn-1", "screener", None),
    ("POST", "/alerts", "screener", {"customer": {"id": "c", "name": "x"}, "entity_id": "a:b"}),
    ("GET", "/alerts", "analyst", None),
    ("GET", "/alerts/1", "analyst", None),
    ("POST", "/alerts/1/decision", "analyst", DECISION),
    ("POST", "/alerts/1/reopen", "analyst", {"reason": "x"}),
    ("GET", "/alerts/1/evidence", "analyst", None),
    ("GET", "/runs/1", "analyst", None),
    ("GET", "/runs/1/certificate", "analyst", None),
    ("GET", "/alerts/1/certificate", "analyst", None),
    ("GET", "/exports/decisions", "analyst", None),
    ("GET", "/audit", "analyst", None),
    ("GET", "/sites", "analyst", None),
    ("GET", "/sites/alabuga-sez", "analyst", None),
    ("GET", "/audit/verify", "admin", None),
    ("GET", "/audit/head", "admin", None),
    ("POST", "/keys", "admin", {"role": "screener"}),
    ("GET", "/keys", "admin", None),
    ("DELETE", "/keys/1", "admin", None),
    ("POST", "/rescreen", "admin", None),
]
LOWER = {"analyst": "screener", "admin": "analyst"}
# What the right role gets on a fresh store (no alert or run 1 yet; "a:b" is not listed;
# an empty order list is bad input): exact codes, so a 500 or a wrong 200 fails.
EXPECTED: dict[tuple[str, str], int] = {
    ("POST", "/screen/orders"): 400,
    ("POST", "/alerts"): 404,
    ("GET", "/alerts/1"): 404,
    ("POST", "/alerts/1/decision"): 404,
    ("POST", "/alerts/1/reopen"): 404,
    ("GET", "/alerts/1/evidence"): 404,
    ("GET", "/runs/1"): 404,
    ("GET", "/runs/1/certificate"): 404,
    ("GET", "/alerts/1/certificate"): 404,
    ("POST", "/keys"): 201,
    ("GET", "/entities/us-ofac-sdn-1"): 404,
}


def test_route_table_covers_every_api_route(env) -> None:
    declared = {
        (m, p) for p, item in env.client.get("/openapi.json").json()["paths"].items() for m in item
    }
    covered = set()
    for method, path, _, _ in ROUTES:
        template = path.split("?")[0]
        for spec_path in {p for _, p in declared}:
            parts, sparts = template.strip("/").split("/"), spec_path.strip("/").split("/")
            if len(parts) == len(sparts) and all(
                s.startswith("{") or s == q for q, s in zip(parts, sparts, strict=True)
            ):
                covered.add((method.lower(), spec_path))
    missing = {
        d for d in declared if d not in covered and d[1] not in ("/healthz", "/readyz", "/metrics")
    }
    assert missing == set()


@pytest.mark.parametrize(("method", "path", "role", "body"), ROUTES)
def test_unauthenticated_refused(env, method, path, role, body) -> None:
    for headers in (
        {},
        {"Authorization": "ApiKey cf_not-a-real-key"},
        {"Authorization": f"Bearer {env.keys['admin']}"},
        {"Authorization": "ApiKey "},
    ):
        r = env.client.request(method, path, json=body, headers=headers)
        assert r.status_code == 401, (path, headers, r.text)


@pytest.mark.parametrize(
    ("method", "path", "role", "body"), [r for r in ROUTES if r[2] != "screener"]
)
def test_wrong_role_refused(env, method, path, role, body) -> None:
    lower = [LOWER[role]] + (["screener"] if role == "admin" else [])
    for low in lower:
        r = env.client.request(method, path, json=body, headers=env.h(low))
        assert r.status_code == 403, (path, low, r.text)


@pytest.mark.parametrize(("method", "path", "role", "body"), ROUTES)
def test_right_role_passes_auth(env, method, path, role, body) -> None:
    r = env.client.request(method, path, json=body, headers=env.h(role))
    assert r.status_code == EXPECTED.get((method, path), 200), (path, r.text)
    if r.status_code >= 400:
        assert r.json()["detail"], r.text  # a message, not an empty error


def test_alert_routes_answer_200_once_an_alert_exists(env) -> None:
    r = env.client.post(
        "/screen/parties",
        json={"parties": [{"id": "c1", "name": "Alfa Komponent LLC"}], "threshold": 0.3},
        headers=env.h("screener"),
    )
    assert r.status_code == 200, r.text
    alert_id = r.json()["run"]["alert_ids"][0]
    run_id = r.json()["run"]["run_id"]
    h = env.h("analyst")
    assert env.client.get(f"/alerts/{alert_id}", headers=h).status_code == 200
    assert env.client.get(f"/alerts/{alert_id}/evidence", headers=h).status_code == 200
    assert env.client.get(f"/runs/{run_id}", headers=h).status_code == 200
    r = env.client.post(f"/alerts/{alert_id}/decision", json=DECISION, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "needs_info", r.text
    r = env.client.post(f"/alerts/{alert_id}/reopen", json={"reason": "x"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "open", r.text


def test_revoked_key_refused(env) -> None:
    r = env.client.post("/keys", json={"role": "screener"}, headers=env.h("admin"))
    new = r.json()
    h = {"Authorization": f"ApiKey {new['key']}"}
    assert env.client.get("/lists/status", headers=h).status_code == 200
    assert env.client.delete(f"/keys/{new['id']}", headers=env.h("admin")).status_code == 200
    assert env.client.get("/lists/status", headers=h).status_code == 401
    listed = env.client.get("/keys", headers=env.h("admin")).json()
    assert all("key_hash" not in k and new["key"] not in str(k) for k in listed)


def test_health_needs_no_key_and_openapi_published(env) -> None:
    assert env.client.get("/healthz").json() == {"status": "ok"}
    assert env.client.get("/readyz").json() == {"status": "ok"}
    spec = env.client.get("/openapi.json").json()
    assert "/match/{dataset}" in spec["paths"]
    assert env.client.get("/docs").status_code == 200


def test_rate_limit_answers_429(env_factory) -> None:
    # One token per 1,000 s: after the burst of 3 every request is refused, whatever the
    # machine's speed.
    e = env_factory(settings=ApiSettings(rate_per_s=0.001, burst=3))
    codes = [e.client.get("/lists/status", headers=e.h("screener")).status_code for _ in range(6)]
    assert codes == [200, 200, 200, 429, 429, 429]
    r = e.client.get("/lists/status", headers=e.h("screener"))
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 1000
    # Another key has its own bucket.
    assert e.client.get("/lists/status", headers=e.h("analyst")).status_code == 200


def test_keys_stored_hashed(env) -> None:
    with env.review.backend.read() as tx:
        rows = tx.all("SELECT key_hash FROM api_keys")
    assert rows and all(r["key_hash"] not in env.keys.values() for r in rows)
    assert all(len(r["key_hash"]) == 64 for r in rows)
