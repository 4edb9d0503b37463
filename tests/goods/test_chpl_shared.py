"""Every code of the real CHPL table (../shared/data) is recognised in every shape."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from counterflow.goods.chpl import load_chpl, load_hs_nomenclature

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "trade"
CHPL = SHARED / "chpl_hs6_tiers_2024-02-23.csv"
HS = SHARED / "hs_nomenclature_datasets-harmonized-system.csv"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not CHPL.is_file(), reason="../shared/data/trade absent"),
]


def _codes() -> list[tuple[str, str]]:
    if not CHPL.is_file():
        return []
    with CHPL.open(encoding="utf-8") as fh:
        return [(r["hs6"], r["tier"]) for r in csv.DictReader(fh)]


def test_table_has_the_50_codes() -> None:
    table = load_chpl(CHPL, load_hs_nomenclature(HS))
    assert len(table.tiers) == len(_codes()) == 50
    assert all(e.description for e in table.tiers.values())


def test_every_code_in_every_shape() -> None:
    table = load_chpl(CHPL, load_hs_nomenclature(HS))
    missed = []
    for hs6, tier in _codes():
        h, s = hs6[:4], hs6[4:]
        for shape in (
            hs6,
            f"{h}.{s}",
            f"{h}.{s}.0001",
            f"{hs6[:2]} {hs6[2:4]} {s}",
            f"{h}.{s}.10.00",
        ):
            entry = table.lookup(shape)
            if entry is None or entry.tier != tier:
                missed.append(shape)
    assert not missed


def test_neighbours_of_chpl_codes_are_not_chpl() -> None:
    table = load_chpl(CHPL, load_hs_nomenclature(HS))
    # 8542.31 is CHPL, 8542.90 (parts of ICs) is not; 8471.50 is, 8471.30 (laptops) is not
    assert table.lookup("8542.90") is None
    assert table.lookup("8471.30") is None
