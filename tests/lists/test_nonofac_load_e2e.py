"""End to end through the registry and the store: the non-OFAC fixtures, sniffed from a
folder, load as one snapshot per dataset with their counts and issues."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from counterflow.store import ListStore
from counterflow.store.loader import load_paths

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINE = (
    "un_consolidated_small.xml",
    "uk_conlist_small.csv",
    "eu_fsf_small.xml",
    "os_targets_small.csv",
    "bis_dpl_small.txt",
    "csl_small.csv",
)


def test_folder_of_lists_loads_per_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    folder = tmp_path / "lists"
    folder.mkdir()
    for name in MINE:
        shutil.copy(FIXTURES / name, folder / f"renamed_{name.replace('.', '_')}.dat")
    store = ListStore.open()
    report = load_paths([folder], store)
    assert not report.unrecognised
    status = {s.dataset: s for s in store.status()}
    assert set(status) == {
        "un_sc_sanctions",
        "gb_hmt_sanctions",
        "eu_fsf",
        "ua_war_sanctions",
        "us_bis_denied",
        "us_trade_csl",
    }
    assert status["un_sc_sanctions"].records == 3
    assert status["un_sc_sanctions"].version == "2026-02-27"
    assert status["gb_hmt_sanctions"].by_kind["vessel"] == 1
    assert status["us_trade_csl"].skipped == 1  # the truncated tail
    assert status["us_bis_denied"].skipped == 1  # the duplicate row
    [ivan] = store.get("9001", "gb_hmt_sanctions")
    assert ivan.identifiers_of("passport") == ["723456789", "0123456"]
    [ship] = store.get("NK-test1Vessel", "ua_war_sanctions")
    assert ship.identifiers_of("imo") == ["9253325"]
