"""``POST /match/{dataset}`` in yente's shapes, and ``GET /search``."""

from __future__ import annotations


def _match(env, dataset="default", body=None, **params):
    body = body or {
        "queries": {
            "q1": {
                "schema": "Person",
                "properties": {"name": ["Ivan Petrov"], "birthDate": ["1970-01-02"]},
            },
            "q2": {"schema": "Company", "properties": {"name": ["Alfa Komponent"]}},
        }
    }
    return env.client.post(f"/match/{dataset}", json=body, params=params, headers=env.h("screener"))


def test_match_returns_yente_shape(env) -> None:
    r = _match(env, threshold=0.9, cutoff=0.3)
    assert r.status_code == 200, r.text
    data = r.json()
    assert set(data) >= {"responses", "matcher", "limit"}
    assert data["limit"] == 5
    q1 = data["responses"]["q1"]
    assert q1["status"] == 200
    assert q1["query"]["schema"] == "Person"
    assert q1["query"]["properties"]["name"] == ["Ivan Petrov"]
    assert q1["total"] == {"value": len(q1["results"]), "relation": "eq"}
    top = q1["results"][0]
    for key in ("id", "caption", "schema", "properties", "score", "match", "datasets", "features"):
        assert key in top
    assert top["id"] == "gb-hmt-sanctions-16163"  # FtM-valid, as the FtM export
    assert top["schema"] == "Person"
    assert top["datasets"] == ["gb_hmt_sanctions"]
    assert top["properties"]["name"] == ["Ivan Petrov"]
    assert top["properties"]["birthDate"] == ["1970-01-02"]
    assert top["match"] is (top["score"] >= 0.9)
    # The Company query only reaches organisations.
    q2 = data["responses"]["q2"]
    assert q2["results"] and all(x["schema"] == "Organization" for x in q2["results"])
    scores = [x["score"] for x in q2["results"]]
    assert scores == sorted(scores, reverse=True)


def test_match_threshold_sets_match_flag(env) -> None:
    hi = _match(env, threshold=1.0, cutoff=0.3).json()["responses"]["q2"]["results"]
    lo = _match(env, threshold=0.1, cutoff=0.3).json()["responses"]["q2"]["results"]
    assert all(x["match"] is (x["score"] >= 1.0) for x in hi)
    assert all(x["match"] for x in lo)


def test_match_dataset_scope_and_exclusions(env) -> None:
    only = _match(env, "us_ofac_sdn", cutoff=0.3).json()["responses"]["q2"]["results"]
    assert only and {x["datasets"][0] for x in only} == {"us_ofac_sdn"}
    all_ = _match(env, cutoff=0.3).json()["responses"]["q2"]["results"]
    assert {x["datasets"][0] for x in all_} == {"us_ofac_sdn", "gb_hmt_sanctions"}
    plain = _match(env, cutoff=0.3).json()
    assert "us-ofac-sdn-36" in {x["id"] for x in plain["responses"]["q2"]["results"]}
    # the result's own (FtM) id, or the dataset:source_id form, excludes it
    for excluded in ("us-ofac-sdn-36", "us_ofac_sdn:36"):
        ex = _match(env, cutoff=0.3, exclude_entity_ids=[excluded]).json()
        assert "us-ofac-sdn-36" not in {x["id"] for x in ex["responses"]["q2"]["results"]}
    exd = _match(env, cutoff=0.3, exclude_dataset=["gb_hmt_sanctions"]).json()
    assert {x["datasets"][0] for x in exd["responses"]["q2"]["results"]} == {"us_ofac_sdn"}
    assert _match(env, "no_such_list").status_code == 404


def test_match_limit_and_bad_requests(env) -> None:
    r = _match(env, limit=1, cutoff=0.0)
    assert all(len(v["results"]) <= 1 for v in r.json()["responses"].values())
    bad = {"queries": {"q": {"schema": "Spaceship", "properties": {"name": ["x"]}}}}
    assert _match(env, body=bad).status_code == 400
    noname = {"queries": {"q": {"schema": "Person", "properties": {"birthDate": ["1970"]}}}}
    r = _match(env, body=noname)
    assert r.status_code == 400 and "name" in r.json()["detail"]
    assert _match(env, body={"nothing": 1}).status_code == 422
    many = {
        "queries": {f"q{i}": {"schema": "Person", "properties": {"name": "x"}} for i in range(101)}
    }
    assert _match(env, body=many).status_code == 400


def test_match_name_parts_and_string_properties(env) -> None:
    body = {
        "queries": {
            "a": {"schema": "Person", "properties": {"firstName": "Ivan", "lastName": "Petrov"}},
            "b": {"schema": "LegalEntity", "properties": {"name": "Alfa Komponent LLC"}},
        }
    }
    data = _match(env, body=body, cutoff=0.5).json()["responses"]
    assert data["a"]["results"][0]["id"] == "gb-hmt-sanctions-16163"
    assert data["b"]["results"][0]["id"] == "us-ofac-sdn-36"


def test_search(env) -> None:
    r = env.client.get("/search", params={"q": "alfa komponent"}, headers=env.h("screener"))
    assert r.status_code == 200
    data = r.json()
    assert data["total"]["value"] == len(data["results"]) > 0
    assert data["results"][0]["caption"].startswith("Alfa")
    r = env.client.get(
        "/search/gb_hmt_sanctions", params={"q": "alfa komponent"}, headers=env.h("screener")
    )
    assert {x["datasets"][0] for x in r.json()["results"]} == {"gb_hmt_sanctions"}
    assert env.client.get("/search", params={"q": ""}, headers=env.h("screener")).status_code == 422
