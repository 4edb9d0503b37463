"""The EU-derived JSON loader: only EU-source records load as eu_fsf, the rest are
counted; bad input; counts on the real shared file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from counterflow.errors import BadInputError
from counterflow.lists import eu_json

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SMALL = FIXTURES / "eu_derived_small.json"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "lists"
EU_REAL = SHARED / "eu_un_ofac_merged_all_2026-01-28.json"


def test_only_eu_records_load() -> None:
    res = eu_json.parse([SMALL])
    assert res.dataset == "eu_fsf" and res.format == "eu_json"
    assert res.version == "2026-01-28"
    assert [p.source_id for p in res.records] == ["900001", "900002"]
    ivan = res.records[0]
    assert ivan.kind == "person"
    assert {a.name: a.script for a in ivan.aliases} == {
        "Иван Сергеевич Петров": "Cyrl",
        "Vanya Petrov": None,
    }
    assert [b.value for b in ivan.birth_dates] == ["1961-05-14", "1960"]
    assert ivan.identifiers_of("passport") == ["723456789"]
    passport = next(i for i in ivan.identifiers if i.scheme == "passport")
    assert passport.country == "ru"
    other = next(i for i in ivan.identifiers if i.scheme == "other")
    assert other.country is None  # "00" = unknown
    assert ivan.properties["alsoListedBy"] == ["UN"]
    assert res.records[1].kind == "organization"


def test_other_sources_and_duplicates_are_reported() -> None:
    res = eu_json.parse([SMALL])
    note = next(i for i in res.issues if i.field == "source")
    assert note.severity == "warning" and "2 records" in note.reason
    assert "OFAC 1" in note.reason and "UN 1" in note.reason
    dup = [i for i in res.issues if "duplicate" in i.reason]
    assert len(dup) == 1 and dup[0].field == "entities[4]" and res.skipped == 1


def test_detect(tmp_path: Path) -> None:
    assert eu_json.detect(tmp_path / "a.json", SMALL.read_bytes()) is not None
    assert eu_json.detect(tmp_path / "b.json", b'{"id": "x", "schema": "Person"}') is None


def test_broken_json_names_line(tmp_path: Path) -> None:
    lines = SMALL.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace('"type": "entity",', '"type": "entity"')
    bad = tmp_path / "bad.json"
    bad.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(BadInputError) as err:
        eu_json.parse([bad])
    assert err.value.line == 5


def test_missing_entities_and_empty(tmp_path: Path) -> None:
    no_list = tmp_path / "x.json"
    no_list.write_text(json.dumps({"metadata": {}}), encoding="utf-8")
    with pytest.raises(BadInputError) as err:
        eu_json.parse([no_list])
    assert err.value.field == "entities"
    empty = tmp_path / "e.json"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(BadInputError, match="empty"):
        eu_json.parse([empty])


def test_bom_and_latin1(tmp_path: Path) -> None:
    data = SMALL.read_text(encoding="utf-8").replace("Иван Сергеевич Петров", "Iván Petróv")
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + data.encode("utf-8"))
    assert len(eu_json.parse([bom]).records) == 2
    latin = tmp_path / "latin.json"
    latin.write_bytes(data.encode("latin-1"))
    res = eu_json.parse([latin])
    assert any("not valid UTF-8" in i.reason for i in res.issues)
    assert res.records[0].aliases[0].name == "Iván Petróv"


@pytest.mark.shared
@pytest.mark.skipif(not EU_REAL.exists(), reason="../shared/data (real lists) not present")
def test_real_eu_json_counts() -> None:
    doc = json.loads(EU_REAL.read_text(encoding="utf-8"))
    eu = [e for e in doc["entities"] if "EU" in e["source"]]
    res = eu_json.parse([EU_REAL])
    assert len(res.records) == len(eu) == doc["metadata"]["by_source"]["EU"]
    assert res.by_kind()["person"] == sum(1 for e in eu if e["type"] == "individual")
    assert res.skipped == 0
    assert all(p.source_id.isdigit() for p in res.records)
    passports = sum(
        1
        for e in eu
        for i in e["identifiers"]
        if str(i["type"]).lower() == "passport" and re.search(r"\w", str(i["number"] or ""))
    )
    assert sum(len(p.identifiers_of("passport")) for p in res.records) == passports
