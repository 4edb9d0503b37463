"""`counterflow screen orders`, `goods` and `ownership` commands (exit codes, outputs)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from counterflow.cli.main import main

FIX = Path(__file__).parent / "fixtures"


def run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return int(exc.value.code or 0)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    monkeypatch.setenv("COUNTERFLOW_HOME", str(h))
    for var in ("COUNTERFLOW_CHPL", "COUNTERFLOW_COMPONENTS", "COUNTERFLOW_HS_NOMENCLATURE"):
        monkeypatch.delenv(var, raising=False)
    return h


def test_screen_orders_with_explicit_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.csv"
    code = run(
        [
            "screen",
            "orders",
            str(FIX / "orders_small.csv"),
            "-o",
            str(out),
            "--no-lists",
            "--chpl",
            str(FIX / "chpl.csv"),
            "--components",
            str(FIX / "components.csv"),
            "--ownership",
            str(FIX / "ownership.csv"),
            "--quiet",
        ]
    )
    assert code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0])[:5] == ["order_id", "risk", "score", "flags", "explanation"]
    assert {r["risk"] for r in rows} <= {"clear", "review", "block"}
    err = capsys.readouterr().err
    assert "rejected 1 lines" in err and "INPUT_BAD_HS_CODE" in err


def test_goods_load_then_orders_use_loaded_tables(tmp_path: Path, home: Path) -> None:
    assert run(["goods", "load", str(FIX / "chpl.csv"), str(FIX / "components.csv")]) == 0
    assert (home / "goods" / "chpl.csv").is_file()
    out = tmp_path / "out.csv"
    assert (
        run(["screen", "orders", str(FIX / "orders_small.csv"), "-o", str(out), "--no-lists", "-q"])
        == 0
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert "CHPL_ITEM" in rows[0]["flags"] and "DRONE_COMPONENT" in rows[0]["flags"]


def test_env_var_points_at_a_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COUNTERFLOW_CHPL", str(FIX / "chpl.csv"))
    assert run(["goods", "hs", "8542.31.0001", "85 42 32"]) == 0
    out = capsys.readouterr().out
    assert out.count("TIER_1") == 2


def test_goods_hs_bad_code_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["goods", "hs", "85423"]) == 1
    assert "5 digits" in capsys.readouterr().err


def test_goods_part_and_describe(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(
            [
                "goods",
                "part",
                "296-TMS320F28335PGFA-ND",
                "-m",
                "TI",
                "--components",
                str(FIX / "components.csv"),
            ]
        )
        == 0
    )
    assert "TMS320F28335PGFA" in capsys.readouterr().out
    assert run(["goods", "describe", "GNSS module"]) == 0
    assert "8526.91" in capsys.readouterr().out


def test_goods_load_rejects_other_files(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    assert run(["goods", "load", str(p)]) == 1


def test_missing_order_id_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "o.csv"
    p.write_text("id,customer\n1,x\n", encoding="utf-8")
    assert run(["screen", "orders", str(p), "--no-lists", "-q"]) == 1
    assert "order_id" in capsys.readouterr().err


def test_ownership_load_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edges = FIX / "ownership.csv"
    assert run(["ownership", "load", str(edges)]) == 0
    listed = tmp_path / "listed.txt"
    listed.write_text("Volga Holdings JSC\n", encoding="utf-8")
    capsys.readouterr()
    assert run(["ownership", "check", "Bosch Engineering GmbH", "--listed", str(listed)]) == 0
    out = capsys.readouterr().out
    assert "BLOCKED" in out and "Caspian Holding Ltd" in out and "70" in out
    assert run(["ownership", "check", "Acme Tools Ltd", "--listed", str(listed)]) == 0
    assert "minority" in capsys.readouterr().out
    assert run(["ownership", "check", "Nobody Inc", "--listed", str(listed)]) == 1
