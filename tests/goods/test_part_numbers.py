"""Part-number normalisation and matching against a drone-component table."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.errors import BadInputError
from counterflow.goods.makers import canonical_makers
from counterflow.goods.parts import (
    candidate_keys,
    device_base,
    load_components,
    normalise_part,
    table_from_rows,
)

FIX = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("296-TMS320F28335PGFA-ND", "TMS320F28335PGFA"),
        ("TMS320F28335PGFA CT-ND", "TMS320F28335PGFA"),
        ("LMZ14203TZ/NOPB", "LMZ14203TZ"),
        ("STM32F405RGT6TR", "STM32F405RGT6"),
        ("IRLML6344TRPBF", "IRLML6344"),
        ("IRF540N#PBF", "IRF540N"),
        ("MAX913ESA+T", "MAX913ESA"),
        ("ADXL357BEZ-RL7", "ADXL357BEZ"),
        ("AD9243ASZ-REEL7", "AD9243ASZ"),
        ("BSS138 T&R", "BSS138"),
        ("595-TPS54312PWP", "TPS54312PWP"),
        ("neo-m8n-0-10", "NEOM8N010"),
    ],
)
def test_normalise_strips_distributor_and_packaging(raw: str, norm: str) -> None:
    assert normalise_part(raw) == norm


def test_device_base() -> None:
    assert device_base("TMS320F28335PGFA") == "TMS320F28335"
    assert device_base("NEOM8N") == "NEOM8N"  # no 3-digit run before the letters
    assert device_base("STM32F405RGT6") == "STM32F405RGT6"


def test_candidate_keys_from_noisy_markings() -> None:
    keys = candidate_keys("Signal processor TMS320 F28335PGFA lot XY-12AB34 G4")
    assert "TMS320F28335PGFA" in keys
    assert "ADXL357B" in candidate_keys("Low-noise 3-axis MEMS accelerometer ADXL 357B #1999 1234")
    # lot codes after '#' and unit words are not part numbers
    assert not any(k.startswith("1999") for k in candidate_keys("ADXL 357B #1999 123456"))
    assert "RS232" not in candidate_keys("RS-232 line driver MAX3221")
    # Cyrillic look-alike letters in transcriptions are read as Latin
    assert "MAX1660EEE" in candidate_keys("MAХ1660ЕЕЕ 999")


def test_maker_aliases() -> None:
    assert canonical_makers("TI") == canonical_makers("Texas Instruments Inc.")
    assert "texas instruments" in canonical_makers("National Semiconductor (Texas Instruments)")
    assert "analog devices" in canonical_makers("Maxim Integrated Products (Analog Devices)")
    assert canonical_makers("Not identified") == frozenset()


@pytest.fixture(scope="module")
def table():  # type: ignore[no-untyped-def]
    return load_components(FIX / "components_small.csv")


def test_fixture_table_loads_and_counts_unusable_rows(table) -> None:  # type: ignore[no-untyped-def]
    assert table.skipped == 1  # "(unspecified)"
    assert len(table.components) == 6


@pytest.mark.parametrize(
    ("query", "maker", "listed"),
    [
        ("296-TMS320F28335PGFA-ND", "TI", "TMS320F28335PGFA"),
        ("TMS320F28335PGFAR", "Texas Instruments Inc.", "TMS320F28335PGFA"),
        ("LM258DR", None, "LM258"),
        ("ADXL357BEZ-RL7", "ADI", "ADXL357B"),
        ("NEO-M8N-0-10", "u-blox", "NEOM8N"),
        ("MAX1660EEE+T", "Maxim", "MAX1660EEE"),
        ("LMZ14203TZ/NOPB", "TI", "LMZ14203"),
    ],
)
def test_distributor_style_numbers_find_the_component(table, query, maker, listed) -> None:  # type: ignore[no-untyped-def]
    matches = table.match(query, maker)
    assert matches, query
    assert matches[0].listed_key == listed
    assert matches[0].score >= 0.8
    assert matches[0].drones


@pytest.mark.parametrize(
    "query",
    [
        "TMS320F28035PNT",  # other device of the same C2000 family
        "TMS320",  # the family prefix alone is not the listed DSP
        "LM2586SX-5.0",  # LM258 is a prefix but 2586 is another device
        "ADXL355BEZ",  # sibling accelerometer
        "NEO-M8T-0-10",  # timing variant of the GNSS module
        "MAX16600",
    ],
)
def test_unrelated_parts_of_the_same_family_do_not_match(table, query) -> None:  # type: ignore[no-untyped-def]
    keys = {m.listed_key for m in table.match(query)}
    assert "TMS320F28335PGFA" not in keys
    assert "LM258" not in keys
    assert "ADXL357B" not in keys
    assert "NEOM8N" not in keys
    assert "MAX1660EEE" not in keys


def test_maker_disagreement_lowers_the_score(table) -> None:  # type: ignore[no-untyped-def]
    same = table.match("LM258DR", "Texas Instruments")[0]
    other = table.match("LM258DR", "Murata")[0]
    assert same.maker_agrees is True and other.maker_agrees is False
    assert other.score < same.score
    assert "maker differs" in other.explanation()


def test_explanation_names_the_drones(table) -> None:  # type: ignore[no-untyped-def]
    m = table.match("LM258DR", "TI")[0]
    text = m.explanation()
    assert "shahed" in text and "orlan 10" in text


def test_simple_table_format() -> None:
    t = load_components(FIX / "components_simple.csv")
    m = t.match("STM32F405RGT6TR", "ST")[0]
    assert m.level == "exact" and m.drones == ["Shahed-136", "Lancet"]


def test_in_memory_table() -> None:
    t = table_from_rows([("ADS1115IDGSR", "TI", ["x"])])
    assert t.match("ADS1115IDGST")[0].level == "device"
    assert not t.match("ADS1114IDGSR")


def test_bad_component_file(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(BadInputError):
        load_components(p)
