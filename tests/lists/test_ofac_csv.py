"""OFAC legacy CSV sets (sdn/add/alt/comments and cons_*) from self-written fixtures."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pytest

from counterflow.errors import BadInputError
from counterflow.lists import ofac_csv
from counterflow.lists.base import ParseResult

FIX = Path(__file__).parent / "fixtures"
SDN_SET = FIX / "ofac_sdn_csv"
CONS_SET = FIX / "ofac_cons_csv"
BAD = FIX / "ofac_bad"


def _head(p: Path) -> bytes:
    return p.read_bytes()[:65536]


def _sdn_set() -> ParseResult:
    return ofac_csv.parse(sorted(SDN_SET.glob("*.csv")))


def _by_id(result: ParseResult) -> dict[str, object]:
    return {p.source_id: p for p in result.records}


def test_detect_roles_and_groups() -> None:
    found = {p.name: ofac_csv.detect(p, _head(p)) for p in SDN_SET.glob("*.csv")}
    assert {n: d.role for n, d in found.items() if d} == {
        "sdn.csv": "main",
        "add.csv": "add",
        "alt.csv": "alt",
        "sdn_comments.csv": "comments",
    }
    groups = {d.group for d in found.values() if d}
    assert len(groups) == 1  # the detail files join their main file
    assert all(d and d.dataset == "us_ofac_sdn" for d in found.values())


def test_detect_rejects_other_csv(tmp_path: Path) -> None:
    other = tmp_path / "people.csv"
    other.write_text("id,name\n1,John\n2,Jane\n")
    assert ofac_csv.detect(other, _head(other)) is None
    six = tmp_path / "stock.csv"  # six columns, two numbers first, but no -0- anywhere
    six.write_text("1,2,Main St,Springfield,USA,\n3,4,High St,Leeds,UK,\n")
    assert ofac_csv.detect(six, _head(six)) is None


def test_sdn_set_joins_everything() -> None:
    r = _sdn_set()
    assert r.dataset == "us_ofac_sdn"
    assert r.format == "ofac_csv"
    assert len(r.records) == 8
    assert r.by_kind() == {"person": 3, "organization": 3, "vessel": 1, "aircraft": 1}
    d = {p.source_id: p for p in r.records}

    bank = d["306"]
    assert {(a.name, a.strength) for a in bank.aliases} == {
        ("BNC", "weak"),  # from the remarks
        ("NATIONAL BANK OF CUBA", "strong"),  # from alt.csv
    }
    assert bank.addresses[0] == "Zweierstrasse 35, Zurich CH-8022, Switzerland"
    assert bank.country_codes("address") == ["ch", "es"]

    person = d["2676"]
    assert person.kind == "person"
    assert [b.value for b in person.birth_dates] == ["1951-06-19"]
    assert person.identifiers_of("passport") == ["1084010", "19820215"]
    assert person.titles == ["Operational and Military Leader of JIHAD GROUP"]
    assert "eg" in person.country_codes("birth")

    vessel = d["4243"]
    assert vessel.kind == "vessel"
    assert vessel.identifiers_of("imo") == ["7406784"]
    assert vessel.identifiers_of("mmsi") == ["351234000"]
    assert vessel.identifiers_of("call_sign") == ["HOUI"]
    assert vessel.country_codes("flag") == ["pa"]
    assert vessel.properties["type"] == ["General Cargo"]
    assert vessel.links == ["306"]  # Linked To: BANCO NACIONAL DE CUBA
    assert any(a.name == "OLD EBANO" and a.kind == "f.k.a." for a in vessel.aliases)

    aircraft = d["15431"]
    assert aircraft.kind == "aircraft"
    assert aircraft.identifiers_of("aircraft_serial") == ["1023409321"]
    assert aircraft.links == ["13109"]

    org = d["13109"]
    assert org.programs == ["SDGT", "IRGC"]
    assert [b.value for b in org.birth_dates] == ["2001"]
    assert org.identifiers[0].country == "ir"


def test_latin1_names_and_weak_alt_rows() -> None:
    d = {p.source_id: p for p in _sdn_set().records}
    person = d["17500"]
    assert person.name == "MUÑOZ GARCÍA, José"
    assert [(b.value, b.circa) for b in person.birth_dates] == [("1960", True)]
    assert person.identifiers_of("cedula") == ["6068015"]
    assert person.country_codes("citizenship") == ["co"]
    assert [(a.name, a.strength) for a in person.aliases] == [("MUÑOZ, Pepe", "weak")]


def test_comments_continue_truncated_remarks() -> None:
    d = {p.source_id: p for p in _sdn_set().records}
    p = d["17600"]
    assert p.remarks is not None and len(p.remarks) > 1000
    # The clauses after the 1000-character cut are parsed too.
    assert p.identifiers_of("tax_id") == ["7744001497"]
    assert p.links == ["306"]
    assert len(p.properties["cryptoWallet"]) == 40


def test_orphans_are_counted_with_file_and_line() -> None:
    r = _sdn_set()
    orphans = [i for i in r.issues if i.severity == "orphaned"]
    assert r.orphaned == 3
    where = {(Path(i.file).name, i.line) for i in orphans}
    assert where == {("add.csv", 5), ("alt.csv", 6), ("sdn_comments.csv", 2)}
    assert all("not in sdn.csv" in i.reason for i in orphans)
    assert r.skipped == 0


def test_version_from_file_name_or_mtime(tmp_path: Path) -> None:
    named = tmp_path / "ofac_sdn_2024-05-03.csv"
    shutil.copy(SDN_SET / "sdn.csv", named)
    assert ofac_csv.parse([named]).version == "2024-05-03"
    month = tmp_path / "sdn_2025-12.csv"
    shutil.copy(SDN_SET / "sdn.csv", month)
    assert ofac_csv.parse([month]).version == "2025-12"
    plain = tmp_path / "sdn.csv"
    shutil.copy(SDN_SET / "sdn.csv", plain)
    os.utime(plain, (1_700_000_000, 1_700_000_000))  # 2023-11-14 UTC
    assert ofac_csv.parse([plain]).version == "2023-11-14"


def test_cons_from_programmes_even_under_an_sdn_name(tmp_path: Path) -> None:
    r = ofac_csv.parse(sorted(CONS_SET.glob("*.csv")))
    assert r.dataset == "us_ofac_cons"
    assert len(r.records) == 4
    d = {p.source_id: p for p in r.records}
    assert d["18715"].identifiers_of("lei") == ["2534009OR4SM9ZE2HL64"]
    assert [a.name for a in d["18715"].aliases] == ["SIBNEFT"]
    assert d["32091"].identifiers_of("uscc") == ["911100007109250324"]

    misnamed = tmp_path / "sdn.csv"
    shutil.copy(CONS_SET / "cons_prim.csv", misnamed)
    det = ofac_csv.detect(misnamed, _head(misnamed))
    assert det is not None and det.dataset == "us_ofac_cons"
    assert ofac_csv.parse([misnamed]).dataset == "us_ofac_cons"


def test_sdn_content_wins_over_a_cons_name(tmp_path: Path) -> None:
    rows = [
        f'{1000 + i},"ENTITY {i}",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '
        for i in range(30)
    ]
    p = tmp_path / "cons_prim.csv"
    p.write_bytes(("\r\n".join(rows) + "\r\n").encode("latin-1"))
    det = ofac_csv.detect(p, _head(p))
    assert det is not None and det.dataset == "us_ofac_sdn"


def test_detail_files_take_the_dataset_from_their_name(tmp_path: Path) -> None:
    for name in ("cons_prim.csv", "cons_alt.csv", "cons_add.csv"):
        shutil.copy(CONS_SET / name, tmp_path / name)
    det = ofac_csv.detect(tmp_path / "cons_alt.csv", _head(tmp_path / "cons_alt.csv"))
    main = ofac_csv.detect(tmp_path / "cons_prim.csv", _head(tmp_path / "cons_prim.csv"))
    assert det is not None and main is not None
    assert (det.dataset, det.role) == ("us_ofac_cons", "alt")
    assert det.group == main.group


def test_detail_files_pick_the_matching_main_by_date(tmp_path: Path) -> None:
    for name in ("ofac_sdn_2024-01-01.csv", "ofac_sdn_2024-06-01.csv"):
        shutil.copy(SDN_SET / "sdn.csv", tmp_path / name)
    alt = tmp_path / "ofac_sdn_alt_2024-03.csv"
    shutil.copy(SDN_SET / "alt.csv", alt)
    det = ofac_csv.detect(alt, _head(alt))
    assert det is not None and det.group.endswith("ofac_sdn_2024-01-01.csv")


def test_bad_rows_are_counted_never_dropped_silently() -> None:
    r = ofac_csv.parse([BAD / "sdn.csv"])
    assert sorted(p.source_id for p in r.records) == ["100", "101", "105"]
    skipped = {(i.line, i.field): i.reason for i in r.issues if i.severity == "skipped"}
    assert set(skipped) == {(3, "ent_num"), (4, None), (5, "SDN_Type"), (6, "SDN_Name")}
    assert "duplicate ent_num 100 (first at line 1)" in skipped[(3, "ent_num")]
    assert "10 columns" in skipped[(4, None)]
    assert r.skipped == 4
    d = {p.source_id: p for p in r.records}
    assert d["100"].name == "GOOD ENTITY ONE"  # the first of the duplicates is kept
    warn = [i for i in r.issues if i.severity == "warning"]
    assert len(warn) == 1 and warn[0].line == 7 and "31 Foo 1970" in warn[0].reason


def test_utf8_and_bom_read_like_latin1(tmp_path: Path) -> None:
    text = (SDN_SET / "sdn.csv").read_bytes().decode("latin-1")
    utf8 = tmp_path / "sdn_utf8.csv"
    utf8.write_bytes(text.encode("utf-8"))
    bom = tmp_path / "sdn_bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    cp = tmp_path / "sdn_cp1252.csv"
    cp.write_bytes(text.replace("José", "José – “Pepe”").encode("cp1252"))
    for p in (utf8, bom, cp):
        assert ofac_csv.detect(p, _head(p)) is not None
        d = {x.source_id: x for x in ofac_csv.parse([p]).records}
        assert d["17500"].name.startswith("MUÑOZ GARCÍA, José"), p.name
        assert d["36"].name == "AEROCARIBBEAN AIRLINES"
    assert {x.source_id: x for x in ofac_csv.parse([cp]).records}["17500"].name.endswith(
        "José – “Pepe”"
    )


def test_header_row_and_gzip_are_accepted(tmp_path: Path) -> None:
    body = (SDN_SET / "sdn.csv").read_bytes()
    p = tmp_path / "sdn_header.csv"
    p.write_bytes(
        b"ent_num,SDN_Name,SDN_Type,Program,Title,Call_Sign,Vess_type,Tonnage,GRT,"
        b"Vess_flag,Vess_owner,Remarks\r\n" + body
    )
    assert ofac_csv.detect(p, _head(p)) is not None
    assert len(ofac_csv.parse([p]).records) == 8
    gz = tmp_path / "sdn.csv.gz"
    gz.write_bytes(gzip.compress(body))
    assert len(ofac_csv.parse([gz]).records) == 8


def test_empty_main_file_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "sdn.csv"
    p.write_bytes(b"")
    assert ofac_csv.detect(p, b"") is None
    with pytest.raises(BadInputError) as exc:
        ofac_csv.parse([p])
    assert "empty" in str(exc.value) and str(p) in str(exc.value)


def test_empty_detail_file_is_a_warning(tmp_path: Path) -> None:
    shutil.copy(SDN_SET / "sdn.csv", tmp_path / "sdn.csv")
    (tmp_path / "sdn_comments.csv").write_bytes(b"\x1a")
    r = ofac_csv.parse([tmp_path / "sdn.csv", tmp_path / "sdn_comments.csv"])
    assert len(r.records) == 8
    assert [(Path(i.file).name, i.reason) for i in r.issues] == [("sdn_comments.csv", "empty file")]


def test_binary_and_wrong_shape_are_clear_errors(tmp_path: Path) -> None:
    binary = tmp_path / "sdn.csv"
    binary.write_bytes(b"PK\x03\x04\x00\x00garbage\x00")
    assert ofac_csv.detect(binary, _head(binary)) is None
    with pytest.raises(BadInputError, match="binary"):
        ofac_csv.parse([binary])
    shape = tmp_path / "other.csv"
    shape.write_text('1,"A",x\n2,"B",y\n')
    with pytest.raises(BadInputError) as exc:
        ofac_csv.parse([shape])
    assert exc.value.file == str(shape) and exc.value.line == 1
    assert "12 (sdn)" in exc.value.reason


def test_details_without_main_and_two_mains_are_errors(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="without their main file"):
        ofac_csv.parse([SDN_SET / "alt.csv", SDN_SET / "add.csv"])
    with pytest.raises(BadInputError, match="several OFAC main files"):
        ofac_csv.parse([SDN_SET / "sdn.csv", BAD / "sdn.csv"])


def test_unterminated_quote_is_reported(tmp_path: Path) -> None:
    body = (SDN_SET / "sdn.csv").read_bytes().rstrip(b"\x1a")
    p = tmp_path / "sdn.csv"
    p.write_bytes(body + b'99,"BROKEN ROW,-0- ,"SDGT",-0- \r\n')
    r = ofac_csv.parse([p])
    assert len(r.records) == 8
    assert r.skipped == 1 and r.issues[0].line == 9


def test_downloads_name_official_urls() -> None:
    for dataset, urls in ofac_csv.DOWNLOADS.items():
        assert dataset in ("us_ofac_sdn", "us_ofac_cons")
        assert len(urls) == 4
        assert all(u.startswith("https://sanctionslistservice.ofac.treas.gov/") for u in urls)
