"""UN Security Council consolidated XML parser: fixture in the real schema, bad input,
and counts on the real shared publication."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from counterflow.errors import BadInputError
from counterflow.lists import un_xml

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "lists"
UN_REAL = SHARED / "un_sc_consolidated_2026-02-27.xml"


def _by_id(path: Path) -> dict[str, object]:
    return {p.source_id: p for p in un_xml.parse([path]).records}


def test_fixture_records_and_fields() -> None:
    res = un_xml.parse([FIXTURES / "un_consolidated_small.xml"])
    assert res.dataset == "un_sc_sanctions"
    assert res.version == "2026-02-27"
    assert res.format == "un_xml"
    assert [p.source_id for p in res.records] == ["QDi.901", "KPi.901", "KPe.901"]
    assert res.by_kind() == {"person": 2, "organization": 1, "vessel": 0, "aircraft": 0}

    ahmad = res.records[0]
    assert ahmad.name == "AHMAD KARIM YUSUF"
    aliases = {a.name: a for a in ahmad.aliases}
    assert aliases["أحمد كريم يوسف"].script == "Arab"
    assert aliases["أحمد كريم يوسف"].kind == "original script"
    assert aliases["Abu Karim"].strength == "strong"
    assert aliases["Haji Sahib"].strength == "weak"
    assert len(ahmad.aliases) == 3  # the repeated "Abu Karim" is kept once
    dates = {(b.value, b.circa) for b in ahmad.birth_dates}
    assert dates == {("1961-05-14", False), ("1960", True)}
    assert ahmad.country_codes("nationality") == ["af", "pk"]
    assert ahmad.country_codes("birth") == ["af"]
    assert ahmad.country_codes("address") == ["pk"]
    assert ahmad.identifiers_of("passport") == ["OR801168", "D0001203"]
    assert ahmad.identifiers_of("national_id") == ["44103-5251752-5".replace("-", "")]
    passport = next(i for i in ahmad.identifiers if i.scheme == "passport")
    assert passport.country == "af" and passport.raw == "OR 801168"
    assert ahmad.programs == ["Al-Qaida"]
    assert ahmad.listed_on == "2005-11-01"
    assert ahmad.gender == "male"
    assert ahmad.titles == ["Haji"]
    assert ahmad.properties["position"] == ["Financier"]
    assert ahmad.birth_places == ["Kandahar, Afghanistan"]
    assert ahmad.addresses == ["Street 4, Quetta, Pakistan"]

    ri = res.records[1]
    assert [b.value for b in ri.birth_dates] == ["1955", "1956", "1957"]
    assert all(b.circa for b in ri.birth_dates)
    assert ri.aliases == []

    pine = res.records[2]
    assert pine.kind == "organization"
    kinds = {a.name: a.kind for a in pine.aliases}
    assert kinds["Saeng Pil Trading"] == "f.k.a."
    assert next(a for a in pine.aliases if a.name == "청송연합").script == "Hang"


def test_duplicate_reference_is_counted_with_line() -> None:
    res = un_xml.parse([FIXTURES / "un_consolidated_small.xml"])
    dups = [i for i in res.issues if "duplicate" in i.reason]
    assert len(dups) == 1 and res.skipped == 1
    text = (FIXTURES / "un_consolidated_small.xml").read_text(encoding="utf-8")
    second = [n for n, ln in enumerate(text.splitlines(), 1) if "KPe.901" in ln][1]
    assert dups[0].line == second


def test_detect_by_content(tmp_path: Path) -> None:
    head = (FIXTURES / "un_consolidated_small.xml").read_bytes()[:65536]
    disguised = tmp_path / "whatever.dat"
    found = un_xml.detect(disguised, head)
    assert found is not None and found.dataset == "un_sc_sanctions"
    assert un_xml.detect(disguised, b"<sdnList><sdnEntry/></sdnList>") is None


def test_broken_xml_names_file_and_line(tmp_path: Path) -> None:
    text = (FIXTURES / "un_consolidated_small.xml").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert "</VALUE>" in lines[17]
    lines[17] = lines[17].replace("</VALUE>", "</VALU>", 1)
    bad = tmp_path / "broken.xml"
    bad.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(BadInputError) as err:
        un_xml.parse([bad])
    assert err.value.file == str(bad)
    assert err.value.line == 18


def test_truncated_xml_is_bad_input(tmp_path: Path) -> None:
    data = (FIXTURES / "un_consolidated_small.xml").read_bytes()
    bad = tmp_path / "cut.xml"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(BadInputError, match="broken XML"):
        un_xml.parse([bad])


def test_latin1_bytes_in_utf8_file_are_reported(tmp_path: Path) -> None:
    text = (FIXTURES / "un_consolidated_small.xml").read_text(encoding="utf-8")
    text = text.replace("Test record", "Test récord")
    bad = tmp_path / "latin1.xml"
    bad.write_bytes(text.encode("latin-1", errors="replace"))
    with pytest.raises(BadInputError) as err:
        un_xml.parse([bad])
    assert err.value.line is not None


def test_bom_is_accepted(tmp_path: Path) -> None:
    data = (FIXTURES / "un_consolidated_small.xml").read_bytes()
    bom = tmp_path / "bom.xml"
    bom.write_bytes(b"\xef\xbb\xbf" + data)
    assert len(un_xml.parse([bom]).records) == 3


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    with pytest.raises(BadInputError, match="empty"):
        un_xml.parse([empty])


def test_wrong_root(tmp_path: Path) -> None:
    other = tmp_path / "other.xml"
    other.write_text("<sdnList/>", encoding="utf-8")
    with pytest.raises(BadInputError, match="not a UN consolidated list"):
        un_xml.parse([other])


@pytest.mark.shared
@pytest.mark.skipif(not UN_REAL.exists(), reason="../shared/data (real lists) not present")
def test_real_un_counts_and_passports() -> None:
    res = un_xml.parse([UN_REAL])
    root = ET.parse(UN_REAL).getroot()
    n_ind = len(root.findall("INDIVIDUALS/INDIVIDUAL"))
    n_ent = len(root.findall("ENTITIES/ENTITY"))
    assert res.version == root.get("dateGenerated", "")[:10]
    assert res.by_kind()["person"] == n_ind
    assert res.by_kind()["organization"] == n_ent
    assert len(res.records) == n_ind + n_ent
    assert res.skipped == 0
    # Passports: every INDIVIDUAL_DOCUMENT whose type says passport and has a number.
    expected = 0
    for doc in root.iter("INDIVIDUAL_DOCUMENT"):
        kind = " ".join((doc.findtext("TYPE_OF_DOCUMENT") or "").split()).lower()
        number = (doc.findtext("NUMBER") or "").strip()
        if number and re.search(r"passport|passeport|pasaporte", kind):
            expected += 1
    got = sum(1 for p in res.records for i in p.identifiers if i.scheme == "passport")
    assert got == expected > 300
    # Every record keeps its reference number as source_id, e.g. QDi.001.
    assert all(re.fullmatch(r"[A-Z]{2}[ie]\.\d{3}", p.source_id) for p in res.records)
