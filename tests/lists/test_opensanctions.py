"""OpenSanctions targets.simple.csv and FtM JSON lines: fixtures in the real formats,
identifier classification, dataset naming, bad input, and counts on the real file."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from counterflow.errors import BadInputError
from counterflow.lists import opensanctions
from counterflow.lists.opensanctions import classify_identifier

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TARGETS = FIXTURES / "os_targets_small.csv"
FTM = FIXTURES / "os_entities_small.ftm.json"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "lists"
OS_REAL = SHARED / "opensanctions_ua_war_sanctions_targets.simple_2026-03-13.csv"


def test_targets_simple_fixture() -> None:
    res = opensanctions.parse([TARGETS])
    assert res.dataset == "ua_war_sanctions"
    assert res.version == "2026-03-13"
    ids = [p.source_id for p in res.records]
    assert ids == ["NK-test1Vessel", "NK-test2Company", "NK-test3Legal", "NK-test4Person"]
    assert res.by_kind() == {"person": 1, "organization": 2, "vessel": 1, "aircraft": 0}
    vessel, company, legal, person = res.records
    assert vessel.identifiers_of("imo") == ["9253325"]
    assert vessel.identifiers_of("mmsi") == ["273354240"]
    assert vessel.identifiers_of("call_sign") == ["UBCD7"]
    assert [a.name for a in vessel.aliases] == ["Ocean Tester", "Tester"]
    assert vessel.country_codes() == ["pa", "ru"]
    assert vessel.programs == ["UA-WS-MARE"]
    assert company.identifiers_of("imo") == ["6495856"]
    assert company.properties["ftm_schema"] == ["Company"]
    assert legal.identifiers_of("ogrn") == ["1021801234567"]
    assert legal.identifiers_of("inn") == ["1831012345"]
    assert legal.birth_dates[0].value == "2002-11-14"
    assert legal.programs == ["UA-WS-MILIND", "UA-WS-UAVS"]
    assert legal.properties["phone"] == ["+7 3412 000000"]
    assert legal.aliases[0].script == "Cyrl"
    assert person.identifiers_of("inn") == ["771234567890"]
    assert "sanctions" not in person.properties  # the column's '""' is empty


def test_targets_issues() -> None:
    res = opensanctions.parse([TARGETS])
    reasons = [(i.line, i.field, i.severity) for i in res.issues]
    assert (6, "id", "skipped") in reasons  # duplicate id, second row
    assert (7, "schema", "skipped") in reasons  # CryptoWallet is no party
    assert res.skipped == 2


@pytest.mark.parametrize(
    ("raw", "kind", "scheme"),
    [
        ("IMO9253325", "vessel", "imo"),
        ("IMO6495856", "organization", "imo"),
        ("273354240", "vessel", "mmsi"),
        ("9HA4521", "vessel", "call_sign"),
        ("1646047020", "organization", "inn"),
        ("773006863179", "person", "inn"),
        ("1027739609391", "organization", "ogrn"),
        ("304500116000157", "person", "ogrn"),
        ("12345678901", "person", "other"),
    ],
)
def test_identifier_shapes(raw: str, kind: str, scheme: str) -> None:
    ident = classify_identifier(raw, kind)  # type: ignore[arg-type]
    assert ident is not None and ident.scheme == scheme


def test_dataset_from_file_name_or_title(tmp_path: Path) -> None:
    text = TARGETS.read_text(encoding="utf-8").replace("Ukraine War and Sanctions", "Some List")
    named = tmp_path / "opensanctions_ru_test_list_targets.simple_2026-01-01.csv"
    named.write_text(text, encoding="utf-8")
    assert opensanctions.parse([named]).dataset == "ru_test_list"
    folder = tmp_path / "gb_test" / "targets.simple.csv"
    folder.parent.mkdir()
    folder.write_text(text, encoding="utf-8")
    assert opensanctions.parse([folder]).dataset == "gb_test"
    plain = tmp_path / "export.csv"
    plain.write_text(text, encoding="utf-8")
    assert opensanctions.parse([plain]).dataset == "some_list"
    assert opensanctions.parse([plain], dataset="mine").dataset == "mine"
    found = opensanctions.detect(named, named.read_bytes())
    assert found is not None and found.dataset == "ru_test_list"


def test_ftm_json_lines() -> None:
    res = opensanctions.parse([FTM])
    assert res.dataset == "ua_war_sanctions"
    by_id = {p.source_id: p for p in res.records}
    assert set(by_id) == {"NK-test4Person", "NK-test3Legal", "NK-test1Vessel"}
    person = by_id["NK-test4Person"]
    assert person.kind == "person"
    assert {a.name: a.strength for a in person.aliases} == {
        "Петров Иван Сергеевич": "strong",
        "Vanya": "weak",
    }
    assert person.identifiers_of("inn") == ["771234567890"]
    assert sorted(person.identifiers_of("passport")) == ["723456789", "751234567"]
    assert person.programs == ["UA-WS-EXECUTIVES"]
    assert person.listed_on == "2023-05-01"
    assert person.country_codes("nationality") == ["ru"]
    assert person.properties["position"] == ["Director"]
    legal = by_id["NK-test3Legal"]
    assert legal.kind == "organization"
    assert legal.identifiers_of("ogrn") == ["1021801234567"]
    assert legal.addresses == ["426000, Udmurt Republic, Izhevsk, Zavodskaya St., 5"]
    assert legal.aliases[0].kind == "f.k.a."
    vessel = by_id["NK-test1Vessel"]
    assert vessel.identifiers_of("imo") == ["9253325"]
    assert vessel.country_codes("flag") == ["pa"]
    # the broken last line is reported, the relationship passed over with a note
    broken = [i for i in res.issues if i.severity == "skipped"]
    assert len(broken) == 1 and broken[0].line == 8
    assert any("Ownership 1" in i.reason for i in res.issues)


def test_ftm_nameless_party_is_reported(tmp_path: Path) -> None:
    f = tmp_path / "entities.ftm.json"
    f.write_text(
        '{"id": "a", "schema": "Person", "properties": {"name": ["A"]}}\n'
        '{"id": "b", "schema": "Company", "properties": {"innCode": ["7707083893"]}}\n',
        encoding="utf-8",
    )
    res = opensanctions.parse([f], dataset="x_test")
    assert [p.source_id for p in res.records] == ["a"]
    assert [(i.line, i.field, i.severity) for i in res.issues] == [(2, "name", "skipped")]


def test_ftm_detect_and_empty(tmp_path: Path) -> None:
    found = opensanctions.detect(FTM, FTM.read_bytes()[:65536])
    assert found is not None and found.role == "ftm"
    empty = tmp_path / "empty.json"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="empty"):
        opensanctions.parse([empty])
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(BadInputError) as err:
        opensanctions.parse([garbage])
    assert err.value.line == 1


def test_targets_missing_column_and_empty(tmp_path: Path) -> None:
    rows = list(csv.reader(TARGETS.open(encoding="utf-8", newline="")))
    col = rows[0].index("schema")
    bad = tmp_path / "x.csv"
    with bad.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([r[:col] + r[col + 1 :] for r in rows])
    with pytest.raises(BadInputError) as err:
        opensanctions.parse([bad])
    assert err.value.field == "schema"
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    with pytest.raises(BadInputError, match="empty"):
        opensanctions.parse([empty])


def test_targets_name_of_separators_only_is_reported(tmp_path: Path) -> None:
    # a name cell holding only ";" or quotes splits into no name at all (found by the fuzz
    # test): the row is reported by line and field, the others still load
    rows = list(csv.reader(TARGETS.open(encoding="utf-8", newline="")))
    col = rows[0].index("name")
    rows[1][col] = ' ; "" ;'
    bad = tmp_path / "sep.csv"
    with bad.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    res = opensanctions.parse([bad])
    assert len(res.records) == len(opensanctions.parse([TARGETS]).records) - 1
    named = [i for i in res.issues if i.field == "name"]
    assert len(named) == 1 and named[0].line == 2 and "no name" in named[0].reason


def test_targets_bom_and_latin1(tmp_path: Path) -> None:
    text = TARGETS.read_text(encoding="utf-8").replace("АО Тестовый оборонный завод", "Zavód")
    text = text.replace("Петров Иван Сергеевич", "Petróv")
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert len(opensanctions.parse([bom]).records) == 4
    assert opensanctions.detect(bom, bom.read_bytes()) is not None
    latin = tmp_path / "latin.csv"
    latin.write_bytes(text.encode("latin-1"))
    res = opensanctions.parse([latin])
    assert any("not valid UTF-8" in i.reason for i in res.issues)
    assert res.records[2].aliases[0].name == "Zavód"


@pytest.mark.shared
@pytest.mark.skipif(not OS_REAL.exists(), reason="../shared/data (real lists) not present")
def test_real_targets_counts_inn_ogrn_imo() -> None:
    with OS_REAL.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    res = opensanctions.parse([OS_REAL])
    assert res.dataset == "ua_war_sanctions"
    assert len(res.records) == len(rows) == 5600
    assert res.by_kind()["vessel"] == sum(1 for r in rows if r["schema"] == "Vessel") == 1340
    assert res.skipped == 0
    tokens = [(r["schema"], t) for r in rows for t in r["identifiers"].split(";") if t]
    imo = sum(1 for _, t in tokens if re.fullmatch(r"IMO\d{7}", t))
    inn = sum(1 for s, t in tokens if s != "Vessel" and re.fullmatch(r"\d{10}|\d{12}", t))
    ogrn = sum(1 for s, t in tokens if s != "Vessel" and re.fullmatch(r"\d{13}|\d{15}", t))
    got = {s: sum(len(p.identifiers_of(s)) for p in res.records) for s in ("imo", "inn", "ogrn")}
    assert got == {"imo": imo, "inn": inn, "ogrn": ogrn}
    assert min(got.values()) > 1000
