"""EU FSF official XML parser: fixture written from the published schema (the real file
is not in shared data), and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.errors import BadInputError
from counterflow.lists import eu_fsf

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SMALL = FIXTURES / "eu_fsf_small.xml"


def test_fixture_parties() -> None:
    res = eu_fsf.parse([SMALL])
    assert res.dataset == "eu_fsf" and res.format == "eu_fsf"
    assert res.version == "2026-01-28"
    assert [p.source_id for p in res.records] == ["900001", "900002"]
    ivan, plant = res.records
    assert ivan.kind == "person" and plant.kind == "organization"
    assert ivan.name == "Ivan Sergeyevich PETROV"
    aliases = {a.name: a for a in ivan.aliases}
    assert aliases["Иван Сергеевич Петров"].script == "Cyrl"
    assert aliases["Vanya Petrov"].strength == "weak"
    assert {(b.value, b.circa) for b in ivan.birth_dates} == {
        ("1961-05-14", False),
        ("1960", True),
    }
    assert ivan.country_codes("citizenship") == ["ru"]
    assert ivan.country_codes("birth") == ["ru"]
    assert ivan.identifiers_of("passport") == ["723456789"]
    assert ivan.identifiers_of("tax_id") == ["771234567890"]
    assert ivan.gender == "male"
    assert ivan.programs == ["UKR"]
    assert ivan.listed_on == "2022-03-15"
    assert ivan.properties["euReferenceNumber"] == ["EU.9001.11"]
    assert ivan.properties["position"] == ["Director of Test Plant"]
    assert plant.identifiers_of("ogrn") == ["1021801234567"]
    assert plant.addresses == ["Zavodskaya 5, Izhevsk, 426000, Udmurt Republic, RUSSIAN FEDERATION"]


def test_duplicate_and_nameless_entries_are_counted() -> None:
    res = eu_fsf.parse([SMALL])
    assert res.skipped == 2
    dup = next(i for i in res.issues if "duplicate" in i.reason)
    lines = SMALL.read_text(encoding="utf-8").splitlines()
    assert 'logicalId="900002"' in lines[dup.line - 1] and "EU.9002.23" in lines[dup.line - 1]
    assert any(i.field == "nameAlias" for i in res.issues)


def test_detect(tmp_path: Path) -> None:
    assert eu_fsf.detect(tmp_path / "content", SMALL.read_bytes()[:65536]) is not None
    assert eu_fsf.detect(tmp_path / "x.xml", b"<CONSOLIDATED_LIST><INDIVIDUALS/>") is None


def test_no_namespace_and_partial_birthdate(tmp_path: Path) -> None:
    f = tmp_path / "plain.xml"
    f.write_text(
        '<export generationDate="2025-01-02">'
        '<sanctionEntity logicalId="7"><subjectType code="person" classificationCode="P"/>'
        '<nameAlias firstName="Ana" lastName="TEST" strong="true"/>'
        '<birthdate circa="false" year="1970" monthOfYear="3" dayOfMonth=""/>'
        "</sanctionEntity></export>",
        encoding="utf-8",
    )
    res = eu_fsf.parse([f])
    assert res.records[0].name == "Ana TEST"
    assert res.records[0].birth_dates[0].value == "1970-03"


def test_broken_xml(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8").replace("</nameAlias>", "</nameAlia>", 1)
    bad = tmp_path / "bad.xml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(BadInputError) as err:
        eu_fsf.parse([bad])
    broken_line = text.splitlines().index("        </nameAlia>") + 1
    assert err.value.file == str(bad) and err.value.line == broken_line


def test_empty_and_wrong_root(tmp_path: Path) -> None:
    empty = tmp_path / "e.xml"
    empty.write_bytes(b"  \n")
    with pytest.raises(BadInputError, match="empty"):
        eu_fsf.parse([empty])
    wrong = tmp_path / "w.xml"
    wrong.write_text("<root/>", encoding="utf-8")
    with pytest.raises(BadInputError, match="not an EU FSF export"):
        eu_fsf.parse([wrong])


def test_latin1_bytes_are_bad_input(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8").replace("Иван Сергеевич Петров", "Iván")
    bad = tmp_path / "latin1.xml"
    bad.write_bytes(text.replace("Иван", "").encode("latin-1", errors="replace"))
    with pytest.raises(BadInputError) as err:
        eu_fsf.parse([bad])
    assert err.value.line is not None
