"""``counterflow screen orders --record [--db DSN]``: the run is stored with its list
versions, order parties in the review band become alerts (as for the API's
/screen/orders), and the audit chain verifies."""

from __future__ import annotations

import hashlib
import io
import sys
from pathlib import Path

import pytest

from counterflow.cli.main import main
from counterflow.lists.base import ParseResult
from counterflow.records.model import Alias, CountryRef, Party
from counterflow.review.store import ReviewStore
from counterflow.store import ListStore

ORDERS = (
    "order_id,customer,consignee,ship_to_country,hs_code,description,quantity,unit_price\n"
    "o1,Alfa Komponent LLC,Alfa Komponent LLC,RU,8542.31,microcontroller,10,5\n"
    "o2,Harmless Bakery GmbH,Harmless Bakery GmbH,DE,1905.90,bread,3,2\n"
)


def _listed() -> Party:
    return Party(
        dataset="us_ofac_sdn",
        source_id="36",
        kind="organization",
        name="Alfa Komponent LLC",
        aliases=[Alias("Alfa Komponent")],
        countries=[CountryRef("ru", "address")],
        programs=["RUSSIA-EO14024"],
    )


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COUNTERFLOW_DB", raising=False)
    with ListStore.open() as store:
        store.load(ParseResult(dataset="us_ofac_sdn", version="v1", records=[_listed()], files=[]))
    return tmp_path / "home"


def test_recorded_orders_run_alerts_audit_and_versions(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = tmp_path / "orders.csv"
    inp.write_text(ORDERS, encoding="utf-8")
    out_csv = tmp_path / "out.csv"
    code, _, err = run(["screen", "orders", str(inp), "-o", str(out_csv), "--record", "-q"], capsys)
    assert code == 0, err
    assert "recorded run #1" in err
    assert out_csv.read_text(encoding="utf-8").startswith("order_id,")

    code, out, _ = run(["alerts", "list"], capsys)
    assert code == 0
    rows = [line.split("\t") for line in out.strip().splitlines()]
    assert [r[3] for r in rows] == ["customer:Alfa Komponent LLC"]
    assert "36" in rows[0][5]  # the listed record

    code, out, err = run(["audit", "verify"], capsys)
    assert code == 0 and out.startswith("ok:"), err

    # A new list version does not rewrite what the run was screened against.
    with ListStore.open() as store:
        store.load(ParseResult(dataset="us_ofac_sdn", version="v2", records=[_listed()], files=[]))
    review = ReviewStore.open()
    try:
        (summary,) = review.list_runs()
        assert summary["kind"] == "orders" and summary["source"] == "cli"
        assert summary["n_alerts"] == 1 and summary["n_queries"] == 1
        assert summary["input_digest"] == hashlib.sha256(inp.read_bytes()).hexdigest()
        stored = review.get_run(summary["id"])
        assert stored["list_versions"]["us_ofac_sdn"]["version"] == "v1"
        assert stored["settings"]["summary"]["lines"] == 2
        assert "party_threshold" in stored["settings"]
    finally:
        review.close()

    # The same orders again: the open alert is not raised twice.
    code, _, err = run(["screen", "orders", str(inp), "-o", str(out_csv), "--record", "-q"], capsys)
    assert code == 0 and "recorded run #2: 1 review/block lines, 0 new alerts" in err
    assert "1 already open" in err


def test_record_from_stdin_into_a_named_db(
    home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "elsewhere.sqlite"
    data = ORDERS.encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    out_csv = tmp_path / "out.csv"
    code, _, err = run(
        ["screen", "orders", "-", "-o", str(out_csv), "--record", "--db", str(db), "-q"], capsys
    )
    assert code == 0, err
    assert len(out_csv.read_text(encoding="utf-8").strip().splitlines()) == 3
    code, out, _ = run(["alerts", "list", "--db", str(db)], capsys)
    assert code == 0 and "customer:Alfa Komponent LLC" in out
    code, out, _ = run(["alerts", "list"], capsys)  # the default store got nothing
    assert code == 0 and out.strip() == ""
    code, out, _ = run(["audit", "verify", "--db", str(db)], capsys)
    assert code == 0 and out.startswith("ok:")
    review = ReviewStore.open(db)
    try:
        (summary,) = review.list_runs()
        assert summary["input_digest"] == hashlib.sha256(data).hexdigest()
    finally:
        review.close()


def test_without_record_nothing_is_stored(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = tmp_path / "orders.csv"
    inp.write_text(ORDERS, encoding="utf-8")
    code, _, err = run(["screen", "orders", str(inp), "-o", str(tmp_path / "o.csv"), "-q"], capsys)
    assert code == 0, err
    assert "recorded run" not in err
    review = ReviewStore.open()
    try:
        assert review.list_runs() == []
    finally:
        review.close()


GOODS_AND_PARTIES = (
    "order_id,customer,consignee,ship_to_country,ship_to_address,hs_code,part_number,"
    "description,quantity,unit_price,end_use\n"
    'o7,Acme Distribution GmbH,Acme Distribution GmbH,RU,"Alabuga SEZ, Yelabuga",8542.31,'
    "STM32F405,microcontroller,100,5,industrial\n"
    "o8,Acme Distribution GmbH,Alfa Komponent LLC,RU,Moscow,8542.31,X1,microcontroller,1,5,"
    "industrial\n"
    "o9,Acme Distribution GmbH,Alfa Komponent,RU,Kazan,8542.31,X2,microcontroller,1,5,industrial\n"
    "o10,Harmless Bakery GmbH,Harmless Bakery GmbH,DE,Berlin,1905.90,,bread,3,2,bakery\n"
)


def test_every_review_or_block_line_is_an_alert_with_its_order_context(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = tmp_path / "orders.csv"
    inp.write_text(GOODS_AND_PARTIES, encoding="utf-8")
    out_csv = tmp_path / "out.csv"
    code, _, err = run(["screen", "orders", str(inp), "-o", str(out_csv), "--record", "-q"], capsys)
    assert code == 0, err
    review = ReviewStore.open()
    try:
        alerts = {a.entity_id: review.get_alert(a.id) for a in review.list_alerts()}
        # o7: flagged for its Alabuga SEZ address and destination, no listed party
        route = alerts["order:o7"]
        assert route.customer_id == "customer:Acme Distribution GmbH" and route.band == "block"
        (ctx,) = route.order_lines
        assert ctx["order_id"] == "o7" and ctx["ship_to_country"] == "ru"
        assert "SEZ_ADDRESS" in ctx["flags"] and ctx["part_number"] == "STM32F405"
        assert ctx["customer"] == "Acme Distribution GmbH" and ctx["run_id"] == 1
        # o8 and o9: the consignee matched the listed Alfa (two spellings): ONE alert for
        # customer x listed entity, both lines as its context, the matched party compared
        party = alerts["us_ofac_sdn:36"]
        assert party.customer_id == "customer:Acme Distribution GmbH"
        assert party.query["name"] == "Alfa Komponent LLC" and party.kind == "organization"
        assert [c["order_id"] for c in party.order_lines] == ["o8", "o9"]
        assert {c["party_role"] for c in party.order_lines} == {"consignee"}
        assert party.records[0]["entity_id"] == "us_ofac_sdn:36"
        assert "order:o10" not in alerts and len(alerts) == 2
    finally:
        review.close()
    # A second run raises nothing beside the open alerts; they gain the new context.
    code, _, err = run(["screen", "orders", str(inp), "-o", str(out_csv), "--record", "-q"], capsys)
    assert code == 0 and "0 new alerts" in err and "2 already open" in err, err
    review = ReviewStore.open()
    try:
        assert review.count_alerts()["open"] == 2
        party = next(a for a in review.list_alerts() if a.entity_id == "us_ofac_sdn:36")
        assert [c["run_id"] for c in review.get_alert(party.id).order_lines] == [1, 1, 2, 2]
        assert review.verify_audit().ok
    finally:
        review.close()
