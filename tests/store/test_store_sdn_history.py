"""Real data: the SDN change between 2024-04-26 and 2024-05-03 (313 entry-level changes)."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

from counterflow.store import ListStore
from counterflow.store.loader import load_paths

LISTS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "lists"
OLD = LISTS / "history" / "ofac_sdn_2024-04-26.csv"
NEW = LISTS / "ofac_sdn_2024-05-03.csv"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not NEW.exists() or not OLD.exists(), reason="../shared/data absent"),
    pytest.mark.skipif(
        importlib.util.find_spec("counterflow.lists.ofac_csv") is None,
        reason="OFAC CSV parser not built yet",
    ),
]


def _raw_rows(path: Path) -> dict[str, list[str]]:
    with path.open(encoding="latin-1", newline="") as fh:
        return {r[0].strip(): r for r in csv.reader(fh) if r and r[0].strip().isdigit()}


def test_sdn_history_diff_matches_the_raw_files(tmp_path: Path) -> None:
    with ListStore.open(tmp_path / "lists.sqlite") as store:
        assert load_paths([OLD], store).exit_code == 0
        assert load_paths([NEW], store).exit_code == 0
        d = store.diff("us_ofac_sdn")
    assert (d.old.version, d.new.version) == ("2024-04-26", "2024-05-03")
    # An independent count straight from the CSV rows, keyed by ent_num.
    old, new = _raw_rows(OLD), _raw_rows(NEW)
    assert {p.source_id for p in d.added} == new.keys() - old.keys()
    assert {p.source_id for p in d.removed} == old.keys() - new.keys()
    raw_changed = {k for k in old.keys() & new.keys() if old[k] != new[k]}
    assert {b.source_id for _, b in d.changed} == raw_changed
    assert d.total == 313
