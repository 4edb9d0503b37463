"""/metrics (Prometheus text: request latency by route template, screenings, recorded
runs, alerts raised, list age) and /docs served from packaged assets only."""

from __future__ import annotations

import re

from counterflow.api.settings import ApiSettings

MATCH = {"queries": {"a": {"schema": "Person", "properties": {"name": ["Ivan Petrov"]}}}}


def sample(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        m = re.match(r"^([a-zA-Z_:][\w:]*)(\{.*\})?\s+(\S+)$", line)
        if line.startswith("#") or not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


def test_metrics_count_requests_screenings_alerts_and_list_age(env) -> None:
    before = env.client.get("/metrics")
    assert before.status_code == 200
    assert before.headers["content-type"].startswith("text/plain")
    t0 = before.text
    two = {
        "queries": {
            **MATCH["queries"],
            "b": {"schema": "Company", "properties": {"name": ["Alfa"]}},
        }
    }
    for _ in range(3):
        assert (
            env.client.post("/match/default", json=two, headers=env.h("screener")).status_code
            == 200
        )
    body = {"parties": [{"id": "m1", "name": "Alfa Komponent LLC", "kind": "organization"}]}
    r = env.client.post("/screen/parties", json=body, headers=env.h("screener"))
    assert r.status_code == 200
    raised = r.json()["run"]["alerts_raised"]
    assert raised >= 1
    t1 = env.client.get("/metrics").text

    def delta(name: str, **labels: str) -> float:
        return sample(t1, name, **labels) - sample(t0, name, **labels)

    assert delta("counterflow_screenings_total", endpoint="match") == 6
    assert delta("counterflow_screenings_total", endpoint="parties") == 1
    assert (
        delta(
            "counterflow_http_request_duration_seconds_count",
            method="POST",
            route="/match/{dataset}",
            status="200",
        )
        == 3
    )
    # By route template, never the raw path.
    assert 'route="/match/default"' not in t1
    # Read from the review store: every process's runs count.
    assert sample(t1, "counterflow_recorded_screenings_total", source="api", kind="parties") == 1
    assert sample(t1, "counterflow_alerts_raised_total", source="api") == raised
    assert sample(t1, "counterflow_alerts", status="open") == raised
    for ds in ("us_ofac_sdn", "gb_hmt_sanctions"):
        assert 0 <= sample(t1, "counterflow_list_age_seconds", dataset=ds) < 3600
        assert sample(t1, "counterflow_list_records", dataset=ds) >= 1


def test_metrics_key_when_configured(env_factory) -> None:
    e = env_factory(settings=ApiSettings(rate_per_s=0, metrics_need_key=True))
    assert e.client.get("/metrics").status_code == 401
    assert e.client.get("/metrics", headers=e.h("screener")).status_code == 200


def test_docs_need_nothing_from_outside(env) -> None:
    html = env.client.get("/docs").text
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html)
    assert urls, html
    assert all(u.startswith("/") for u in urls), urls
    assert "validatorUrl" in html and '"validatorUrl": null' in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"):
        r = env.client.get(f"/docs/static/{asset}")
        assert r.status_code == 200 and len(r.content) > 1000, asset
    assert "cdn.jsdelivr.net" not in html and "fastapi.tiangolo.com" not in html
    assert env.client.get("/docs/oauth2-redirect").status_code == 200
