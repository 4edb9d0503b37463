"""Loader: sniff -> parse each publication -> store; failures stay per publication."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from counterflow.errors import UsageError
from counterflow.lists import registry
from counterflow.store import ListStore
from counterflow.store.loader import Guard, load_paths

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "fakeparser"))
import cf_fake_list
from cf_fake_list import fake_file


@pytest.fixture(autouse=True)
def fake_registered() -> Iterator[None]:
    registry.register_module(cf_fake_list)
    yield
    registry.unregister_module(cf_fake_list)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ListStore]:
    with ListStore.open(tmp_path / "db" / "lists.sqlite") as s:
        yield s


def test_loads_a_set_with_skipped_and_orphaned(store: ListStore, tmp_path: Path) -> None:
    main = fake_file(tmp_path / "m.txt", ["1|person|A", "garbage", "2|vessel|SEA"])
    add = fake_file(tmp_path / "a.txt", ["1|Main St", "99|Nowhere"], role="add")
    stages: list[str] = []
    progress: list[tuple[int, int]] = []
    rep = load_paths(
        [main, add],
        store,
        on_stage=stages.append,
        on_records=lambda d, t: progress.append((d, t)),
    )
    assert rep.exit_code == 0 and len(rep.loaded) == 1
    info = rep.loaded[0].info
    assert info is not None
    assert (info.records, info.skipped, info.orphaned) == (2, 1, 1)
    assert info.by_kind["vessel"] == 1
    assert [i.line for i in rep.loaded[0].issues] == [3, 3]
    assert any(s.startswith("parsing") for s in stages)
    assert progress[-1] == (2, 2)
    assert store.get("1")[0].addresses == ["Main St"]


def test_one_bad_publication_does_not_block_the_others(store: ListStore, tmp_path: Path) -> None:
    good = fake_file(tmp_path / "good.txt", ["1|person|A"], dataset="good_ds")
    bad = fake_file(tmp_path / "bad.txt", ["1|person|A"], dataset="bad_ds", extra="fail=broken")
    crash = fake_file(tmp_path / "c.txt", ["1|person|A"], dataset="c_ds", extra="crash=oops")
    rep = load_paths([good, bad, crash], store)
    assert [o.dataset for o in rep.loaded] == ["good_ds"]
    errors = {o.dataset: o.error or "" for o in rep.failed}
    assert "bad.txt" in errors["bad_ds"] and "broken" in errors["bad_ds"]
    assert "RuntimeError: oops" in errors["c_ds"]
    assert rep.exit_code == 1
    assert [i.dataset for i in store.status()] == ["good_ds"]


def test_no_records_never_replaces_a_list(store: ListStore, tmp_path: Path) -> None:
    load_paths([fake_file(tmp_path / "v1.txt", ["1|person|A"])], store)
    rep = load_paths([fake_file(tmp_path / "v2.txt", ["junk"], version="2024-02-01")], store)
    assert rep.exit_code == 1
    err = rep.failed[0].error or ""
    assert "no record could be read" in err and "v2.txt:2" in err
    assert store.active("fake_ds") is not None
    assert store.active("fake_ds").version == "2024-01-01"  # type: ignore[union-attr]


def test_versions_of_one_dataset_are_stored_oldest_first(store: ListStore, tmp_path: Path) -> None:
    new = fake_file(tmp_path / "new.txt", ["1|person|B"], version="2024-05-03", group="n")
    old = fake_file(tmp_path / "old.txt", ["1|person|A"], version="2024-04-26", group="o")
    rep = load_paths([new, old], store)
    assert [o.info.version for o in rep.loaded if o.info] == ["2024-04-26", "2024-05-03"]
    assert store.active("fake_ds").version == "2024-05-03"  # type: ignore[union-attr]
    assert store.diff("fake_ds").total == 1


def test_older_version_is_refused_unless_forced(store: ListStore, tmp_path: Path) -> None:
    load_paths([fake_file(tmp_path / "n.txt", ["1|person|B"], version="2024-05-03")], store)
    old = fake_file(tmp_path / "o.txt", ["1|person|A"], version="2024-04-26")
    rep = load_paths([old], store)
    assert not rep.loaded and rep.exit_code == 1
    assert "older than the version in force (2024-05-03)" in (rep.failed[0].error or "")
    assert store.active("fake_ds").version == "2024-05-03"
    rep = load_paths([old], store, guard=Guard(force=True))
    assert rep.loaded[0].info.version == "2024-04-26"
    assert "loaded with --force" in (rep.loaded[0].note or "")
    issues = store.issues(rep.loaded[0].info.snapshot_id)
    assert any("loaded with --force" in i.reason for i in issues)


def test_sharply_smaller_list_is_refused(store: ListStore, tmp_path: Path) -> None:
    rows = [f"{i}|person|Name {i}" for i in range(1, 11)]
    load_paths([fake_file(tmp_path / "n.txt", rows, version="2024-05-03")], store)
    # 8 of 10 (20 % fewer) is allowed; 7 of 10 is refused at the default 20 %.
    rep = load_paths([fake_file(tmp_path / "m.txt", rows[:8], version="2024-05-04")], store)
    assert rep.loaded and rep.loaded[0].info.records == 8
    rep = load_paths([fake_file(tmp_path / "s.txt", rows[:6], version="2024-05-05")], store)
    assert not rep.loaded and "25 % fewer than the 8 in force" in (rep.failed[0].error or "")
    assert store.active("fake_ds").records == 8
    rep = load_paths(
        [fake_file(tmp_path / "s.txt", rows[:6], version="2024-05-05")],
        store,
        guard=Guard(max_shrink=0.5),
    )
    assert rep.loaded[0].info.records == 6


def test_reload_same_files_is_unchanged(store: ListStore, tmp_path: Path) -> None:
    f = fake_file(tmp_path / "m.txt", ["1|person|A"])
    first = load_paths([f], store).loaded[0].info
    again = load_paths([f], store).loaded[0].info
    assert first is not None and again is not None
    assert again.unchanged and again.snapshot_id == first.snapshot_id


def test_dataset_override(store: ListStore, tmp_path: Path) -> None:
    f = fake_file(tmp_path / "m.txt", ["1|person|A"])
    rep = load_paths([f], store, dataset="my_list")
    assert rep.loaded[0].info.dataset == "my_list"  # type: ignore[union-attr]
    g = fake_file(tmp_path / "n.txt", ["1|person|A"], dataset="other")
    with pytest.raises(UsageError, match="one publication"):
        load_paths([f, g], store, dataset="my_list")


def test_unrecognised_named_file_fails_the_call(store: ListStore, tmp_path: Path) -> None:
    f = fake_file(tmp_path / "m.txt", ["1|person|A"])
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01\x02")
    rep = load_paths([f, junk], store)
    assert len(rep.loaded) == 1 and rep.exit_code == 1
    # Found in a folder, an unknown file is only a note.
    rep2 = load_paths([tmp_path], store)
    assert rep2.exit_code == 0 and [u.path.name for u in rep2.unrecognised] == ["junk.bin"]


def test_same_publication_twice_is_stored_once(store: ListStore, tmp_path: Path) -> None:
    a = fake_file(tmp_path / "csvset.txt", ["1|person|A"], group="csv")
    b = fake_file(tmp_path / "xml.txt", ["1|person|A", "2|person|B"], group="xml")
    rep = load_paths([a, b], store)
    assert rep.exit_code == 0
    assert [o.files[0].name for o in rep.loaded] == ["xml.txt"]  # the fuller copy
    [dup] = [o for o in rep.outcomes if o.superseded]
    assert dup.files == [a] and "one copy per publication" in (dup.note or "")
    assert len(store.versions("fake_ds")) == 1


def test_one_per_dataset_whatever_the_versions(store: ListStore, tmp_path: Path) -> None:
    a = fake_file(tmp_path / "a.txt", ["1|person|A"], group="a", version="2024-01-02")
    b = fake_file(tmp_path / "b.txt", ["1|person|A"], group="b", version="2024-01-01")
    rep = load_paths([a, b], store, one_per_dataset=True)
    assert len(rep.loaded) == 1 and len(store.versions("fake_ds")) == 1
