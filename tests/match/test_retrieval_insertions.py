"""Retrieval of a name re-spelt with one inserted letter ("Drahke" for DRAKE), which
shares no token, phonetic key or prefix with the listed name."""

from __future__ import annotations

from counterflow.match import PartyScreener, Query
from counterflow.match.bands import REVIEW
from counterflow.records.model import Alias, CountryRef, Party


def parties() -> list[Party]:
    return [
        Party(
            dataset="ua_war_sanctions",
            source_id="drake",
            kind="organization",
            name="LIMITED LIABILITY COMPANY DRAKE",
            aliases=[Alias("Drake LLC")],
            countries=[CountryRef("ru", "registration")],
        ),
        Party(
            dataset="us_ofac_sdn",
            source_id="argument",
            kind="organization",
            name="JSC ARGUMENT",
        ),
        Party(
            dataset="us_ofac_sdn",
            source_id="ivanov",
            kind="person",
            name="IVANOV, Aleksandr",
        ),
        Party(
            dataset="us_ofac_sdn",
            source_id="kupol",
            kind="organization",
            name="Kupol Izhevsk Electromechanical Plant",
        ),
    ]


def test_one_inserted_letter_finds_the_listed_name() -> None:
    screener = PartyScreener.from_parties(parties())
    hits = screener.screen(Query("q", "Drahke LLC"), threshold=0.5, limit=3)
    assert [h.entity_id for h in hits][:1] == ["ua_war_sanctions:drake"]
    # a one-word name with a wrong letter and no other evidence: the calibrated score
    # says about 7 in 10 such candidates are the listed party (orders' near-match range)
    assert 0.65 <= hits[0].score < REVIEW
    exact = screener.screen(Query("q", "Drake LLC"), limit=1)
    assert exact[0].decision == "match"


def test_unrelated_short_name_is_not_alerted() -> None:
    screener = PartyScreener.from_parties(parties())
    for name in ("Blake LLC", "Droske Trading", "Dranko LLC"):
        hits = screener.screen(Query("q", name), threshold=REVIEW, limit=3)
        assert hits == [], (name, hits)
