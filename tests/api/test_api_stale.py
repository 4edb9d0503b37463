"""Stale lists are an alarm (issue 16, item 6): /readyz answers 503 "stale" naming each
list in force older than the allowed age, and /lists/status gives every list's age."""

from __future__ import annotations

from counterflow.api.settings import ApiSettings


def test_fresh_lists_are_ready(env) -> None:  # type: ignore[no-untyped-def]
    r = env.client.get("/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    rows = env.client.get("/lists/status", headers=env.h("screener")).json()
    assert rows and all(not row["stale"] and row["age_days"] < 3 for row in rows)


def test_old_list_makes_readyz_503(env_factory) -> None:  # type: ignore[no-untyped-def]
    # the fixture lists are a day old: with half a day allowed every one is stale
    e = env_factory(settings=ApiSettings(rate_per_s=0, max_list_age_days=0.5))
    r = e.client.get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "stale" and body["max_age_days"] == 0.5
    stale = {s["dataset"] for s in body["stale"]}
    assert "us_ofac_sdn" in stale and "days old" in body["detail"]
    rows = e.client.get("/lists/status", headers=e.h("screener")).json()
    assert all(row["stale"] for row in rows)
    # 0 turns the alarm off
    off = env_factory(settings=ApiSettings(rate_per_s=0, max_list_age_days=0))
    assert off.client.get("/readyz").json() == {"status": "ok"}
