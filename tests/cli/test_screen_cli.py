"""CLI: screen parties / screen name / match pairs, exactly as INTERFACES.md says."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from counterflow.cli.main import main
from counterflow.lists.base import ParseResult
from counterflow.records.model import Alias, BirthDate, CountryRef, Identifier, Party

PARTIES = [
    Party(
        dataset="us_ofac_sdn",
        source_id="35096",
        kind="person",
        name="PUTIN, Vladimir Vladimirovich",
        birth_dates=[BirthDate("1952-10-07")],
        countries=[CountryRef("ru", "nationality")],
    ),
    Party(
        dataset="us_ofac_sdn",
        source_id="47293",
        kind="organization",
        name="LIMITED LIABILITY COMPANY DRAKE",
        aliases=[Alias("LLC DRAKE")],
        identifiers=[Identifier("inn", "1646047020")],
    ),
    *(
        Party(
            dataset="us_ofac_sdn", source_id=str(100 + i), kind="organization", name=f"{w} TRADING"
        )
        for i, w in enumerate(
            [
                "ALFA",
                "BETA",
                "GAMMA",
                "DELTA",
                "SIGMA",
                "OMEGA",
                "ORION",
                "VEGA",
                "NOVA",
                "ZETA",
                "ETA",
            ]
        )
    ),
]


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    from counterflow.store import ListStore

    with ListStore.open() as store:
        store.load(ParseResult("us_ofac_sdn", "2024-05-03", list(PARTIES), [], format="test"))
    return tmp_path


def run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return int(exc.value.code or 0)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_screen_parties_columns_passthrough_and_formulas(home: Path) -> None:
    inp = write(
        home / "in.csv",
        "ID,Name,Country,Birth_Date,identifiers,Customer Ref\n"
        "1,Владимир Путин,Russia,1952,,=cmd|' /C calc'!A0\n"
        "2,Drake LLC,,,INN1646047020,@SUM(1)\n"
        "3,,,,,empty\n"
        "=HYPERLINK(1),Nobody Known,,,,x\n",
    )
    out = home / "out.csv"
    assert run(["screen", "parties", str(inp), "-o", str(out), "--quiet"]) == 0
    rows = read(out)
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:11] == [
        "query_id",
        "rank",
        "score",
        "decision",
        "dataset",
        "source_id",
        "entity_id",
        "entity_name",
        "matched_name",
        "kind",
        "explanation",
    ]
    assert header[11:] == ["entity_group", "Customer Ref"]  # added column, then pass-through
    by_q = {r["query_id"]: r for r in rows if r["rank"] == "1"}
    assert by_q["1"]["entity_id"] == "us_ofac_sdn:35096"
    assert by_q["1"]["decision"] == "match"
    assert "birth year 1952 agrees" in by_q["1"]["explanation"]
    assert by_q["1"]["Customer Ref"] == "'=cmd|' /C calc'!A0"
    assert by_q["2"]["entity_id"] == "us_ofac_sdn:47293"
    assert "INN 1646047020 agrees" in by_q["2"]["explanation"]
    assert by_q["2"]["Customer Ref"] == "'@SUM(1)"
    assert "3" not in by_q
    for r in rows:
        assert 0.0 <= float(r["score"]) <= 1.0
        assert not r["query_id"].startswith("=")


def test_threshold_zero_limit_ten(home: Path) -> None:
    inp = write(home / "in.csv", "id,name\nq1,Alfa Trading\nq2,Beta Trading\n")
    out = home / "out.csv"
    assert (
        run(
            [
                "screen",
                "parties",
                str(inp),
                "-o",
                str(out),
                "--threshold",
                "0",
                "--limit",
                "10",
                "--quiet",
                "--workers",
                "2",
            ]
        )
        == 0
    )
    rows = read(out)
    for q in ("q1", "q2"):
        ranks = [int(r["rank"]) for r in rows if r["query_id"] == q]
        assert ranks == list(range(1, 11))
    assert [r["query_id"] for r in rows] == ["q1"] * 10 + ["q2"] * 10


def test_no_name_column_is_bad_input(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp = write(home / "in.csv", "id,customer\n1,x\n")
    assert run(["screen", "parties", str(inp), "-o", str(home / "o.csv")]) == 1
    err = capsys.readouterr().err
    assert "in.csv" in err and "name" in err


def test_missing_file_and_bad_encoding(home: Path) -> None:
    assert run(["screen", "parties", str(home / "nope.csv"), "-o", str(home / "o.csv")]) == 1
    bad = home / "latin.csv"
    bad.write_bytes(b"id,name\n1,Caf\xe9 \xe9\n")
    assert run(["screen", "parties", str(bad), "-o", str(home / "o.csv"), "--quiet"]) == 1


def test_usage_errors_exit_2(home: Path) -> None:
    assert run(["screen", "parties"]) == 2
    assert run(["screen", "parties", "x.csv", "--limit", "many"]) == 2


def test_screen_name_prints_table(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["screen", "name", "Vladimir Putin", "--dob", "1952", "--country", "RU"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "35096" in line)
    assert "match" in [cell.strip() for cell in row.split("│")], row
    assert run(["screen", "name", "Vladimir Putin", "--kind", "spaceship"]) == 2  # usage


def test_match_pairs(home: Path) -> None:
    inp = write(
        home / "pairs.csv",
        "ID,Name1,Name2,kind\n"
        "a,Владимир Путин,Vladimir Putin,person\n"
        "b,Alfa Trading LLC,Alfa Komponent OOO,organization\n"
        "c,=1+1,x,\n",
    )
    out = home / "pairs_out.csv"
    assert run(["match", "pairs", str(inp), "-o", str(out), "--quiet"]) == 0
    rows = read(out)
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    s = {r["id"]: float(r["score"]) for r in rows}
    assert s["a"] >= 0.85 > s["b"]
    assert rows[0]["explanation"].startswith("name ")
    assert run(["match", "pairs", str(write(home / "bad.csv", "id,a,b\n1,x,y\n"))]) == 1


def test_unwritable_output_is_bad_input(home: Path) -> None:
    inp = write(home / "in.csv", "id,name\n1,Drake LLC\n")
    out = home / "no" / "such" / "dir" / "out.csv"
    assert run(["screen", "parties", str(inp), "-o", str(out), "--quiet"]) == 1
    pairs = write(home / "p.csv", "id,name1,name2\n1,a,b\n")
    assert run(["match", "pairs", str(pairs), "-o", str(out), "--quiet"]) == 1


def test_a_corrupt_parameter_file_is_one_clear_error(home: Path) -> None:
    """The scorer's parameter file damaged: one line naming it, exit 1, no traceback."""
    import os
    import subprocess
    import sys

    bad = write(home / "calibration_v1.json", '{"format": "counterflow-calibration/1", "bias":')
    script = (
        "import sys, counterflow.match.calibration as c; from pathlib import Path;"
        f"c.PARAMS_FILE = Path({str(bad)!r});"
        "from counterflow.cli.main import main; main(['screen', 'name', 'Vladimir Putin'])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        env=dict(os.environ, COLUMNS="300"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert str(bad) in proc.stderr and "unreadable" in proc.stderr
