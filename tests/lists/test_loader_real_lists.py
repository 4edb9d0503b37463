"""Real data: every public list in ../shared/data/lists loads in one call, with the counts
SOURCES.md and issue 2 give, and the broken files reported, not crashed on."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.store import ListStore
from counterflow.store.loader import load_paths

LISTS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "lists"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not LISTS.is_dir(), reason="../shared/data absent"),
]


def test_whole_folder_loads_with_source_counts(tmp_path: Path) -> None:
    with ListStore.open(tmp_path / "lists.sqlite") as store:
        report = load_paths([LISTS], store)
        errors = [o.error for o in report.failed]
        assert errors == []
        assert [u.describe() for u in report.unrecognised] == []
        assert report.exit_code == 0
        assert [p.name for p in report.skipped_folders] == ["history"]
        st = {i.dataset: i for i in store.status()}
        issues = {ds: store.issues(i.snapshot_id) for ds, i in st.items()}

    assert set(st) >= {
        "us_ofac_sdn",
        "us_ofac_cons",
        "un_sc_sanctions",
        "gb_hmt_sanctions",
        "eu_fsf",
        "ua_war_sanctions",
        "us_bis_denied",
        "us_trade_csl",
    }
    sdn = st["us_ofac_sdn"]
    assert (sdn.version, sdn.records) == ("2024-05-03", 14965)
    assert sdn.by_kind == {"person": 6854, "organization": 6884, "vessel": 851, "aircraft": 376}
    assert sdn.orphaned > 0  # add/alt/comments rows of entries newer than the main file
    assert all(i.file and i.line for i in issues["us_ofac_sdn"] if i.severity == "orphaned")
    assert st["us_ofac_cons"].records == 442
    un = st["un_sc_sanctions"]
    assert (un.version, un.by_kind["person"], un.by_kind["organization"]) == (
        "2026-02-27",
        730,
        273,
    )
    assert (st["gb_hmt_sanctions"].version, st["gb_hmt_sanctions"].records) == (
        "2025-04-10",
        4686,
    )
    assert st["eu_fsf"].records == 5795
    ua = st["ua_war_sanctions"]
    assert (ua.records, ua.by_kind["vessel"]) == (5600, 1340)
    bis = st["us_bis_denied"]
    assert bis.records + bis.skipped == 581  # every row loaded or reported
    csl = st["us_trade_csl"]
    assert csl.records > 4000 and csl.skipped >= 1
    assert any("truncated" in i.reason for i in issues["us_trade_csl"])
