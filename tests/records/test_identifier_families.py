"""Identifiers compare by value across the schemes that can hold the same number
(issue 16, item 2), and a record whose list gives no kind never costs a kind penalty
(item 1): checked on the identifier helpers and through the real screener."""

from __future__ import annotations

from counterflow.match import PartyScreener
from counterflow.match.types import Query
from counterflow.records.identifiers import (
    comparable_schemes,
    identifier_agrees,
    loose_digits,
    make_identifier,
    parse_query_token,
)
from counterflow.records.model import Party


def _drake(dataset: str, source_id: str, scheme: str, label: str, raw: str) -> Party:
    ident = make_identifier(scheme, raw, label=label)
    assert ident is not None
    return Party(dataset, source_id, "organization", f"Drake {source_id}", identifiers=[ident])


PARTIES = [
    # the same INN as each list publishes it
    _drake("ua_war_sanctions", "NK-drake", "inn", "INN", "1646047020"),
    _drake("us_ofac_sdn", "47293", "tax_id", "Tax ID No.", "1646047020"),
    _drake("eu_fsf", "171482", "tax_id", "fiscalcode", "RU 1646047020"),
    _drake("us_ofac_sdn", "50000", "registration", "Registration Number", "1191690040519"),
    Party(
        "us_ofac_sdn",
        "60000",
        "person",
        "Ivan Example",
        identifiers=[
            make_identifier("national_id", "4509 123456", label="National ID No.")  # type: ignore[list-item]
        ],
    ),
    Party("us_trade_csl", "skymount", "organization", "Skymount Drones"),
    Party("us_bis_denied", "dpl-1", "unknown", "Harbin Xinguang Feitian"),
]


def test_families_and_loose_digits() -> None:
    assert {"inn", "tax_id", "ogrn", "registration", "other"} <= comparable_schemes("inn")
    assert "imo" not in comparable_schemes("inn") and "passport" in comparable_schemes(
        "national_id"
    )
    assert loose_digits("RU1646047020") == "1646047020"
    assert loose_digits("A1234567") == ""  # too few digits: a passport keeps its letter
    inn = parse_query_token("INN1646047020")
    assert inn is not None and inn.scheme == "inn"
    assert identifier_agrees(inn, {"tax_id": frozenset({"1646047020"})})
    assert identifier_agrees(inn, {"tax_id": frozenset({"RU1646047020"})})
    assert not identifier_agrees(inn, {"imo": frozenset({"1646047020"})})
    assert not identifier_agrees(inn, {"tax_id": frozenset({"7707083893"})})
    passport = parse_query_token("passport:4509123456")
    assert passport is not None
    assert identifier_agrees(passport, {"national_id": frozenset({"4509123456"})})


def test_inn_query_finds_every_list_that_keeps_the_number() -> None:
    screener = PartyScreener.from_parties(PARTIES)
    for token in ("INN1646047020", "1646047020", "tax_id:1646047020"):
        hits = screener.screen(Query("q", "Volga Trading House", identifiers=[token]), limit=10)
        got = {h.entity_id for h in hits if h.decision == "match"}
        assert got == {
            "ua_war_sanctions:NK-drake",
            "us_ofac_sdn:47293",
            "eu_fsf:171482",
        }, token
    ogrn = screener.screen(Query("q", "Other name", identifiers=["OGRN1191690040519"]), limit=3)
    assert [h.entity_id for h in ogrn if h.decision == "match"] == ["us_ofac_sdn:50000"]
    person = screener.screen(
        Query("q", "I. Example", kind="person", identifiers=["passport:4509123456"]), limit=3
    )
    assert person and person[0].entity_id == "us_ofac_sdn:60000" and person[0].decision == "match"


def test_unknown_listed_kind_costs_nothing() -> None:
    screener = PartyScreener.from_parties(PARTIES)
    for name in ("Skymount Drones", "Harbin Xinguang Feitian"):
        as_org = screener.screen(Query("q", name, kind="organization"), limit=1)
        assert as_org and as_org[0].decision == "match", name
        assert "kind" not in as_org[0].explanation
    # a stated kind still counts against a conflicting query
    as_person = screener.screen(Query("q", "Skymount Drones", kind="person"), threshold=0, limit=1)
    assert as_person[0].decision != "match" and "kind person vs listed organization" in (
        as_person[0].explanation
    )
    unknown_as_person = screener.screen(
        Query("q", "Harbin Xinguang Feitian", kind="person"), limit=1
    )
    assert unknown_as_person[0].decision == "match"
