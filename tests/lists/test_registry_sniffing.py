"""Registry: content sniffing, gzip, grouping into publications, folders, unknown files."""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from counterflow.errors import BadInputError
from counterflow.lists import registry

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "fakeparser"))
import cf_fake_list
from cf_fake_list import fake_file


@pytest.fixture(autouse=True)
def fake_registered() -> Iterator[None]:
    registry.register_module(cf_fake_list)
    yield
    registry.unregister_module(cf_fake_list)


def test_fake_module_is_asked_first() -> None:
    mods = registry.parser_modules()
    assert mods[0] is cf_fake_list
    assert all(hasattr(m, "detect") and hasattr(m, "parse") for m in mods)


def test_sniff_groups_files_of_one_publication(tmp_path: Path) -> None:
    main = fake_file(tmp_path / "x1.txt", ["1|person|A"], group="g1")
    add = fake_file(tmp_path / "x2.txt", ["1|Street"], role="add", group="g1")
    other = fake_file(tmp_path / "y.txt", ["1|person|B"], dataset="other_ds")
    s = registry.sniff([main, add, other])
    assert not s.unrecognised
    groups = {(g.format, g.group): g for g in s.groups}
    assert set(groups) == {("fakelist", "g1"), ("fakelist", "other_ds")}
    g1 = groups[("fakelist", "g1")]
    assert g1.files == [main, add]
    assert g1.roles == {main: "main", add: "add"}
    assert g1.dataset == "fake_ds"


def test_content_not_name_decides(tmp_path: Path) -> None:
    disguised = fake_file(tmp_path / "sdn.csv", ["1|person|A"])
    assert registry.detect(disguised) is not None
    plain = tmp_path / "fake.fakelist"
    plain.write_text("id,name\n1,A\n")
    s = registry.sniff([plain])
    assert s.groups == []
    assert s.unrecognised[0].path == plain and s.unrecognised[0].explicit
    assert "not a list format" in s.unrecognised[0].reason


def test_gzip_is_read_decompressed(tmp_path: Path) -> None:
    src = fake_file(tmp_path / "a.txt", ["1|person|A"])
    gz = tmp_path / "a.txt.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    assert registry.read_head(gz).startswith(b"#FAKELIST")
    found = registry.detect(gz)
    assert found is not None and found.format == "fakelist"


def test_broken_gzip_and_empty_files_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    s = registry.sniff([bad, empty])
    reasons = {u.path.name: u.reason for u in s.unrecognised}
    assert "gzip" in reasons["bad.csv.gz"]
    assert reasons["empty.csv"] == "empty file"


def test_folders_one_level_hidden_files_skipped(tmp_path: Path) -> None:
    fake_file(tmp_path / "a.txt", ["1|person|A"])
    (tmp_path / ".hidden").write_text("#FAKELIST dataset=h\n")
    (tmp_path / "notes.md").write_text("hello")
    sub = tmp_path / "history"
    sub.mkdir()
    fake_file(sub / "old.txt", ["1|person|A"], version="2023-01-01")
    s = registry.sniff([tmp_path])
    assert [f.name for g in s.groups for f in g.files] == ["a.txt"]
    assert s.skipped_folders == [sub]
    assert [(u.path.name, u.explicit) for u in s.unrecognised] == [("notes.md", False)]


def test_missing_path_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="no such file") as exc:
        registry.sniff([tmp_path / "nope.csv"])
    assert exc.value.file and exc.value.file.endswith("nope.csv")


def test_same_file_twice_is_read_once(tmp_path: Path) -> None:
    f = fake_file(tmp_path / "a.txt", ["1|person|A"])
    s = registry.sniff([f, tmp_path, f])
    assert sum(len(g.files) for g in s.groups) == 1


def test_a_crashing_detector_does_not_stop_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken:
        FORMAT = "broken"

        @staticmethod
        def detect(path: Path, head: bytes) -> None:
            raise ValueError("boom")

        @staticmethod
        def parse(paths: object, dataset: object = None) -> None:
            raise AssertionError

    registry.register_module(Broken)  # type: ignore[arg-type]
    try:
        f = fake_file(tmp_path / "a.txt", ["1|person|A"])
        assert registry.detect(f) is not None
    finally:
        registry.unregister_module(Broken)  # type: ignore[arg-type]


def test_extra_parsers_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    registry.unregister_module(cf_fake_list)
    monkeypatch.setenv(registry.EXTRA_ENV, "cf_fake_list")
    assert cf_fake_list in registry.parser_modules()
    monkeypatch.setenv(registry.EXTRA_ENV, "no_such_parser_module_xyz")
    with pytest.raises(ModuleNotFoundError):
        registry.parser_modules()


def test_downloads_shapes() -> None:
    class M:
        FORMAT = "m"
        DOWNLOADS = {"a": "http://x/a.csv", "b": ["http://x/b1", "http://x/b2"]}  # noqa: RUF012

    assert registry.downloads(M) == {  # type: ignore[arg-type]
        "a": ["http://x/a.csv"],
        "b": ["http://x/b1", "http://x/b2"],
    }


def test_a_detector_that_cannot_read_a_file_is_named_in_the_reason(tmp_path: Path) -> None:
    class Picky:
        FORMAT = "picky"

        @staticmethod
        def detect(path: Path, head: bytes) -> None:
            raise UnicodeDecodeError("utf-8", head, 0, 1, "bad byte")

    registry.register_module(Picky)  # type: ignore[arg-type]
    try:
        f = tmp_path / "notes.txt"
        f.write_text("nothing a list parser knows\n", encoding="utf-8")
        s = registry.sniff([f])
    finally:
        registry.unregister_module(Picky)  # type: ignore[arg-type]
    assert not s.groups
    (u,) = s.unrecognised
    assert u.reason.startswith("not a list format Counterflow recognises")
    assert "picky: UnicodeDecodeError" in u.reason


def test_a_bug_in_a_detector_is_raised(tmp_path: Path) -> None:
    class Buggy:
        FORMAT = "buggy"

        @staticmethod
        def detect(path: Path, head: bytes) -> None:
            raise TypeError("a bug")

    registry.register_module(Buggy)  # type: ignore[arg-type]
    try:
        f = tmp_path / "notes.txt"
        f.write_text("nothing a list parser knows\n", encoding="utf-8")
        with pytest.raises(TypeError, match="a bug"):
            registry.sniff([f])
    finally:
        registry.unregister_module(Buggy)  # type: ignore[arg-type]
