"""The composed service without containers: the same processes deploy/compose.yaml
starts, started directly as docs/deploy.md says. PostgreSQL (from .ci/services.sh) holds
the review record; ``counterflow serve`` runs with several workers on loopback, configured
only by the compose file's environment; a client screens through it over HTTP, /metrics
adds up every worker's counts, the logs are JSON, and the scheduled ``counterflow
refresh`` (the compose ``refresh`` job) loads a new list version and raises an alert for
a recorded customer that the server's metrics then show."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml
from deploy_support import EXE, counterflow, free_port

pytestmark = pytest.mark.postgres
COMPOSE = Path(__file__).parents[2] / "deploy" / "compose.yaml"
MATCH = {
    "queries": {
        "q1": {
            "schema": "Person",
            "properties": {"name": ["Ivan Petrov"], "birthDate": ["1961-05-14"]},
        }
    }
}


def compose_app() -> tuple[list[str], dict[str, str]]:
    """The app service's command and environment, as compose would pass them."""
    doc = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    app = doc["services"]["app"]
    env = {str(k): str(v) for k, v in app["environment"].items()}
    return [str(c) for c in app["command"]], env


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition (0 when absent)."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        m = re.match(r"^([a-zA-Z_:][\w:]*)(\{.*\})?\s+(\S+)$", line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


def test_composed_service_screens_reports_and_refreshes(
    pg_url: str, lists_v1: Path, lists_v2: Path, tmp_path: Path
) -> None:
    command, compose_env = compose_app()
    assert command == ["serve"]
    assert int(compose_env["COUNTERFLOW_WORKERS"]) >= 2
    home = tmp_path / "data"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTERFLOW_")}
    port = free_port()
    env = base_env | compose_env
    env |= {
        # What differs from the compose file on a test machine: paths, the database
        # (a schema of the CI server), the address, and 2 workers for 2 cores.
        "COUNTERFLOW_HOME": str(home),
        "COUNTERFLOW_DB": pg_url,
        "COUNTERFLOW_HOST": "127.0.0.1",
        "COUNTERFLOW_PORT": str(port),
        "COUNTERFLOW_WORKERS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        # The fixture publication is from March 2026: not "stale" for /readyz here.
        "COUNTERFLOW_MAX_LIST_AGE_DAYS": "0",
    }
    # First lists and an admin key, as the deploy doc's first steps.
    counterflow(["lists", "load", str(lists_v1)], env)
    key = counterflow(["keys", "create", "--role", "admin", "--label", "ops"], env).strip()
    assert key.startswith("cf_")
    h = {"Authorization": f"ApiKey {key}"}

    log = (tmp_path / "server.log").open("w+")
    proc = subprocess.Popen(
        [str(EXE), *command], env=env, stdout=subprocess.DEVNULL, stderr=log,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as c:
            deadline = time.monotonic() + 180
            ready = ""
            while True:
                assert proc.poll() is None, Path(log.name).read_text()[-3000:]
                try:
                    r = c.get("/readyz")
                    if r.status_code == 200:
                        break
                    ready = r.text
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, f"server not ready in 180 s: {ready}"
                time.sleep(0.3)
            # Screen through it: yente-style lookups on fresh connections (spread over
            # the workers), then a recorded run that raises an alert.
            n = 12
            for _ in range(n):
                with httpx.Client(base_url=base, timeout=30) as one:
                    r = one.post("/match/default", json=MATCH, headers=h)
                    assert r.status_code == 200, r.text
                    best = r.json()["responses"]["q1"]["results"][0]
                    assert best["id"] == "NK-test4Person"  # yente ids: the OpenSanctions id
                    assert best["match"] is True
            parties = {
                "parties": [
                    {"id": "k1", "name": "Ivan Petrov", "kind": "person", "birth_date": "1961"},
                    {"id": "k2", "name": "Dmitri Kozlov", "kind": "person", "birth_date": "1970"},
                ]
            }
            r = c.post("/screen/parties", json=parties, headers=h)
            assert r.status_code == 200, r.text
            assert r.json()["run"]["alerts_raised"] == 1
            text = c.get("/metrics").text
            assert metric(text, "counterflow_screenings_total", endpoint="match") == n
            assert metric(text, "counterflow_screenings_total", endpoint="parties") == 2
            assert (
                metric(
                    text,
                    "counterflow_http_request_duration_seconds_count",
                    route="/match/{dataset}",
                    status="200",
                )
                == n
            )
            assert metric(text, "counterflow_alerts_raised_total", source="api") == 1
            assert metric(text, "counterflow_alerts", status="open") == 1
            age = metric(text, "counterflow_list_age_seconds", dataset="ua_war_sanctions")
            assert 0 <= age < 3600
            assert metric(text, "counterflow_list_records", dataset="ua_war_sanctions") == 4

            # The scheduled job: a new list version, re-screen of the recorded book.
            out = counterflow(["refresh", "--from", str(lists_v2)], env)
            summary = json.loads(out)
            assert summary["errors"] == []
            assert summary["alerts_raised"] == 1
            assert summary["rescreen"]["records_screened"] == 1
            assert summary["rescreen"]["customers"] == 2
            text = c.get("/metrics").text
            assert metric(text, "counterflow_alerts_raised_total", source="rescreen") == 1
            assert metric(text, "counterflow_alerts", status="open") == 2
            r = c.get("/alerts", headers=h)
            assert {a["customer_id"] for a in r.json()["alerts"]} == {"k1", "k2"}
            # The workers see the new version (reopened within 10 s of the change).
            new = {
                "queries": {"q": {"schema": "Person", "properties": {"name": ["Dmitri Kozlov"]}}}
            }
            deadline = time.monotonic() + 30
            while True:
                r = c.post("/match/default", json=new, headers=h)
                ids = [x["id"] for x in r.json()["responses"]["q"]["results"]]
                if "NK-test9Person" in ids:
                    break
                assert time.monotonic() < deadline, ids
                time.sleep(1)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    # The record is in PostgreSQL (no SQLite file was made instead).
    import psycopg

    with psycopg.connect(pg_url) as pg:
        kinds = pg.execute("SELECT source, n_alerts FROM runs ORDER BY id").fetchall()
        assert kinds == [("api", 1), ("rescreen", 1)]
        assert pg.execute("SELECT count(*) FROM api_keys").fetchone() == (1,)
    assert not list(home.glob("*review*.sqlite"))
    log.seek(0)
    lines = [ln for ln in log.read().splitlines() if ln.strip()]
    records = [json.loads(ln) for ln in lines if ln.startswith("{")]
    assert records and len(records) == len(lines), lines[:5]
    access = [r for r in records if r.get("logger") == "counterflow.access"]
    assert any(r["route"] == "/match/{dataset}" and r["status"] == 200 for r in access)
    assert len({r["process"] for r in records}) >= 2  # the supervisor and its workers
