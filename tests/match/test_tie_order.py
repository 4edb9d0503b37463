"""Equal scores are ordered by the spelling as written (legal form and word order
included), not by the list's name: the record written as the query was comes first."""

from __future__ import annotations

from counterflow.match import PartyScreener, Query
from counterflow.records.model import Alias, Party


def screener() -> PartyScreener:
    return PartyScreener.from_parties(
        [
            Party(
                dataset="aa_list",
                source_id="1",
                kind="organization",
                name="LIMITED LIABILITY COMPANY SMT-ILOGIC",
                aliases=[Alias("SMT ILOGIC GROUP")],
            ),
            Party(dataset="zz_list", source_id="2", kind="organization", name="LLC SMT-ILOGIC"),
            Party(dataset="aa_list", source_id="3", kind="person", name="KYAW MIN OO"),
            Party(dataset="zz_list", source_id="4", kind="person", name="OO, Kyaw Min"),
            Party(dataset="aa_list", source_id="5", kind="organization", name="AEROSCAN"),
            Party(
                dataset="zz_list",
                source_id="6",
                kind="organization",
                name="AEROSCAN LIMITED LIABILITY COMPANY",
                aliases=[Alias("LLC AEROSCAN")],
            ),
        ]
    )


def test_tie_goes_to_the_closer_spelling() -> None:
    hits = screener().screen(Query(id="q", name="LLC SMT-iLogic", kind="organization"))
    assert [h.entity_id for h in hits[:2]] == ["zz_list:2", "aa_list:1"]
    assert hits[0].score == hits[1].score
    assert hits[0].matched_name == "LLC SMT-ILOGIC"


def test_tie_order_follows_the_query() -> None:
    s = screener()
    a = s.screen(Query(id="a", name="Oo, Kyaw Min", kind="person"))
    b = s.screen(Query(id="b", name="Kyaw Min Oo", kind="person"))
    assert a[0].score == a[1].score
    assert [h.entity_id for h in a[:2]] == ["zz_list:4", "aa_list:3"]
    assert [h.entity_id for h in b[:2]] == ["aa_list:3", "zz_list:4"]


def test_an_alias_with_the_same_words_counts_as_written() -> None:
    # LLC AEROSCAN and AEROSCAN LIMITED LIABILITY COMPANY are one index entry (same
    # words); the spelling the query used still decides an equal score
    s = screener()
    assert s.index.entry_spellings  # the alias is kept beside the entry
    hits = s.screen(Query(id="q", name="LLC Aeroscan", kind="organization"))
    assert hits[0].score == hits[1].score
    assert [h.entity_id for h in hits[:2]] == ["zz_list:6", "aa_list:5"]
