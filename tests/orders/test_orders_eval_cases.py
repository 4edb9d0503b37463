"""The hand-written order-evaluation cases (benchmarks/orders_eval) stay well formed:
every diversion case names its pattern and public source, every HS code and country can
be read, and no case file carries a column the screener would not accept."""

from __future__ import annotations

import csv
from pathlib import Path

from counterflow.goods.hs import parse_hs
from counterflow.orders.columns import ORDER_COLUMNS
from counterflow.records.countries import to_iso2

CASES = Path(__file__).resolve().parents[2] / "benchmarks" / "orders_eval"


def _rows(name: str) -> list[dict[str, str]]:
    with (CASES / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_diversion_cases_are_complete() -> None:
    rows = _rows("diversion_cases.csv")
    assert len(rows) >= 50
    ids = [r["order_id"] for r in rows]
    assert len(set(ids)) == len(ids)
    extra = {"pattern", "detectable", "source"}
    assert set(rows[0]) - extra <= set(ORDER_COLUMNS)
    for r in rows:
        assert r["pattern"] and len(r["source"]) > 20, r["order_id"]
        assert r["detectable"] in ("yes", "no"), r["order_id"]
        assert to_iso2(r["ship_to_country"]), r["order_id"]
        for c in filter(None, r["via_countries"].split(";")):
            assert to_iso2(c), (r["order_id"], c)
        if r["hs_code"]:
            parse_hs(r["hs_code"])


def test_ordinary_sources_are_readable() -> None:
    for name in ("customers.csv", "hub_ems.csv"):
        rows = _rows(name)
        assert rows
        for r in rows:
            assert r["name"] and r["address"] and r["end_use"], r
            assert to_iso2(r["country"]), r
    parts = _rows("parts.csv")
    assert len(parts) >= 50
    for p in parts:
        parse_hs(p["hs_code"])
        assert float(p["unit_price"]) > 0
