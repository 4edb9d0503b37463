"""Spark engine vs local engine on >= 20,000 party queries against every shared list:
the public benchmark cases (yente's UN and US Congress cases, watchman's cross-script
pairs), yente's synthetic negatives and bad rows. Row for row equal after sorting."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from counterflow.cli.main import main

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
NAMES = SHARED / "benchmarks" / "names"
LISTS = SHARED / "lists"
N_QUERIES = 20_000

pytestmark = pytest.mark.shared

BAD_ROWS = [
    ["", "Vladimir Putin", "person", "RU", "1952", "", ""],  # no id
    ["bad-kind", "Alabuga", "factory", "", "", "", ""],
    ["bad-country", "Kupol", "organization", "Atlantis;RU", "", "", ""],
    ["bad-date", "Ivanov", "person", "", "1952-02-30;19x", "", ""],
    ["empty-name", "", "", "", "", "", ""],
    ["=formula", "=HYPERLINK(1)", "", "", "", "", ""],
    ["long", "A" * 12_000, "", "", "", "", ""],
    ["ids", "Sea Rose", "vessel", "", "", "IMO9253325;;", ""],
]


def run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return int(exc.value.code or 0)


def benchmark_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    for name in (
        "yente_cgb_positives_un_treated.csv",
        "yente_cgb_positives_un_untreated.csv",
        "yente_cgb_positives_us_congress_untreated.csv",
    ):
        with open(NAMES / name, encoding="utf-8", newline="") as fh:
            for i, r in enumerate(csv.DictReader(fh)):
                rows.append(
                    [
                        f"{name[12:-4]}-{i}",
                        r["full_name"],
                        "person",
                        r["nationality"],
                        r["date_of_birth"],
                        "",
                        "",
                    ]
                )
    with open(NAMES / "watchman_cross_script_pairs.csv", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if line.strip() and not line.startswith("#"):
                rows.append([f"watchman-{i}", line.split(",")[0], "", "", "", "", ""])
    for name in ("yente_cgb_negatives_global.csv", "yente_cgb_negatives_us.csv"):
        with open(NAMES / name, encoding="utf-8", newline="") as fh:
            for i, r in enumerate(csv.DictReader(fh)):
                if len(rows) >= N_QUERIES // 2 * (2 if "us" in name else 1):
                    break
                rows.append(
                    [
                        f"neg-{name[18:-4]}-{i}",
                        r["full_name"],
                        "",
                        r["nationality"],
                        r["date_of_birth"],
                        "",
                        "",
                    ]
                )
    return rows


@pytest.fixture(scope="module")
def all_lists(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if not LISTS.exists():
        pytest.skip(f"shared data not found at {LISTS}")
    home = tmp_path_factory.mktemp("home")
    old = os.environ.get("COUNTERFLOW_HOME")
    os.environ["COUNTERFLOW_HOME"] = str(home)
    try:
        assert run(["lists", "load", str(LISTS)]) == 0
        yield home
    finally:
        if old is None:
            os.environ.pop("COUNTERFLOW_HOME", None)
        else:
            os.environ["COUNTERFLOW_HOME"] = old


def read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_spark_equals_local_on_20k_queries(all_lists: Path, spark: Any) -> None:
    rows = benchmark_rows() + BAD_ROWS
    assert len(rows) >= N_QUERIES
    inp = all_lists / "queries.csv"
    with open(inp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "kind", "country", "birth_date", "identifiers", "address"])
        w.writerows(rows)
    local, sp = all_lists / "local.csv", all_lists / "spark.csv"
    args = ["--threshold", "0.5", "--limit", "5", "--quiet"]
    assert run(["screen", "parties", str(inp), "-o", str(local), *args]) == 0
    assert run(["screen", "parties", str(inp), "-o", str(sp), "--engine", "spark", *args]) == 0
    a, b = read(local), read(sp)
    assert a[0] == b[0]
    assert len(a) > 2_000  # the positives and near names do hit
    assert sorted(a[1:]) == sorted(b[1:])
    ids = {r[0] for r in b[1:]}
    assert {rows[0][0], f"line-{len(rows) - len(BAD_ROWS) + 2}"} <= ids
    rejects = read(all_lists / "spark.rejects.csv")
    got = {(r[2], r[3]) for r in rejects[1:]}
    assert ("bad-kind", "kind") in got
    assert ("bad-country", "country") in got
    assert ("bad-date", "birth_date") in got
    assert ("empty-name", "name") in got
    assert any(r[3] == "id" and r[2].startswith("line-") for r in rejects[1:])
