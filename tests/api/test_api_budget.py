"""/match keeps to a per-request work and time budget: a request over it gets a clear 400
instead of holding a worker (issue 10, defect 8)."""

from __future__ import annotations

from counterflow.api.settings import ApiSettings


def _body(n: int, names: int) -> dict:
    return {
        "queries": {
            f"q{i}": {"schema": "Person", "properties": {"name": [f"Ivan Petrov {j}" for j in
                                                                   range(names)]}}
            for i in range(n)
        }
    }  # fmt: skip


def test_work_budget(env_factory) -> None:  # type: ignore[no-untyped-def]
    env = env_factory(settings=ApiSettings(rate_per_s=0, match_max_work=100))
    with env.client as c:
        ok = c.post("/match/default?limit=10", json=_body(2, 5), headers=env.h("screener"))
        assert ok.status_code == 200, ok.text  # 10 names x 10 = 100: within
        r = c.post("/match/default?limit=11", json=_body(2, 5), headers=env.h("screener"))
        assert r.status_code == 400
        assert "110 results asked for; at most 100" in r.json()["detail"]


def test_time_budget(env_factory) -> None:  # type: ignore[no-untyped-def]
    env = env_factory(settings=ApiSettings(rate_per_s=0, match_budget_s=0.0))
    with env.client as c:
        r = c.post("/match/default", json=_body(3, 1), headers=env.h("screener"))
        assert r.status_code == 400
        assert "time budget of 0 s" in r.json()["detail"]
