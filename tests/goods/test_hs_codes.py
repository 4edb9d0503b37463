"""HS code parsing in every shape users type, and CHPL lookups."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.errors import BadInputError
from counterflow.goods.chpl import load_chpl, load_hs_nomenclature
from counterflow.goods.hs import HsCodeError, parse_hs, try_parse_hs

FIX = Path(__file__).parent / "fixtures"


def shapes(hs6: str) -> list[str]:
    """Every shape of one HS-6 a clerk might type."""
    h, s = hs6[:4], hs6[4:]
    return [
        hs6,
        f"{h}.{s}",
        f"{h}.{s}.0001",
        f"{h}.{s}.00",
        f"{hs6[:2]} {hs6[2:4]} {s}",
        f"{h}-{s}",
        f"HS {h}.{s}",
        f" {h}.{s} ",
    ]


@pytest.mark.parametrize("text", shapes("854231"))
def test_shapes_parse_to_the_same_hs6(text: str) -> None:
    hs = parse_hs(text)
    assert hs.hs6 == "854231"
    assert hs.heading == "8542"
    assert hs.chapter == "85"
    assert hs.dotted == "8542.31"


def test_heading_and_chapter_only() -> None:
    assert parse_hs("8542").hs6 is None
    assert parse_hs("8542").heading == "8542"
    assert parse_hs("85").chapter == "85"
    assert parse_hs("85").heading == ""


@pytest.mark.parametrize("bad", ["85423", "8542311", "854231000", "", "ABCD.12", "8542,31x"])
def test_wrong_length_or_characters_is_a_clear_error(bad: str) -> None:
    with pytest.raises(HsCodeError) as exc:
        parse_hs(bad)
    assert exc.value.reason
    assert try_parse_hs(bad) is None


def test_wrong_length_message_names_the_digits() -> None:
    with pytest.raises(HsCodeError, match="5 digits"):
        parse_hs("85423")


def test_chpl_fixture_lookup_and_descriptions() -> None:
    names = load_hs_nomenclature(FIX / "hs_small.csv")
    table = load_chpl(FIX / "chpl_small.csv", names)
    entry = table.lookup("8542.31.0001")
    assert entry is not None and entry.tier == "TIER_1" and entry.tier_number == 1
    # description missing in the CHPL file comes from the nomenclature
    mlcc = table.lookup("85 32 24")
    assert mlcc is not None and "ceramic" in mlcc.description
    assert table.lookup("8471.30") is None
    assert table.lookup("nonsense") is None
    assert table.lookup("848210").tier_number == 3  # type: ignore[union-attr]


def test_chpl_bad_row_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "chpl.csv"
    p.write_text("hs6,tier\n854231,TIER_1\n85423,TIER_1\n", encoding="utf-8")
    with pytest.raises(BadInputError) as exc:
        load_chpl(p)
    assert exc.value.line == 3 and exc.value.field == "hs6"


def test_chpl_missing_columns(tmp_path: Path) -> None:
    p = tmp_path / "chpl.csv"
    p.write_text("code,level\n854231,1\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="hs6,tier"):
        load_chpl(p)
