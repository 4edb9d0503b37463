"""trade.gov CSL CSV parser: fixture in the real layout (repeated header, duplicate id,
truncated tail), the ids grammar, bad input, and the real truncated file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from counterflow.errors import BadInputError
from counterflow.lists import trade_csl

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SMALL = FIXTURES / "csl_small.csv"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "lists"
CSL_REAL = SHARED / "us_trade_csl_TRUNCATED_2023-11-30.csv"


def test_fixture_parties() -> None:
    res = trade_csl.parse([SMALL])
    assert res.dataset == "us_trade_csl" and res.format == "trade_csl"
    assert len(res.records) == 4
    petrov, tdc, smith, ship = res.records
    assert petrov.source_id == "90001" and petrov.kind == "person"
    assert petrov.programs == [
        "Specially Designated Nationals (SDN) - Treasury Department",
        "RUSSIA-EO14024",
    ]
    assert {a.name for a in petrov.aliases} == {
        "PETROFF, Ivan",
        "ПЕТРОВ, Иван",
        "PETROV, Ivan duplicate",  # from the duplicate row, merged
    }
    assert {(b.value, b.circa) for b in petrov.birth_dates} == {
        ("1961-05-14", False),
        ("1960", True),
    }
    assert petrov.identifiers_of("passport") == ["723456789"]
    assert petrov.identifiers_of("tax_id") == ["771234567890"]
    passport = next(i for i in petrov.identifiers if i.scheme == "passport")
    assert passport.country == "ru" and passport.label == "Passport"
    assert petrov.gender == "male"
    assert petrov.country_codes("citizenship") == ["ru"]
    assert petrov.country_codes("address") == ["ru"]
    assert petrov.titles == ["Director"]
    assert "Secondary sanctions risk" in petrov.properties

    assert tdc.kind == "organization"  # no type column value: inferred from the name
    assert tdc.properties["kindInferred"][0].startswith("legal form")
    assert tdc.programs == ["Entity List (EL) - Bureau of Industry and Security"]
    assert tdc.identifiers_of("uscc") == ["91440300MA5FTEST01"]
    assert tdc.properties["website"] == ["www.example.cn"]
    assert tdc.listed_on == "2023-02-24"
    assert tdc.properties["licensePolicy"] == ["Presumption of denial."]
    assert smith.kind == "unknown"  # DPL row without a type and no person signal
    assert smith.programs == ["Denied Persons List (DPL) - Bureau of Industry and Security"]

    assert ship.kind == "vessel"
    assert ship.identifiers_of("imo") == ["9253325"]
    assert ship.identifiers_of("mmsi") == ["273354240"]
    assert ship.identifiers_of("call_sign") == ["UBCD7"]
    assert ship.country_codes("flag") == ["pa"]


def test_bad_rows_are_reported_with_lines() -> None:
    res = trade_csl.parse([SMALL])
    by_reason = {i.reason.split(":")[0]: i for i in res.issues}
    header = by_reason["repeated header row"]
    assert header.line == 2 and header.severity == "warning"
    dup = next(i for i in res.issues if "duplicate id 90001" in i.reason)
    assert dup.line == 7 and dup.severity == "warning" and "line 3" in dup.reason
    cut = next(i for i in res.issues if "truncated" in i.reason)
    assert cut.line == 8 and cut.severity == "skipped" and cut.file == str(SMALL)
    assert res.skipped == 1
    # the duplicate's other name is kept as an alias of the one party
    assert "PETROV, Ivan duplicate" in [a.name for a in res.records[0].aliases]


def test_detect(tmp_path: Path) -> None:
    assert trade_csl.detect(tmp_path / "c.csv", SMALL.read_bytes()) is not None
    assert trade_csl.detect(tmp_path / "x.csv", b"id,schema,name,aliases\n") is None


def test_missing_column_empty_encoding(tmp_path: Path) -> None:
    rows = list(csv.reader(SMALL.open(encoding="utf-8", newline="")))[:6]
    col = rows[0].index("name")
    bad = tmp_path / "noname.csv"
    with bad.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([r[:col] + r[col + 1 :] for r in rows])
    with pytest.raises(BadInputError) as err:
        trade_csl.parse([bad])
    assert err.value.field == "name" and err.value.line == 1
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(BadInputError, match="empty"):
        trade_csl.parse([empty])
    text = SMALL.read_text(encoding="utf-8").replace("ПЕТРОВ, Иван", "PÉTROV")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(text.encode("latin-1"))
    res = trade_csl.parse([latin])
    assert any("not valid UTF-8" in i.reason for i in res.issues)
    assert any(a.name == "PÉTROV" for a in res.records[0].aliases)
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert len(trade_csl.parse([bom]).records) == 4


@pytest.mark.shared
@pytest.mark.skipif(not CSL_REAL.exists(), reason="../shared/data (real lists) not present")
def test_real_truncated_csl_keeps_good_rows() -> None:
    with CSL_REAL.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    good = [r for r in rows[1:] if len(r) == len(header) and r != header]
    ids = [r[0] for r in good]
    res = trade_csl.parse([CSL_REAL])
    assert len(res.records) == len(set(ids))
    dups = [i for i in res.issues if "duplicate id" in i.reason]
    assert len(dups) == len(ids) - len(set(ids)) > 0
    cut = [i for i in res.issues if "truncated" in i.reason]
    assert len(cut) == 1 and cut[0].severity == "skipped"
    assert cut[0].line == CSL_REAL.read_bytes().count(b"\n") + 1  # the last line
    assert res.skipped == 1
    # every (id, sub-list) pair of the good rows is kept as a programme
    pairs = {(r[0], r[1]) for r in good}
    kept = {(p.source_id, prog) for p in res.records for prog in p.programs}
    assert pairs <= kept
