"""Screening against real published lists in ../shared/data (UN SC consolidated XML
parsed by the UN parser): known listed names must come back first, in any spelling."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.match import PartyScreener, Query
from counterflow.match.bands import REVIEW

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
UN_XML = SHARED / "lists" / "un_sc_consolidated_2026-02-27.xml"

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def un_screener() -> PartyScreener:
    if not UN_XML.exists():
        pytest.skip(f"shared data not found at {UN_XML}")
    from counterflow.lists import un_xml

    result = un_xml.parse([UN_XML])
    return PartyScreener.from_parties(result.records)


@pytest.mark.parametrize(
    ("name", "dob", "ref"),
    [
        ("ABDULHAI SALEK", "1965", "TAi.108"),
        ("SALEK, ABDULHAI", "1965", "TAi.108"),
        ("ATTIIQULLAH AKHUND", "1953", "TAi.009"),
        ("HAFIZ ABUDL SALAM BHUTTAVI", "1940", "QDi.307"),
        ("KO TAE HUN", "1972-05-25", "KPi.025"),
    ],
)
def test_listed_people_found_first(
    un_screener: PartyScreener, name: str, dob: str, ref: str
) -> None:
    hits = un_screener.screen(Query("q", name, kind="person", birth_dates=[dob]), limit=3)
    assert hits, name
    assert hits[0].score >= REVIEW
    assert hits[0].dataset == "un_sc_sanctions"
    assert hits[0].source_id == ref, [(h.source_id, h.entity_name) for h in hits]
    assert hits[0].explanation.startswith("name ")


def test_unlisted_people_are_clear(un_screener: PartyScreener) -> None:
    for name, dob in [("Jennifer L. McClellan", "1972"), ("Patricia Lucas Wheeler", "2002")]:
        hits = un_screener.screen(Query("q", name, kind="person", birth_dates=[dob]))
        assert all(h.decision == "clear" for h in hits), hits[:1]
