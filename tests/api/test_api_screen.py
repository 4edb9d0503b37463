"""``POST /screen/parties``: JSON, CSV body and multipart upload; recorded runs; bad input
names line and field; oversized bodies get 413."""

from __future__ import annotations

import csv
import io

from counterflow.api.settings import ApiSettings

CSV = (
    "id,name,kind,country,birth_date,identifiers,notes\n"
    "c1,Alfa Komponent LLC,organization,RU,,INN7701234567,keep me\n"
    "c2,Ivan Petrov,person,Russia,1970-01-02,,\n"
    "c3,Harmless Bakery GmbH,organization,DE,,,\n"
)


def test_screen_parties_json_records_run_and_alerts(env) -> None:
    body = {
        "parties": [
            {"id": "c1", "name": "Alfa Komponent LLC", "kind": "organization", "country": "RU"},
            {"id": "c3", "name": "Harmless Bakery GmbH"},
        ]
    }
    r = env.client.post("/screen/parties", json=body, headers=env.h("screener"))
    assert r.status_code == 200, r.text
    data = r.json()
    assert [x["query_id"] for x in data["results"]] == ["c1", "c3"]
    assert data["results"][1]["hits"] == []
    top = data["results"][0]["hits"][0]
    assert top["entity_id"] == "us_ofac_sdn:36" and top["review"] == "raised"
    run = data["run"]
    assert run["alerts_raised"] >= 1 and top["alert_id"] in run["alert_ids"]
    stored = env.review.get_run(run["run_id"])
    assert stored["source"] == "api" and "us_ofac_sdn" in stored["list_versions"]
    assert stored["actor"].startswith("key:")


def test_screen_parties_csv_body_and_csv_output(env) -> None:
    r = env.client.post(
        "/screen/parties",
        content=CSV.encode(),
        params={"format": "csv", "threshold": 0.5},
        headers=env.h("screener") | {"Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and set(rows[0]) >= {"query_id", "rank", "score", "decision", "entity_id"}
    assert {row["query_id"] for row in rows} == {"c1", "c2"}
    assert next(row["rank"] for row in rows if row["query_id"] == "c1") == "1"


def test_screen_parties_multipart_upload(env) -> None:
    r = env.client.post(
        "/screen/parties",
        files={"file": ("parties.csv", CSV.encode(), "text/csv")},
        data={"threshold": "0.5"},
        headers=env.h("screener"),
    )
    assert r.status_code == 200, r.text
    run = env.review.get_run(r.json()["run"]["run_id"])
    import hashlib

    assert run["input_digest"] == hashlib.sha256(CSV.encode()).hexdigest()


def test_screen_without_recording(env) -> None:
    r = env.client.post(
        "/screen/parties",
        json={"parties": [{"id": "c1", "name": "Alfa Komponent LLC"}], "record": False},
        headers=env.h("screener"),
    )
    assert r.status_code == 200 and "run" not in r.json()
    assert env.review.list_runs() == []


def test_bad_csv_names_line_and_field(env) -> None:
    bad = "id,name,birth_date\nc1,Someone,1970-13\nc2,,1970\n"
    r = env.client.post(
        "/screen/parties",
        content=bad.encode(),
        headers=env.h("screener") | {"Content-Type": "text/csv"},
    )
    assert r.status_code == 400
    assert "line 2" in r.json()["detail"] and "birth_date" in r.json()["detail"]
    nohdr = "name\nx\n"
    r = env.client.post(
        "/screen/parties",
        content=nohdr.encode(),
        headers=env.h("screener") | {"Content-Type": "text/csv"},
    )
    assert r.status_code == 400 and "'id'" in r.json()["detail"]
    r = env.client.post(
        "/screen/parties",
        content=b"\xff\xfe\x00",
        headers=env.h("screener") | {"Content-Type": "text/csv"},
    )
    assert r.status_code == 400 and "UTF-8" in r.json()["detail"]
    r = env.client.post(
        "/screen/parties",
        content=b"{not json",
        headers=env.h("screener") | {"Content-Type": "application/json"},
    )
    assert r.status_code == 400
    r = env.client.post(
        "/screen/parties", content=b"x", headers=env.h("screener") | {"Content-Type": "image/png"}
    )
    assert r.status_code == 415


def test_oversized_bodies_get_413(env_factory) -> None:
    e = env_factory(settings=ApiSettings(rate_per_s=0, max_body_bytes=2000, max_upload_bytes=5000))
    big_csv = ("id,name\n" + "".join(f"c{i},Name {i}\n" for i in range(1000))).encode()
    r = e.client.post(
        "/screen/parties", content=big_csv, headers=e.h("screener") | {"Content-Type": "text/csv"}
    )
    assert r.status_code == 413
    r = e.client.post(
        "/screen/parties",
        files={"file": ("p.csv", big_csv, "text/csv")},
        headers=e.h("screener"),
    )
    assert r.status_code == 413

    # Without a Content-Length (chunked): still refused.
    def chunks():
        for _ in range(10):
            yield b"x" * 1000

    r = e.client.post(
        "/screen/parties", content=chunks(), headers=e.h("screener") | {"Content-Type": "text/csv"}
    )
    assert r.status_code == 413
    body = {"queries": {"q": {"schema": "Person", "properties": {"name": ["x" * 3000]}}}}
    r = e.client.post("/match/default", json=body, headers=e.h("screener"))
    assert r.status_code == 413
    # Small requests still work.
    ok = e.client.post(
        "/screen/parties",
        content=b"id,name\nc1,Ivan Petrov\n",
        headers=e.h("screener") | {"Content-Type": "text/csv"},
    )
    assert ok.status_code == 200


def test_screen_orders_csv_and_json(env) -> None:
    orders = (
        "order_id,customer,consignee,ship_to_country,hs_code,description,quantity\n"
        "o1,Alfa Komponent LLC,Harmless Bakery GmbH,RU,8501.31,brushless motor,10\n"
        "o2,Harmless Bakery GmbH,,DE,1905.90,bread,5\n"
    )
    r = env.client.post(
        "/screen/orders",
        content=orders.encode(),
        headers=env.h("screener") | {"Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    data = r.json()
    by_id = {line["order_id"]: line for line in data["lines"]}
    assert set(by_id) == {"o1", "o2"}
    assert by_id["o1"]["risk"] in ("review", "block")
    assert data["run"]["alerts_raised"] >= 1
    alerts = env.client.get("/alerts", headers=env.h("analyst")).json()["alerts"]
    (a,) = [a for a in alerts if a["customer_id"] == "customer:Alfa Komponent LLC"]
    assert a["entity_id"] == "us_ofac_sdn:36"
    full = env.client.get(f"/alerts/{a['id']}", headers=env.h("analyst")).json()
    (line,) = full["order_lines"]
    assert line["order_id"] == "o1" and line["party_role"] == "customer"
    assert line["hs_code"] == "8501.31" and line["risk"] == by_id["o1"]["risk"]
    r = env.client.post(
        "/screen/orders",
        json={"orders": [{"order_id": "o9", "customer": "Ivan Petrov", "ship_to_country": "RU"}]},
        params={"format": "csv"},
        headers=env.h("screener"),
    )
    assert r.status_code == 200, r.text
    assert r.text.splitlines()[0].startswith("order_id,risk,score,flags,explanation")
    bad = env.client.post("/screen/orders", json={"orders": "x"}, headers=env.h("screener"))
    assert bad.status_code == 400


def test_upload_errors_name_the_upload(env) -> None:
    h = env.h("screener") | {"Content-Type": "text/csv"}
    r = env.client.post("/screen/parties", content=b"id,id,name\n1,2,x\n", headers=h)
    assert r.status_code == 400 and "duplicate column 'id'" in r.json()["detail"]
    r = env.client.post("/screen/orders", content=b"customer\nAcme\n", headers=h)
    assert r.status_code == 400
    assert r.json()["detail"].startswith("upload.csv") and "/tmp" not in r.json()["detail"]
