"""OFAC sdnList XML (SDN.XML / CONSOLIDATED.XML) from self-written fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from counterflow.errors import BadInputError
from counterflow.lists import ofac_xml
from counterflow.records.model import Party

FIX = Path(__file__).parent / "fixtures" / "ofac_xml"
SDN_XML = FIX / "sdn.xml"
CONS_XML = FIX / "consolidated.xml"


def _head(p: Path) -> bytes:
    return p.read_bytes()[:65536]


def _parties(p: Path) -> dict[str, Party]:
    return {x.source_id: x for x in ofac_xml.parse([p]).records}


def test_detect_sdn_and_consolidated() -> None:
    sdn = ofac_xml.detect(SDN_XML, _head(SDN_XML))
    cons = ofac_xml.detect(CONS_XML, _head(CONS_XML))
    assert sdn is not None and (sdn.format, sdn.dataset) == ("ofac_xml", "us_ofac_sdn")
    assert cons is not None and cons.dataset == "us_ofac_cons"
    assert sdn.group != cons.group


def test_detect_ignores_other_xml(tmp_path: Path) -> None:
    other = tmp_path / "consolidated.xml"
    other.write_text('<?xml version="1.0"?><CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>')
    assert ofac_xml.detect(other, _head(other)) is None


def test_consolidated_by_programmes_not_name(tmp_path: Path) -> None:
    p = tmp_path / "sdn.xml"
    shutil.copy(CONS_XML, p)
    det = ofac_xml.detect(p, _head(p))
    assert det is not None and det.dataset == "us_ofac_cons"
    r = ofac_xml.parse([p])
    assert r.dataset == "us_ofac_cons"
    assert r.version == "2026-01-08"


def test_sdn_xml_fields() -> None:
    r = ofac_xml.parse([SDN_XML])
    assert r.version == "2024-05-03"
    assert r.by_kind() == {"person": 1, "organization": 1, "vessel": 1, "aircraft": 1}
    assert r.issues == []
    d = {x.source_id: x for x in r.records}

    person = d["2676"]
    assert person.name == "AL ZAWAHIRI, Ayman"
    assert person.titles == ["Operational and Military Leader of JIHAD GROUP"]
    assert person.gender == "male"
    assert [(a.name, a.strength) for a in person.aliases] == [
        ("AL-ZAWAHIRI, Ayman", "strong"),
        ("THE DOCTOR", "weak"),
    ]
    assert [(b.value, b.circa) for b in person.birth_dates] == [
        ("1951-06-19", False),
        ("1950", True),
    ]
    assert person.birth_places == ["Giza, Egypt"]
    roles = {(c.code, c.role) for c in person.countries}
    assert roles == {("eg", r) for r in ("nationality", "citizenship", "address", "birth")}
    assert person.identifiers_of("passport") == ["1084010"]
    assert person.identifiers_of("national_id") == ["A123456"]
    assert person.identifiers[0].country == "eg"

    vessel = d["9999"]
    assert vessel.identifiers_of("imo") == ["9253325"]
    assert vessel.identifiers_of("mmsi") == ["572469210"]
    assert vessel.identifiers_of("call_sign") == ["9HA1234"]
    assert vessel.country_codes("flag") == ["pa"]
    assert vessel.properties["pastFlags"] == ["tz"]
    assert vessel.properties["owner"] == ["SEA STAR SHIPPING LTD"]
    assert vessel.links == ["9998"]

    org = d["9998"]
    assert org.identifiers_of("tax_id") == ["7744001497"]
    assert org.identifiers_of("registration") == ["1027700167110"]
    assert org.identifiers_of("lei") == ["253400WSS48YWMBUA688"]
    assert org.identifiers_of("swift") == ["SSTRRUMM"]
    assert org.properties["website"] == ["www.seastar.example"]
    assert org.country_codes("registration") == ["ru"]
    assert [b.value for b in org.birth_dates] == ["2005-03-12"]
    assert org.addresses == ["Nevsky Prospekt 1, St. Petersburg, 190000, Russia"]
    assert org.gender is None

    plane = d["9997"]
    assert plane.identifiers_of("aircraft_serial") == ["1023409321"]
    assert plane.properties["model"] == ["IL-76TD"]


def test_namespaces_do_not_matter(tmp_path: Path) -> None:
    text = SDN_XML.read_text()
    for i, ns in enumerate(("", ' xmlns="https://example.org/other/ns"')):
        p = tmp_path / f"sdn{i}.xml"
        p.write_text(text.replace(' xmlns="http://tempuri.org/sdnList.xsd"', ns))
        assert ofac_xml.detect(p, _head(p)) is not None
        assert len(ofac_xml.parse([p]).records) == 4


def test_broken_xml_names_file_and_line(tmp_path: Path) -> None:
    lines = SDN_XML.read_text().splitlines()
    p = tmp_path / "sdn.xml"
    p.write_text("\n".join(lines[:40]) + "\n")  # cut mid-entry
    assert ofac_xml.detect(p, _head(p)) is not None
    with pytest.raises(BadInputError) as exc:
        ofac_xml.parse([p])
    assert exc.value.file == str(p)
    assert exc.value.line is not None and exc.value.line >= 40
    assert "broken XML" in exc.value.reason


def test_mismatched_tag_line(tmp_path: Path) -> None:
    p = tmp_path / "sdn.xml"
    p.write_text(SDN_XML.read_text().replace("<uid>9999</uid>", "<uid>9999</uidx>"))
    with pytest.raises(BadInputError) as exc:
        ofac_xml.parse([p])
    want = SDN_XML.read_text().splitlines().index("    <uid>9999</uid>") + 1
    assert exc.value.line == want


def test_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "sdn.xml"
    p.write_bytes(b"  \n")
    with pytest.raises(BadInputError, match="empty"):
        ofac_xml.parse([p])


def test_bom_and_latin1_bytes(tmp_path: Path) -> None:
    text = SDN_XML.read_text().replace("THE DOCTOR", "EL MÉDICO")
    bom = tmp_path / "sdn_bom.xml"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert ofac_xml.detect(bom, _head(bom)) is not None
    assert any(a.name == "EL MÉDICO" for a in _parties(bom)["2676"].aliases)

    wrong = tmp_path / "sdn_latin1.xml"
    wrong.write_bytes(text.encode("latin-1"))  # declared UTF-8 (no encoding attribute)
    r = ofac_xml.parse([wrong])
    assert any(a.name == "EL MÉDICO" for a in {x.source_id: x for x in r.records}["2676"].aliases)
    [warn] = r.issues
    assert warn.severity == "warning" and warn.line is not None and "not UTF-8" in warn.reason


def test_duplicate_uid_and_record_count(tmp_path: Path) -> None:
    text = SDN_XML.read_text().replace("<uid>9997</uid>", "<uid>9999</uid>")
    p = tmp_path / "sdn.xml"
    p.write_text(text)
    r = ofac_xml.parse([p])
    assert len(r.records) == 3
    assert r.skipped == 1
    assert "duplicate uid 9999" in r.issues[0].reason
    assert _parties(p)["9999"].kind == "vessel"  # the first is kept

    p2 = tmp_path / "sdn2.xml"
    p2.write_text(SDN_XML.read_text().replace("<Record_Count>4<", "<Record_Count>5<"))
    r2 = ofac_xml.parse([p2])
    assert r2.warnings == 1 and "header says 5" in r2.issues[0].reason


def test_unknown_type_and_missing_uid_are_skipped(tmp_path: Path) -> None:
    text = SDN_XML.read_text().replace("<sdnType>Aircraft</sdnType>", "<sdnType>Rocket</sdnType>")
    text = text.replace("<uid>9998</uid>", "")
    p = tmp_path / "sdn.xml"
    p.write_text(text)
    r = ofac_xml.parse([p])
    assert sorted(x.source_id for x in r.records) == ["2676", "9999"]
    assert r.skipped == 2
    assert {i.field for i in r.issues if i.severity == "skipped"} == {"uid", "sdnType"}


def test_wrong_root_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "x.xml"
    p.write_text("<?xml version='1.0'?><Sanctions><x/></Sanctions>")
    with pytest.raises(BadInputError, match="not an OFAC sdnList"):
        ofac_xml.parse([p])


def test_downloads() -> None:
    assert ofac_xml.DOWNLOADS["us_ofac_sdn"][0].endswith("/SDN.XML")
    assert ofac_xml.DOWNLOADS["us_ofac_cons"][0].endswith("/CONSOLIDATED.XML")
