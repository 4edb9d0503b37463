"""UK OFSI consolidated list parser: CSV (with and without the title row, gzip), XLSX,
rows joined by Group ID, bad input, and counts on the real shared publication."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import openpyxl
import pytest

from counterflow.errors import BadInputError
from counterflow.lists import uk_ofsi
from counterflow.lists.base import ParseResult

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SMALL = FIXTURES / "uk_conlist_small.csv"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "lists"
UK_CSV = SHARED / "uk_ofsi_conlist_2025-04-10.csv.gz"
UK_XLSX = SHARED / "uk_ofsi_conlist_2025-04-10.xlsx"


def _rows() -> list[list[str]]:
    with SMALL.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def _write_xlsx(path: Path, rows: list[list[str]]) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    for row in rows:
        ws.append([c or None for c in row])
    wb.save(path)


def test_groups_join_into_parties() -> None:
    res = uk_ofsi.parse([SMALL])
    assert res.dataset == "gb_hmt_sanctions"
    assert res.version == "2025-04-10"  # the title row
    assert [p.source_id for p in res.records] == ["9001", "9002", "9003"]
    assert res.by_kind() == {"person": 1, "organization": 1, "vessel": 1, "aircraft": 0}
    ivan, plant, ship = res.records

    assert ivan.name == "Ivan Sergeyevich PETROV"
    aliases = {a.name: a for a in ivan.aliases}
    assert aliases["Ivan PETROFF"].strength == "weak"
    assert aliases["Ivan PETROFF"].kind == "a.k.a."
    assert aliases["Ivan Sergeevich PETROV"].kind == "Primary name variation"
    assert aliases["Иван Сергеевич ПЕТРОВ"].script == "Cyrl"
    assert {b.value for b in ivan.birth_dates} == {"1961-05-14", "1960"}
    assert ivan.country_codes("nationality") == ["ru", "ua"]
    assert ivan.country_codes("birth") == ["ru"]
    assert ivan.identifiers_of("passport") == ["723456789", "0123456"]
    assert ivan.identifiers_of("national_id") == ["7712345678"]
    assert ivan.gender == "male"
    assert ivan.titles == ["Mr"]
    assert ivan.programs == ["Russia"]
    assert ivan.listed_on == "2022-03-15"
    assert ivan.properties["ukSanctionsListRef"] == ["RUS9001"]

    assert plant.name == "TEST DEFENCE PLANT JSC"
    kinds = {a.name: a.kind for a in plant.aliases}
    assert kinds == {"TDP": "a.k.a.", "OLD TEST WORKS": "f.k.a."}
    assert plant.addresses == ["Zavodskaya 5, Izhevsk, 426000, Russia"]
    assert plant.country_codes("address") == ["ru"]

    assert ship.kind == "vessel"
    assert ship.identifiers_of("imo") == ["9253325"]
    assert ship.country_codes("flag") == ["pa"]
    assert ship.properties["type_of_ship"] == ["Crude oil tanker"]


def test_row_without_group_id_is_reported_with_line() -> None:
    res = uk_ofsi.parse([SMALL])
    skipped = [i for i in res.issues if i.severity == "skipped"]
    assert len(skipped) == 1
    assert skipped[0].field == "Group ID"
    assert skipped[0].line == len(_rows())  # the last row of the file


def test_csv_without_title_row_gzip_and_bom(tmp_path: Path) -> None:
    rows = _rows()[1:]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    gz = tmp_path / "conlist.csv.gz"
    gz.write_bytes(gzip.compress(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")))
    res = uk_ofsi.parse([gz])
    assert len(res.records) == 3
    assert res.version == "2025-04-10"  # newest "Last Updated" of the rows
    head = gzip.decompress(gz.read_bytes())[:65536]
    assert uk_ofsi.detect(gz, head) is not None


def test_xlsx_gives_the_same_parties(tmp_path: Path) -> None:
    xlsx = tmp_path / "ConList.xlsx"
    _write_xlsx(xlsx, _rows())
    found = uk_ofsi.detect(xlsx, xlsx.read_bytes()[:65536])
    assert found is not None and found.dataset == "gb_hmt_sanctions"
    from_xlsx = uk_ofsi.parse([xlsx])
    from_csv = uk_ofsi.parse([SMALL])
    assert from_xlsx.version == from_csv.version
    assert [p.to_dict() for p in from_xlsx.records] == [p.to_dict() for p in from_csv.records]


def test_csv_and_xlsx_of_one_publication_parse_once(tmp_path: Path) -> None:
    xlsx = tmp_path / "ConList.xlsx"
    _write_xlsx(xlsx, _rows())
    res = uk_ofsi.parse([xlsx, SMALL])
    assert len(res.records) == 3
    notes = [i for i in res.issues if "same publication" in i.reason]
    assert len(notes) == 1 and notes[0].file == str(xlsx)


def test_latin1_file_is_read_with_a_warning(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8").replace("Иван Сергеевич ПЕТРОВ", "")
    text = text.replace("Zavodskaya", "Zavodskayá")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(text.encode("latin-1"))
    res = uk_ofsi.parse([bad])
    assert any("not valid UTF-8" in i.reason for i in res.issues)
    plant = next(p for p in res.records if p.source_id == "9002")
    assert plant.addresses[0].startswith("Zavodskayá")


def test_missing_column_is_named(tmp_path: Path) -> None:
    rows = _rows()[1:]
    col = rows[0].index("Group ID")
    bad = tmp_path / "nogroup.csv"
    with bad.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([r[:col] + r[col + 1 :] for r in rows])
    with pytest.raises(BadInputError) as err:
        uk_ofsi.parse([bad])
    assert err.value.field == "Group ID"


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(BadInputError, match="empty"):
        uk_ofsi.parse([empty])


def test_broken_workbook(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(BadInputError, match="workbook"):
        uk_ofsi.parse([bad])


@pytest.fixture(scope="module")
def real_csv_result() -> ParseResult:
    return uk_ofsi.parse([UK_CSV])


@pytest.mark.shared
@pytest.mark.skipif(not UK_CSV.exists(), reason="../shared/data (real lists) not present")
def test_real_uk_csv_groups(real_csv_result: ParseResult) -> None:
    with gzip.open(UK_CSV, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    groups = {r["Group ID"] for r in rows}
    res = real_csv_result
    assert res.version == "2025-04-10"
    assert len(res.records) == len(groups)
    assert res.skipped == 0
    ships = {r["Group ID"] for r in rows if r["Group Type"] == "Ship"}
    assert res.by_kind()["vessel"] == len(ships)
    with_imo = {r["Group ID"] for r in rows if "(IMO number)" in r["Other Information"]}
    assert sum(1 for p in res.records if p.identifiers_of("imo")) == len(with_imo)


@pytest.mark.shared
@pytest.mark.skipif(not UK_XLSX.exists(), reason="../shared/data (real lists) not present")
def test_real_uk_xlsx_matches_csv(real_csv_result: ParseResult) -> None:
    from_xlsx = uk_ofsi.parse([UK_XLSX])
    from_csv = real_csv_result
    assert from_xlsx.version == from_csv.version
    assert len(from_xlsx.records) == len(from_csv.records)
    assert from_xlsx.by_kind() == from_csv.by_kind()
