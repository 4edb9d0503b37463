"""``counterflow refresh`` on the embedded stores: a first run records the baseline, a
newer publication raises an alert for a recorded customer, an unreadable source exits 1
with the error in the JSON summary (and still re-screens what is loaded)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from counterflow.cli.main import main
from counterflow.match import open_screener
from counterflow.match.types import Query
from counterflow.review.recording import screen_and_record
from counterflow.review.store import ReviewStore
from counterflow.store import ListStore

FIXTURE = Path(__file__).parents[1] / "lists" / "fixtures" / "os_targets_small.csv"
NEW_ROW = (
    '"NK-test9Person","Person","KOZLOV Dmitri Alexeyevich","","1970-02-03","ru","","",'
    '"""""","","","UA-WS-EXECUTIVES","Ukraine War and Sanctions","2026-03-20T05:41:01",'
    '"2026-03-20T05:41:01","2026-03-20T05:41:01"\n'
)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_refresh_loads_rescreens_and_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COUNTERFLOW_DB", raising=False)
    v1, v2 = tmp_path / "v1", tmp_path / "v2"
    v1.mkdir()
    v2.mkdir()
    text = FIXTURE.read_text(encoding="utf-8")
    (v1 / "targets.simple.csv").write_text(text, encoding="utf-8")
    (v2 / "targets.simple.csv").write_text(text.rstrip("\n") + "\n" + NEW_ROW, encoding="utf-8")

    code, out, _ = run(["refresh", "--from", str(v1)], capsys)
    first = json.loads(out)
    assert code == 0 and first["errors"] == []
    assert first["lists"][0]["dataset"] == "ua_war_sanctions"
    assert first["rescreen"]["datasets"][0]["baseline"] is True

    # A recorded customer who is not listed yet.
    review = ReviewStore.open()
    with ListStore.open() as store:
        screener = open_screener(store)
        q = Query(id="k2", name="Dmitri Kozlov", kind="person", birth_dates=["1970"])
        _, _, s = screen_and_record(review, screener, [q], actor="test")
    assert s.alerts == []

    code, out, _ = run(["refresh", "--from", str(v2)], capsys)
    second = json.loads(out)
    assert code == 0
    assert second["alerts_raised"] == 1
    assert second["rescreen"]["datasets"][0]["added"] == 1
    (alert,) = review.list_alerts()
    assert (alert.customer_id, alert.entity_id) == ("k2", "ua_war_sanctions:NK-test9Person")

    (tmp_path / "junk.txt").write_text("not a list\n", encoding="utf-8")
    code, out, err = run(["refresh", "--from", str(tmp_path / "junk.txt")], capsys)
    third = json.loads(out)
    assert code == 1
    assert any("not a list format" in e for e in third["errors"])
    assert third["alerts_raised"] == 0 and "errors" in err
    review.close()
