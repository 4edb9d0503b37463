"""The saved ownership graph: an edge file given again with --ownership is read once."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.ownership.saved import open_saved, save_sources

FIXTURE = Path(__file__).parent / "fixtures" / "edges.csv"


def test_extra_file_identical_to_a_loaded_one_is_not_counted_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    save_sources([FIXTURE])
    alone = open_saved()
    assert alone is not None
    copy = tmp_path / "same-edges.csv"
    copy.write_bytes(FIXTURE.read_bytes())
    again = open_saved([copy])
    assert again is not None
    assert again.edge_count == alone.edge_count


def test_extra_file_with_other_edges_is_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    save_sources([FIXTURE])
    alone = open_saved()
    assert alone is not None
    other = tmp_path / "more.csv"
    other.write_text("owner,owned,percent\nNew Owner,New Co,55\n", "utf-8")
    more = open_saved([other])
    assert more is not None
    assert more.edge_count == alone.edge_count + 1
