"""Spark party screening on a small store written here: same rows as the local engine,
rejects named by file, line and field, a clear error for a missing or stale index."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

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
        aliases=[Alias("Владимир Владимирович Путин", script="Cyrl")],
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
    Party(
        dataset="ua_war_sanctions",
        source_id="NK-kupol",
        kind="organization",
        name="IEMZ KUPOL JSC",
    ),
]

INPUT = (
    "ID,Name,Kind,Country,Birth_Date,identifiers,Customer Ref\n"
    "1,Владимир Путин,person,Russia,1952,,=cmd|' /C calc'!A0\n"
    "2,Drake LLC,,,,INN1646047020,@SUM(1)\n"
    "3,,,,,,empty name\n"
    ",Kupol JSC,organisation,Narnia,1990-13-01,,no id\n"
    '4,"Putin,\nVladimir",spaceship,RU,,,line break in a name\n'
    ",Kupol,,,,,no id after a line break\n"
)


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    from counterflow.store import ListStore

    with ListStore.open() as store:
        store.load(ParseResult("us_ofac_sdn", "2024-05-03", PARTIES[:2], [], format="test"))
        store.load(ParseResult("ua_war_sanctions", "2026-03-13", PARTIES[2:], [], format="test"))
    return tmp_path


def run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return int(exc.value.code or 0)


def rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_same_rows_as_local_and_rejects(home: Path, spark: Any) -> None:
    inp = home / "in.csv"
    inp.write_text(INPUT, encoding="utf-8")
    local, sp = home / "local.csv", home / "spark.csv"
    common = ["--threshold", "0", "--limit", "3", "--quiet"]
    assert run(["screen", "parties", str(inp), "-o", str(local), *common]) == 0
    assert run(["screen", "parties", str(inp), "-o", str(sp), "--engine", "spark", *common]) == 0
    a, b = rows(local), rows(sp)
    assert a[0] == b[0]  # the same header, pass-through column included
    assert len(a) >= 5
    assert sorted(a[1:]) == sorted(b[1:])
    ids = {r[0] for r in b[1:]}
    assert {"line-5", "line-8"} <= ids  # rows without an id, named by their line as locally
    assert "'=cmd|' /C calc'!A0" in {r[12] for r in b[1:]}  # after entity_group

    rej = {(r[1], r[3], r[4]) for r in rows(home / "spark.rejects.csv")[1:]}
    assert ("4", "name", "empty name") in rej
    assert ("5", "id", "empty id") in rej
    assert ("5", "country", "unknown country (ignored)") in rej
    assert ("5", "birth_date", "bad birth_date (ignored)") in rej
    assert ("7", "kind", "unknown kind (screened as any)") in rej  # the line it ends on
    assert all(r[0] == str(inp) for r in rows(home / "spark.rejects.csv")[1:])


def test_parquet_in_and_out(home: Path, spark: Any) -> None:
    import polars as pl

    pq = home / "in.parquet"
    pl.DataFrame(
        {"id": ["1", "2"], "name": ["Vladimir Putin", "LLC Drake"], "kind": ["person", "x"]}
    ).write_parquet(pq)
    out = home / "hits.parquet"
    assert run(["screen", "parties", str(pq), "-o", str(out), "--engine", "spark", "-q"]) == 0
    hits = pl.read_parquet(out / "*.parquet")
    assert hits.columns[:11] == [
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
    top = hits.filter(pl.col("rank") == 1).sort("query_id")
    assert top["entity_id"].to_list() == ["us_ofac_sdn:35096", "us_ofac_sdn:47293"]
    rej = rows(home / "hits.rejects.csv")
    assert rej[1][1:5] == ["2", "2", "kind", "unknown kind (screened as any)"]


def test_missing_id_column_is_bad_input(home: Path, spark: Any) -> None:
    inp = home / "bad.csv"
    inp.write_text("name\nx\n", encoding="utf-8")
    assert run(["screen", "parties", str(inp), "-o", str(home / "o.csv"), "--engine", "spark"]) == 1


def test_stale_or_missing_index_names_the_versions(home: Path, spark: Any) -> None:
    from counterflow.errors import CounterflowError
    from counterflow.spark import IndexRef, IndexUnavailableError, screen_parties, ship_index
    from counterflow.spark.errors import spark_errors
    from counterflow.spark.index_ship import executor_screener

    ref = ship_index(spark)
    assert "us_ofac_sdn 2024-05-03" in ref.versions
    assert executor_screener(ref).index.fingerprint == ref.fingerprint
    df = spark.createDataFrame([("1", "Vladimir Putin")], "id string, name string")

    stale = IndexRef(ref.folder_name, "0" * 32, ref.versions)
    with (
        pytest.raises(IndexUnavailableError, match=r"stale name index.*us_ofac_sdn 2024-05-03"),
        spark_errors(),
    ):
        screen_parties(df, stale).hits.collect()

    missing = IndexRef("names-nothere", ref.fingerprint, ref.versions)
    with (
        pytest.raises(CounterflowError, match=r"missing on this executor.*ua_war_sanctions"),
        spark_errors(),
    ):
        screen_parties(df, missing).hits.collect()

    shared = IndexRef(ref.folder_name, ref.fingerprint, ref.versions, str(home / "nowhere"))
    with pytest.raises(IndexUnavailableError, match="no name index at"):
        executor_screener(shared)


def test_same_lists_from_a_second_home_ship_again(
    home: Path,
    spark: Any,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Spark keys shipped files by base name and refuses a different copy under the same
    name; a second home with the same lists (same fingerprint, a separately built index)
    must still ship and screen (CI failed on this when two tests shared a worker)."""
    from counterflow.spark import screen_parties, ship_index
    from counterflow.store import ListStore

    first = ship_index(spark)
    other = tmp_path_factory.mktemp("other") / "home"
    monkeypatch.setenv("COUNTERFLOW_HOME", str(other))
    with ListStore.open() as store:
        store.load(ParseResult("us_ofac_sdn", "2024-05-03", PARTIES[:2], [], format="test"))
        store.load(ParseResult("ua_war_sanctions", "2026-03-13", PARTIES[2:], [], format="test"))
    second = ship_index(spark)  # builds its own index under the second home
    assert second.folder_name == first.folder_name
    assert (other / "index" / second.folder_name / "meta.pkl").is_file()
    df = spark.createDataFrame([("1", "Drake LLC")], "id string, name string")
    top = [r for r in screen_parties(df, second).hits.collect() if r["rank"] == 1]
    assert [r["entity_id"] for r in top] == ["us_ofac_sdn:47293"]
