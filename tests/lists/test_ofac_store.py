"""OFAC fixtures through the registry, the loader and the store (end to end)."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.store import ListStore
from counterflow.store.loader import load_paths

FIX = Path(__file__).parent / "fixtures"


def test_sdn_set_folder_loads_with_orphans_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    store = ListStore.open()
    report = load_paths([FIX / "ofac_sdn_csv"], store)
    assert [o.dataset for o in report.loaded] == ["us_ofac_sdn"]
    [info] = store.status()
    assert info.dataset == "us_ofac_sdn"
    assert info.records == 8
    assert info.by_kind["vessel"] == 1 and info.by_kind["aircraft"] == 1
    assert info.orphaned == 3
    [vessel] = store.get("4243", "us_ofac_sdn")
    assert vessel.identifiers_of("imo") == ["7406784"]


def test_cons_csv_and_xml_load_as_the_consolidated_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    store = ListStore.open()
    report = load_paths([FIX / "ofac_cons_csv", FIX / "ofac_xml" / "consolidated.xml"], store)
    assert report.failed == []
    datasets = {i.dataset: i for i in store.status()}
    assert set(datasets) == {"us_ofac_cons"}
    versions = store.versions("us_ofac_cons")
    # The CSV set has no date in its names (version = file date), the XML says 2026-01-08.
    assert len(versions) == 2
    assert "2026-01-08" in {v.version for v in versions}
    # The XML (2026-01-08) holds 2 records, the CSV set (dated by its files) 4.
    assert {v.format: v.records for v in versions} == {"ofac_xml": 2, "ofac_csv": 4}
