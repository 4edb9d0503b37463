"""OFAC parsers on the real public files in ../shared/data/lists (skipped when absent)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from counterflow.lists import ofac_csv, ofac_xml, registry
from counterflow.lists.base import ParseResult

LISTS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "lists"
pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not LISTS.is_dir(), reason=f"shared data not found at {LISTS}"),
]
SDN_MAIN = LISTS / "ofac_sdn_2024-05-03.csv"
SDN_DETAILS = [
    LISTS / "ofac_sdn_add_2025-12.csv",
    LISTS / "ofac_sdn_alt_2025-12.csv",
    LISTS / "ofac_sdn_comments_2025-12.csv",
]
CONS_CSV = [LISTS / f"ofac_cons_{r}_2025-12.csv" for r in ("prim", "add", "alt")]
CONS_XML = LISTS / "ofac_consolidated_nonsdn_2026-01-08.xml"


def _raw_rows(path: Path) -> list[list[str]]:
    """An independent count: the csv module on the raw file."""
    with path.open(encoding="latin-1", newline="") as fh:
        return [r for r in csv.reader(fh) if len(r) > 1]


@pytest.fixture(scope="module")
def sdn_alone() -> ParseResult:
    return ofac_csv.parse([SDN_MAIN])


@pytest.fixture(scope="module")
def sdn_set() -> ParseResult:
    return ofac_csv.parse([SDN_MAIN, *SDN_DETAILS])


def test_sdn_2024_05_03_counts(sdn_alone: ParseResult) -> None:
    r = sdn_alone
    assert r.dataset == "us_ofac_sdn"
    assert r.version == "2024-05-03"
    assert len(r.records) == 14_965
    assert r.by_kind() == {"person": 6_854, "organization": 6_884, "vessel": 851, "aircraft": 376}
    assert r.skipped == 0 and r.orphaned == 0


def test_sdn_identifiers_from_remarks(sdn_alone: ParseResult) -> None:
    vessels = [p for p in sdn_alone.records if p.kind == "vessel"]
    with_imo = [p for p in vessels if p.identifiers_of("imo")]
    # Verified on this file: 844 of the 851 vessels publish an IMO number.
    assert len(with_imo) >= 840
    assert all(len(v) == 7 for p in with_imo for v in p.identifiers_of("imo"))
    schemes = Counter(i.scheme for p in sdn_alone.records for i in p.identifiers)
    assert schemes["passport"] >= 2_000
    assert schemes["tax_id"] >= 3_000
    assert schemes["mmsi"] >= 150
    persons = [p for p in sdn_alone.records if p.kind == "person"]
    assert sum(1 for p in persons if p.birth_dates) >= 6_000
    assert sum(1 for p in persons if p.country_codes("nationality")) >= 3_000
    # Linked To names resolve to entries of the same list.
    linked = [p for p in sdn_alone.records if p.properties.get("linkedTo")]
    assert sum(1 for p in linked if p.links) >= 0.95 * len(linked)


def test_newer_details_are_orphans_not_crashes(
    sdn_alone: ParseResult, sdn_set: ParseResult
) -> None:
    r = sdn_set
    assert len(r.records) == len(sdn_alone.records)
    per_file = Counter(Path(i.file).name for i in r.issues if i.severity == "orphaned")
    for p in SDN_DETAILS:
        assert per_file[p.name] > 0, p.name
    known = {p.source_id for p in r.records}
    for p in SDN_DETAILS:
        raw_orphans = sum(1 for row in _raw_rows(p) if row[0] not in known)
        assert per_file[p.name] == raw_orphans, p.name
    assert all(i.line and i.line > 0 for i in r.issues)
    strong = sum(1 for p in r.records for a in p.aliases if a.strength == "strong")
    assert strong >= 10_000  # alt.csv rows joined to their entries
    assert sum(1 for p in r.records if p.addresses) >= 10_000


def test_consolidated_xml(tmp_path: Path) -> None:
    r = ofac_xml.parse([CONS_XML])
    assert r.dataset == "us_ofac_cons"
    assert r.version == "2026-01-08"
    assert len(r.records) == 442
    assert r.skipped == 0
    schemes = Counter(i.scheme for p in r.records for i in p.identifiers)
    assert schemes["tax_id"] >= 200
    assert schemes["registration"] >= 200
    assert schemes["lei"] >= 10


def test_consolidated_csv_set_agrees_with_xml() -> None:
    r = ofac_csv.parse(CONS_CSV)
    assert r.dataset == "us_ofac_cons"
    assert len(r.records) == 442
    x = ofac_xml.parse([CONS_XML])
    assert {p.source_id for p in r.records} == {p.source_id for p in x.records}
    assert r.by_kind() == x.by_kind()


@pytest.mark.parametrize("name", ["ofac_sdn_2023-05-02.csv", "ofac_sdn_2024-04-26.csv"])
def test_history_versions(name: str) -> None:
    path = LISTS / "history" / name
    r = ofac_csv.parse([path])
    assert r.dataset == "us_ofac_sdn"
    assert r.version == name[9:19]
    assert len(r.records) == len(_raw_rows(path))
    assert r.skipped == 0


def test_registry_groups_the_real_folder() -> None:
    sniffed = registry.sniff([LISTS])
    ofac = {
        (g.format, g.dataset, tuple(sorted(p.name for p in g.files)))
        for g in sniffed.groups
        if g.format.startswith("ofac")
    }
    assert ofac == {
        ("ofac_csv", "us_ofac_sdn", tuple(sorted(p.name for p in [SDN_MAIN, *SDN_DETAILS]))),
        ("ofac_csv", "us_ofac_cons", tuple(sorted(p.name for p in CONS_CSV))),
        ("ofac_xml", "us_ofac_cons", (CONS_XML.name,)),
    }
