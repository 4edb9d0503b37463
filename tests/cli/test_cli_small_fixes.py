"""Smaller things users hit (issue 16): stdin for `screen parties -`, usage errors exit
2, a --db in a missing folder and an unreachable PostgreSQL are clear errors, `lists
load` progress never shows the last dataset's total, `lists status` says STALE."""

from __future__ import annotations

import io
import json
import re
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from rich.progress import Progress

from counterflow.cli import lists_cmd
from counterflow.cli.main import main
from counterflow.lists.base import ParseResult
from counterflow.records.model import Party

OLD = "2024-05-03"
FRESH = (date.today() - timedelta(days=1)).isoformat()


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COUNTERFLOW_DB", raising=False)
    monkeypatch.delenv("COUNTERFLOW_MAX_LIST_AGE_DAYS", raising=False)
    from counterflow.store import ListStore

    with ListStore.open() as store:
        sdn = [Party("us_ofac_sdn", "1", "organization", "SKYMOUNT DRONES")]
        store.load(ParseResult("us_ofac_sdn", OLD, sdn, [], format="test"))
        un = [Party("un_sc_sanctions", "QDi.001", "person", "MOHAMMED ZIDANE")]
        store.load(ParseResult("un_sc_sanctions", FRESH, un, [], format="test"))
    return tmp_path


def run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return int(exc.value.code or 0)


def test_screen_parties_reads_stdin(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = b"id,name\nc1,Skymount Drones\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert run(["screen", "parties", "-", "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("query_id,rank,score,decision")
    assert out[1].startswith("c1,1,") and "us_ofac_sdn" in out[1]


@pytest.mark.parametrize(
    "args",
    [
        ["screen", "name", "x", "--threshold", "7"],
        ["screen", "parties", "in.csv", "--threshold", "7"],
        ["screen", "parties", "in.csv", "--limit", "0"],
        ["screen", "name", "x", "--kind", "spaceship"],
        ["alerts", "decide", "1", "--decision", "maybe"],
        ["lists", "status", "--max-age", "-1"],
    ],
)
def test_usage_errors_exit_2(home: Path, args: list[str]) -> None:
    (home / "in.csv").write_text("id,name\n1,x\n", encoding="utf-8")
    args = [str(home / a) if a == "in.csv" else a for a in args]
    assert run(args) == 2


def test_db_in_missing_folder_is_an_error(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = home / "no" / "such" / "dir" / "review.sqlite"
    assert run(["alerts", "list", "--db", str(missing)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not missing.parent.exists()  # nothing created on the way


def test_unreachable_postgres_is_a_message(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["alerts", "list", "--db", "postgresql://u:secret@127.0.0.1:9/none"]) == 1
    err = capsys.readouterr().err
    assert "cannot connect to the PostgreSQL review store" in err
    assert "secret" not in err and "Traceback" not in err


def test_lists_status_says_stale(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["lists", "status", "--json"]) == 0
    cap = capsys.readouterr()
    rows = {r["dataset"]: r for r in json.loads(cap.out)}
    assert rows["us_ofac_sdn"]["stale"] and not rows["un_sc_sanctions"]["stale"]
    assert rows["us_ofac_sdn"]["age_days"] > 300 and rows["us_ofac_sdn"]["max_age_days"] == 30
    assert "STALE" in cap.err and "us_ofac_sdn 2024-05-03" in cap.err
    assert "un_sc_sanctions" not in cap.err
    assert run(["lists", "status", "--fail-stale"]) == 1
    assert run(["lists", "status", "--fail-stale", "--max-age", "0"]) == 0  # alarm off


def test_load_progress_total_is_per_dataset(monkeypatch: pytest.MonkeyPatch) -> None:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)

    def progress(quiet: bool = False) -> Progress:
        return Progress(*Progress.get_default_columns(), console=console)

    monkeypatch.setattr(lists_cmd, "make_progress", progress)
    with lists_cmd._progress(False) as (stage, records):
        stage("storing us_ofac_cons")
        records(442, 442)
        stage("storing us_ofac_sdn")
        records(0, 14965)
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", buf.getvalue())
    sdn = [ln for ln in text.split("\r") if "storing us_ofac_sdn" in ln]
    assert sdn and all("442" not in ln for ln in sdn)
