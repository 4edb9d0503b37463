"""OFAC advanced XML (SDN_ADVANCED.XML) from a hand-written fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.errors import BadInputError
from counterflow.lists import ofac_advanced, ofac_xml
from counterflow.records.model import Party

FIX = Path(__file__).parent / "fixtures"
ADV = FIX / "ofac_advanced" / "sdn_advanced.xml"


def _head(p: Path) -> bytes:
    return p.read_bytes()[:65536]


def _parties(p: Path) -> dict[str, Party]:
    return {x.source_id: x for x in ofac_advanced.parse([p]).records}


def test_detect_only_the_advanced_model() -> None:
    det = ofac_advanced.detect(ADV, _head(ADV))
    assert det is not None and (det.format, det.dataset) == ("ofac_advanced", "us_ofac_sdn")
    sdn_list = FIX / "ofac_xml" / "sdn.xml"
    assert ofac_advanced.detect(sdn_list, _head(sdn_list)) is None
    assert ofac_xml.detect(ADV, _head(ADV)) is None


def test_parties_from_the_normalised_model() -> None:
    r = ofac_advanced.parse([ADV])
    assert (r.dataset, r.version, r.format) == ("us_ofac_sdn", "2024-05-03", "ofac_advanced")
    assert r.by_kind() == {"person": 1, "organization": 1, "vessel": 1, "aircraft": 0}
    d = {x.source_id: x for x in r.records}

    person = d["2676"]
    assert person.name == "AL ZAWAHIRI, Ayman"  # last name first, as in the legacy files
    assert [(a.name, a.strength, a.kind) for a in person.aliases] == [
        ("AL-ZAWAHIRI, Aiman", "strong", "a.k.a."),
        ("THE DOCTOR", "weak", "a.k.a."),  # LowQuality
    ]
    assert [(b.value, b.precision, b.circa) for b in person.birth_dates] == [
        ("1951-06-19", "day", False),
        ("1950", "year", True),
        ("1951", "year", True),
        ("1952", "year", True),
    ]
    assert person.birth_places == ["Giza, Egypt"]
    assert person.gender == "male"  # a DetailReference lookup
    assert {(c.code, c.role) for c in person.countries} == {
        ("eg", "birth"),
        ("eg", "nationality"),
        ("eg", "address"),
    }
    assert person.addresses == ["Cairo, Egypt"]
    [passport] = person.identifiers
    assert (passport.scheme, passport.value, passport.country) == ("passport", "1084010", "eg")
    assert person.programs == ["SDGT"]
    assert person.listed_on == "2001-10-12"

    vessel = d["9999"]
    assert vessel.identifiers_of("imo") == ["9253325"]
    assert vessel.identifiers_of("mmsi") == ["572469210"]
    assert vessel.identifiers_of("call_sign") == ["9HA1234"]
    assert vessel.country_codes("flag") == ["pa"]
    assert vessel.links == ["9998"]
    assert vessel.programs == ["IRAN", "SDGT"]

    org = d["9998"]
    assert org.kind == "organization"
    assert [(a.name, a.script) for a in org.aliases] == [("СИ СТАР ШИППИНГ", "Cyrl")]
    assert org.identifiers_of("tax_id") == ["7744001497"]
    assert org.identifiers_of("registration") == ["1027700167110"]
    assert [b.value for b in org.birth_dates] == ["2005"]
    assert org.addresses == ["Nevsky Prospekt 1, St. Petersburg, Russia"]
    assert org.properties["website"] == ["www.seastar.example"]


def test_orphan_documents_are_reported() -> None:
    r = ofac_advanced.parse([ADV])
    [orphan] = r.issues
    assert orphan.severity == "orphaned" and "ORPHAN-1" in orphan.reason


def test_non_sdn_list_gives_the_consolidated_dataset(tmp_path: Path) -> None:
    p = tmp_path / "advanced.xml"
    p.write_text(ADV.read_text(encoding="utf-8").replace('ListID="1550"', 'ListID="91512"'))
    assert ofac_advanced.parse([p]).dataset == "us_ofac_cons"


def test_broken_and_empty_files(tmp_path: Path) -> None:
    lines = ADV.read_text(encoding="utf-8").splitlines()
    cut = tmp_path / "sdn_advanced.xml"
    cut.write_text("\n".join(lines[:150]) + "\n", encoding="utf-8")
    with pytest.raises(BadInputError) as exc:
        ofac_advanced.parse([cut])
    assert exc.value.file == str(cut) and exc.value.line is not None
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    with pytest.raises(BadInputError, match="empty"):
        ofac_advanced.parse([empty])


def test_duplicate_profile_kept_once(tmp_path: Path) -> None:
    text = ADV.read_text(encoding="utf-8")
    p = tmp_path / "dup.xml"
    p.write_text(text.replace('<Profile ID="9998"', '<Profile ID="9999"'), encoding="utf-8")
    r = ofac_advanced.parse([p])
    assert [x.kind for x in r.records if x.source_id == "9999"] == ["vessel"]
    assert r.skipped == 1


@pytest.mark.parametrize("encoding", ["utf-9", "shift_jis", "rot13"])
def test_an_unusable_declared_encoding_is_a_clear_error(tmp_path: Path, encoding: str) -> None:
    """An XML declaration naming an unknown, multi-byte or non-text encoding (found by the
    fuzz test: it raised a bare LookupError) is bad input naming the file."""
    for src, module in ((ADV, ofac_advanced), (FIX / "ofac_xml" / "sdn.xml", ofac_xml)):
        text = src.read_text(encoding="utf-8").split("?>", 1)[1]
        bad = tmp_path / src.name
        bad.write_text(f'<?xml version="1.0" encoding="{encoding}"?>{text}', encoding="utf-8")
        with pytest.raises(BadInputError) as exc:
            module.parse([bad])
        assert exc.value.file == str(bad)
        assert "unreadable XML" in exc.value.reason
