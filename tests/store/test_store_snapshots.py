"""ListStore: versioned snapshots, no-op reloads, history, diff, streaming reads."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from counterflow.lists.base import LoadIssue, ParseResult
from counterflow.records.model import (
    Alias,
    BirthDate,
    CountryRef,
    Identifier,
    Party,
)
from counterflow.store import ListStore, StoreError
from counterflow.store.codec import party_json


def person(sid: str, name: str, ds: str = "test_ds", **kw: object) -> Party:
    return Party(ds, sid, "person", name, **kw)  # type: ignore[arg-type]


def result(
    tmp_path: Path,
    records: list[Party],
    version: str = "2024-01-01",
    content: str = "v1",
    issues: list[LoadIssue] | None = None,
    ds: str = "test_ds",
) -> ParseResult:
    f = tmp_path / f"{ds}-{version}-{content}.txt"
    f.write_text(content)
    return ParseResult(ds, version, records, [f], issues or [], "fake")


@pytest.fixture
def store(tmp_path: Path) -> ListStore:
    return ListStore.open(tmp_path / "lists.sqlite")


def test_load_creates_active_snapshot_with_counts(store: ListStore, tmp_path: Path) -> None:
    recs = [
        person("1", "Ivan Petrov"),
        Party("test_ds", "2", "organization", "Acme LLC"),
        Party("test_ds", "3", "vessel", "SEA STAR"),
    ]
    issues = [
        LoadIssue("a.csv", 4, "name", "empty name"),
        LoadIssue("add.csv", 9, "ent_num", "no entry 99", "orphaned"),
        LoadIssue("add.csv", 10, "ent_num", "no entry 98", "orphaned"),
        LoadIssue("a.csv", 5, "dob", "bad date", "warning"),
    ]
    info = store.load(result(tmp_path, recs, issues=issues))
    assert info.active and not info.unchanged
    assert (info.dataset, info.version, info.records, info.format) == (
        "test_ds",
        "2024-01-01",
        3,
        "fake",
    )
    assert info.by_kind == {"person": 1, "organization": 1, "vessel": 1, "aircraft": 0}
    assert (info.skipped, info.orphaned, info.warnings) == (1, 2, 1)
    assert len(info.sha256) == 64
    assert [i.describe() for i in store.issues(info.snapshot_id)] == [i.describe() for i in issues]
    assert store.status() == [info]
    d = info.to_dict()
    for key in ("dataset", "version", "records", "by_kind", "skipped", "orphaned", "loaded_at"):
        assert key in d


def test_same_files_same_content_is_noop(store: ListStore, tmp_path: Path) -> None:
    first = store.load(result(tmp_path, [person("1", "A")]))
    again = store.load(result(tmp_path, [person("1", "A")]))
    assert again.unchanged
    assert again.snapshot_id == first.snapshot_id
    assert len(store.versions("test_ds")) == 1


def test_same_files_new_parser_output_is_a_new_snapshot(store: ListStore, tmp_path: Path) -> None:
    first = store.load(result(tmp_path, [person("1", "A")]))
    second = store.load(result(tmp_path, [person("1", "A"), person("2", "B")]))
    assert not second.unchanged and second.snapshot_id != first.snapshot_id
    assert second.sha256 == first.sha256
    assert [v.active for v in store.versions("test_ds")] == [False, True]


def test_sha256_of_one_file_is_the_file_sha256(store: ListStore, tmp_path: Path) -> None:
    import hashlib

    r = result(tmp_path, [person("1", "A")], content="hello list")
    info = store.load(r)
    assert info.sha256 == hashlib.sha256(b"hello list").hexdigest()


def test_records_round_trip_and_digest(store: ListStore, tmp_path: Path) -> None:
    p = person(
        "7",
        "Иван Петров",
        aliases=[Alias("Ivan Petrov", "weak", None, "a.k.a."), Alias("ИВАН", script="Cyrl")],
        birth_dates=[BirthDate("1961-03", circa=True)],
        countries=[CountryRef("ru", "nationality")],
        identifiers=[Identifier("inn", "7701234567", "7701 234567", "ru", "INN")],
        addresses=["Moscow"],
        programs=["RUSSIA-EO14024"],
        properties={"notes": ["x"]},
        listed_on="2022-02-24",
    )
    assert party_json(p) == p.to_json()
    store.load(result(tmp_path, [p]))
    got = store.get("7")
    assert got == [p]
    assert got[0].digest() == p.digest()
    assert store.get("7", dataset="other") == []
    assert store.get("nope") == []


def test_iter_records_streams_active_only_in_order(store: ListStore, tmp_path: Path) -> None:
    store.load(result(tmp_path, [person(str(i), f"n{i}") for i in range(5)]))
    store.load(result(tmp_path, [person(str(i), f"m{i}") for i in range(3)], "2024-02-01", "v2"))
    store.load(result(tmp_path, [person("x", "other", ds="b_ds")], ds="b_ds"))
    got = [(p.dataset, p.source_id, p.name) for p in store.iter_records()]
    assert got == [("b_ds", "x", "other")] + [("test_ds", str(i), f"m{i}") for i in range(3)]
    assert [p.source_id for p in store.iter_records(["b_ds"])] == ["x"]
    assert list(store.iter_records([])) == []
    it = store.iter_records()
    assert next(it).dataset == "b_ds"  # a generator: nothing materialised up front
    it.close()


def test_fingerprint_changes_with_active_snapshots(store: ListStore, tmp_path: Path) -> None:
    f0 = store.fingerprint()
    store.load(result(tmp_path, [person("1", "A")]))
    f1 = store.fingerprint()
    store.load(result(tmp_path, [person("1", "A")]))  # no-op
    assert store.fingerprint() == f1
    store.load(result(tmp_path, [person("1", "B")], "2024-02-01", "v2"))
    assert len({f0, f1, store.fingerprint()}) == 3


def test_diff_added_removed_changed(store: ListStore, tmp_path: Path) -> None:
    old = [person("1", "Keep"), person("2", "Gone"), person("10", "Old name")]
    new = [person("1", "Keep"), person("10", "New name"), person("3", "Fresh")]
    store.load(result(tmp_path, old, "2024-01-01", "v1"))
    store.load(result(tmp_path, new, "2024-01-08", "v2"))
    d = store.diff("test_ds")
    assert [p.source_id for p in d.added] == ["3"]
    assert [p.source_id for p in d.removed] == ["2"]
    assert [(a.name, b.name) for a, b in d.changed] == [("Old name", "New name")]
    assert d.total == 3
    assert "1 added, 1 removed, 1 changed" in d.summary()
    # Explicit versions, either way round, and by snapshot id.
    back = store.diff("test_ds", "2024-01-08", "2024-01-01")
    assert [p.source_id for p in back.added] == ["2"]
    assert store.diff("test_ds", f"#{d.old.snapshot_id}").total == 3
    js = json.loads(json.dumps(d.to_dict()))
    assert js["summary"] == {"added": 1, "removed": 1, "changed": 1, "total": 3}
    assert js["changed"][0]["fields"] == ["name"]


def test_diff_errors(store: ListStore, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not loaded"):
        store.diff("test_ds")
    store.load(result(tmp_path, [person("1", "A")]))
    with pytest.raises(StoreError, match="no snapshot before"):
        store.diff("test_ds")
    with pytest.raises(StoreError, match="no version '1999'"):
        store.diff("test_ds", "1999")


def test_duplicate_source_ids_kept_and_warned(store: ListStore, tmp_path: Path) -> None:
    info = store.load(result(tmp_path, [person("1", "A"), person("1", "B")]))
    assert info.records == 2 and info.warnings == 1
    assert "occurs 2 times" in store.issues(info.snapshot_id)[0].reason
    assert {p.name for p in store.get("1")} == {"A", "B"}
    store.load(result(tmp_path, [person("1", "A"), person("1", "C")], "2024-02-01", "v2"))
    d = store.diff("test_ds")
    assert [(a.name, b.name) for a, b in d.changed] == [("B", "C")]


def test_record_of_another_dataset_is_refused(store: ListStore, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="belongs to dataset"):
        store.load(result(tmp_path, [person("1", "A", ds="elsewhere")]))
    assert store.status() == []


def test_exception_mid_write_keeps_previous_version(store: ListStore, tmp_path: Path) -> None:
    old = store.load(result(tmp_path, [person(str(i), f"old {i}") for i in range(10)]))
    before = (store.status(), store.fingerprint(), store.versions("test_ds"))
    big = [person(str(i), f"new {i}") for i in range(5000)]
    calls: list[int] = []

    def boom(done: int, total: int) -> None:
        calls.append(done)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        store.load(result(tmp_path, big, "2024-02-01", "v2"), progress=boom)
    assert calls and calls[0] < 5000  # it failed after a first batch was written
    assert (store.status(), store.fingerprint(), store.versions("test_ds")) == before
    assert [p.name for p in store.get("3")] == ["old 3"]
    # A fresh connection sees the same: nothing half-written was committed.
    with ListStore.open(store.path) as other:
        assert other.status()[0].snapshot_id == old.snapshot_id
        assert sum(1 for _ in other.iter_records()) == 10
        n = sqlite3.connect(other.path).execute("SELECT count(*) FROM snapshots").fetchone()[0]
        assert n == 1


def test_prune_keeps_active_and_history(store: ListStore, tmp_path: Path) -> None:
    for n in range(4):
        store.load(result(tmp_path, [person("1", f"v{n}")], f"2024-0{n + 1}-01", f"c{n}"))
    assert store.prune(keep=2) == 2
    assert [v.version for v in store.versions("test_ds")] == ["2024-03-01", "2024-04-01"]
    assert store.get("1")[0].name == "v3"
    assert store.diff("test_ds").total == 1


def test_same_files_and_records_under_another_version_string_is_noop(
    store: ListStore, tmp_path: Path
) -> None:
    r1 = result(tmp_path, [person("1", "A")], "2024-01-01")
    first = store.load(r1)
    r2 = ParseResult("test_ds", "2024-01-09", [person("1", "A")], r1.files, [], "fake")
    again = store.load(r2)  # e.g. a version taken from the file's mtime
    assert again.unchanged and again.snapshot_id == first.snapshot_id


def test_fingerprint_differs_for_a_rebuilt_store(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite"
    with ListStore.open(db) as s1:
        s1.load(result(tmp_path, [person("1", "A")]))
        f1 = s1.fingerprint()
    for p in tmp_path.glob("x.sqlite*"):
        p.unlink()
    with ListStore.open(db) as s2:
        info = s2.load(result(tmp_path, [person("1", "B")], content="v2"))
        assert info.snapshot_id == 1  # ids start again...
        assert s2.fingerprint() != f1  # ...but the fingerprint still tells them apart


def test_reader_keeps_a_consistent_view_during_a_load(store: ListStore, tmp_path: Path) -> None:
    store.load(result(tmp_path, [person(str(i), f"old {i}") for i in range(3000)]))
    it = store.iter_records()
    first = next(it)
    store.load(result(tmp_path, [person(str(i), f"new {i}") for i in range(10)], "v2", "v2"))
    rest = list(it)
    assert first.name == "old 0" and len(rest) == 2999
    assert all(p.name.startswith("old ") for p in rest)
    assert [p.name for p in store.iter_records()][:1] == ["new 0"]


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "lists.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open the list store"):
        ListStore.open(bad)


def test_newer_schema_is_refused(store: ListStore) -> None:
    conn = sqlite3.connect(store.path)
    conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer Counterflow"):
        ListStore.open(store.path)
