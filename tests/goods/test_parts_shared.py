"""Part matching on the real GUR drone-component table (../shared/data, NC licence: read
at test time, never copied). Cases are built from the table itself."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from counterflow.goods.parts import ComponentTable, device_base, load_components

GUR = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "drones"
    / "gur_components_dedup.csv"
)
pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not GUR.is_file(), reason="../shared/data/drones absent"),
]


@pytest.fixture(scope="module")
def table() -> ComponentTable:
    return load_components(GUR)


def _clean_keys(table: ComponentTable, n: int) -> list[str]:
    """Keys that look like real manufacturer part numbers (letters, then 3+ digits, then
    an ordering code), picked at random with a fixed seed."""
    keys = sorted(
        {
            k
            for c in table.components
            for k in c.keys
            if re.fullmatch(r"[A-Z]{2,5}\d{3,6}[A-Z]{1,4}", k)
        }
    )
    return random.Random(4).sample(keys, min(n, len(keys)))


def test_table_loads_with_parts(table: ComponentTable) -> None:
    assert len(table.components) > 1500
    assert table.skipped > 0  # "(unspecified)" rows are counted, not silently dropped


def test_tms320_from_a_shahed_found_from_digikey_number(table: ComponentTable) -> None:
    m = table.match("296-TMS320F28335PGFA-ND", "Texas Instruments Inc.")
    assert m and m[0].listed_key == "TMS320F28335PGFA"
    assert any("shahed" in d or "geran" in d for d in m[0].drones)
    assert m[0].maker_agrees is True


def test_distributor_style_numbers_of_table_parts(table: ComponentTable) -> None:
    keys = _clean_keys(table, 150)
    assert len(keys) > 50
    wraps = ["296-{}-ND", "{}-TR", "595-{}", "{}T&R", "{}-REEL7", "{}/NOPB", "{}#PBF", "{} CT-ND"]
    missed = []
    for i, key in enumerate(keys):
        query = wraps[i % len(wraps)].format(key)
        found = {m.listed_key for m in table.match(query, limit=10)}
        if key not in found:
            missed.append(query)
    assert not missed


def test_other_devices_of_the_same_family_do_not_match(table: ComponentTable) -> None:
    keys = _clean_keys(table, 150)
    all_bases = {device_base(k) for c in table.components for k in c.keys}
    wrong = []
    for key in keys:
        base = device_base(key)
        # change the last digit of the device number: another device of the family
        last = base[-1]
        other_digit = str((int(last) + 3) % 10)
        sibling_base = base[:-1] + other_digit
        if sibling_base in all_bases or any(
            k.startswith(sibling_base) for c in table.components for k in c.keys
        ):
            continue  # the sibling is itself in the table
        query = sibling_base + key[len(base) :]
        found = {m.listed_key for m in table.match(query, limit=10)}
        if key in found:
            wrong.append((query, key))
    assert not wrong
