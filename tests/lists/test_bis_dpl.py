"""BIS Denied Persons List TSV parser: fixture in the real layout, stable ids, duplicate
rows, bad input, and counts on the real shared file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from counterflow.errors import BadInputError
from counterflow.lists import bis_dpl
from counterflow.records.kinds import infer_kind, kinds_conflict

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SMALL = FIXTURES / "bis_dpl_small.txt"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "lists"
DPL_REAL = SHARED / "us_bis_dpl_watchman_bench.txt"


def test_fixture_parties() -> None:
    res = bis_dpl.parse([SMALL])
    assert res.dataset == "us_bis_denied" and res.format == "bis_dpl"
    assert res.version == "2022-08-29"  # the typo 2922-05-18 is not taken as version
    names = [p.name for p in res.records]
    assert names == [
        "JOHN TEST SMITH",
        "TEST AVIATION TRADING LLC",
        "TEST-AVIATION TRADING LLC",
        "MARIA TESTOVA",
    ]
    john, llc, _, maria = res.records
    # the list has no kind: a plain personal name stays unknown (no kind penalty), a
    # legal form makes an organisation, and the reason is kept on the record
    assert john.kind == "unknown" and "kindInferred" not in john.properties
    assert llc.kind == "organization"
    assert llc.properties["kindInferred"] == ["legal form 'LLC' in the name"]
    assert john.addresses == ["123 MAIN STREET, EL PASO, TX, 79905, US"]
    assert john.country_codes("address") == ["us"]
    assert john.listed_on == "2022-08-24"
    assert john.programs == ["Denied Persons List"]
    assert john.properties["endDate"] == ["2026-01-14"]
    assert john.properties["federalRegisterCitation"] == ["87 F.R. 52741 8/29/2022"]
    assert maria.countries == []


def test_ids_are_stable_and_distinct() -> None:
    first = bis_dpl.parse([SMALL]).records
    again = bis_dpl.parse([SMALL]).records
    assert [p.source_id for p in first] == [p.source_id for p in again]
    assert len({p.source_id for p in first}) == len(first)
    assert all(p.source_id.startswith("dpl-") for p in first)
    spaced = bis_dpl.stable_id(
        "john  test smith", ["123 Main Street", "El Paso", "TX", "79905", "US"]
    )
    assert spaced == first[0].source_id


def test_duplicates_and_unknown_country_are_reported() -> None:
    res = bis_dpl.parse([SMALL])
    dup = [i for i in res.issues if i.severity == "skipped"]
    assert len(dup) == 1 and dup[0].line == 4 and "line 3" in dup[0].reason
    warn = [i for i in res.issues if i.severity == "warning"]
    assert len(warn) == 1 and warn[0].field == "Country" and warn[0].line == 6


def test_detect(tmp_path: Path) -> None:
    assert bis_dpl.detect(tmp_path / "dpl.txt", SMALL.read_bytes()) is not None
    assert bis_dpl.detect(tmp_path / "x.csv", b"Name,Street_Address\nA,B\n") is None


def test_missing_column_empty_and_encoding(tmp_path: Path) -> None:
    lines = SMALL.read_text(encoding="utf-8").splitlines()
    no_addr = tmp_path / "no_addr.txt"
    no_addr.write_text(
        "\n".join("\t".join(c for i, c in enumerate(ln.split("\t")) if i != 1) for ln in lines),
        encoding="utf-8",
    )
    with pytest.raises(BadInputError) as err:
        bis_dpl.parse([no_addr])
    assert err.value.field == "Street_Address"
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(BadInputError, match="empty"):
        bis_dpl.parse([empty])
    latin = tmp_path / "latin.txt"
    latin.write_bytes("\n".join(lines).replace("MARIA", "MARÍA").encode("latin-1"))
    res = bis_dpl.parse([latin])
    assert any("not valid UTF-8" in i.reason for i in res.issues)
    assert res.records[-1].name == "MARÍA TESTOVA"
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode("utf-8"))
    assert len(bis_dpl.parse([bom]).records) == 4


def test_infer_kind() -> None:
    assert infer_kind("AL NASER AIRLINES")[0] == "organization"
    assert infer_kind("MANTEN ELECTRONICS INC")[0] == "organization"
    assert infer_kind("ABEL HERNANDEZ, JR.")[0] == "person"
    assert infer_kind("KIM SONG II", addresses=["INMATE NUMBER - 07778-122, FCI"])[0] == "person"
    assert infer_kind("Skymount Drones")[0] == "organization"
    assert infer_kind("Bonitopto S.R.O.")[0] == "organization"
    assert infer_kind('ANO "MPC "SATURN"')[0] == "organization"
    assert (
        infer_kind("Government Flying Service", programs=["Military End User (MEU) List"])[0]
        == "organization"
    )
    # no strong signal: unknown, not person; name syllables that rigour also lists as
    # legal forms, nicknames in quotes and two-letter forms are not evidence
    for name in ("Harbin Xinguang Feitian", "Li Na", "PAO HUA CHIANG", 'IHSAN "SAMMY" ELASHI'):
        assert infer_kind(name) == ("unknown", ""), name


@pytest.mark.shared
@pytest.mark.skipif(not DPL_REAL.exists(), reason="../shared/data (real lists) not present")
def test_real_dpl_rows_all_accounted_for() -> None:
    with DPL_REAL.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert len(rows) == 581
    res = bis_dpl.parse([DPL_REAL])
    # every row is either a record or a reported duplicate
    assert len(res.records) + res.skipped == len(rows)
    keys = {
        (
            " ".join(r["Name"].upper().split()),
            " ".join(r["Street_Address"].upper().split()),
            r["City"].upper().strip(),
            r["State"].strip(),
            r["Postal_Code"].strip(),
            r["Country"].strip(),
        )
        for r in rows
    }
    assert len(res.records) == len(keys)


def test_unknown_kind_never_conflicts() -> None:
    assert not kinds_conflict("organization", "unknown")
    assert not kinds_conflict("person", "unknown")
    assert not kinds_conflict("any", "person")
    assert kinds_conflict("organization", "person")
