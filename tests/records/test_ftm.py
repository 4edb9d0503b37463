"""Party <-> FollowTheMoney: lossless round trips, reading plain FtM (OpenSanctions
style) entities, and the Sanction/Passport/Address folding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from followthemoney import model

from counterflow.records.ftm import (
    parties_from_entities,
    party_from_ftm,
    party_to_entities,
    party_to_ftm,
    to_json_line,
)
from counterflow.records.model import Alias, BirthDate, CountryRef, Identifier, Party

FIXTURES = Path(__file__).resolve().parents[1] / "lists" / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "lists"


def _full_person() -> Party:
    return Party(
        dataset="un_sc_sanctions",
        source_id="QDi.901",
        kind="person",
        name="AHMAD KARIM YUSUF",
        aliases=[
            Alias("أحمد كريم يوسف", "strong", "Arab", "original script"),
            Alias("Abu Karim", "strong", None, "Good"),
            Alias("Haji Sahib", "weak", None, "Low"),
            Alias("Old Name", "strong", None, "f.k.a."),
        ],
        birth_dates=[BirthDate("1961-05-14"), BirthDate("1960", circa=True)],
        birth_places=["Kandahar, Afghanistan"],
        countries=[
            CountryRef("af", "nationality"),
            CountryRef("pk", "citizenship"),
            CountryRef("af", "birth"),
            CountryRef("pk", "address"),
            CountryRef("ir", "other"),
        ],
        identifiers=[
            Identifier("passport", "OR801168", "OR 801168", "af", "Passport"),
            Identifier("national_id", "4410352517525", "44103-5251752-5", "pk", "NIN"),
            Identifier("inn", "771234567890", "771234567890", None, "INN"),
            Identifier("other", "X1", "X-1", None, "Ration card"),
        ],
        addresses=["Street 4, Quetta, Pakistan"],
        programs=["Al-Qaida"],
        listed_on="2005-11-01",
        remarks="Test record.",
        gender="male",
        titles=["Haji"],
        links=["QDe.004"],
        properties={"position": ["Financier"], "documentNotes": ["expired"]},
    )


def _vessel() -> Party:
    return Party(
        dataset="ua_war_sanctions",
        source_id="NK-24cf2zYe7LEKhr2zFck73j",
        kind="vessel",
        name="ROSALIN",
        aliases=[Alias("Ceram Sea"), Alias("Gold Sun")],
        countries=[CountryRef("pa", "flag"), CountryRef("lr", "other")],
        identifiers=[
            Identifier("imo", "9253325", "IMO9253325", None, "IMO"),
            Identifier("mmsi", "273354240", "273354240", None, "MMSI"),
            Identifier("call_sign", "UBCD7", "UBCD7", None, "call sign"),
            Identifier("inn", "1646047020", "1646047020", None, "INN"),
        ],
        programs=["UA-WS-MARE"],
        properties={"first_seen": ["2025-10-06"]},
    )


def _organization() -> Party:
    return Party(
        dataset="ua_war_sanctions",
        source_id="NK-company",
        kind="organization",
        name="JSC Test Defence Plant",
        aliases=[Alias("АО Тестовый оборонный завод", "strong", "Cyrl")],
        birth_dates=[BirthDate("2002-11-14")],
        countries=[CountryRef("ru", "jurisdiction"), CountryRef("ru", "address")],
        identifiers=[
            Identifier("ogrn", "1021801234567", "1021801234567", None, "OGRN"),
            Identifier("inn", "1831012345", "1831012345", None, "INN"),
            Identifier("kpp", "183101001", "183101001", None, "KPP"),
        ],
        titles=["not a person title"],
        gender=None,
        properties={"ftm_schema": ["Company"], "phone": ["+7 3412 000000"]},
    )


def _aircraft() -> Party:
    return Party(
        dataset="us_ofac_sdn",
        source_id="36000",
        kind="aircraft",
        name="EP-TEST",
        identifiers=[
            Identifier("aircraft_serial", "1234", "1234", None, "Aircraft Manufacturer's Serial"),
            Identifier("aircraft_tail", "EPTEST", "EP-TEST", None, "Aircraft Tail Number"),
        ],
        programs=["SDGT"],
    )


@pytest.mark.parametrize("make", [_full_person, _vessel, _organization, _aircraft])
def test_round_trip_is_lossless(make: object) -> None:
    party = make()  # type: ignore[operator]
    ent = party_to_ftm(party)
    back = party_from_ftm(ent)
    assert back is not None
    assert back.to_dict() == party.to_dict()
    # ... also through JSON text, as FtM JSON lines carry it
    again = party_from_ftm(json.loads(to_json_line(ent)))
    assert again is not None and again.to_dict() == party.to_dict()


def test_ftm_properties_are_real_ftm() -> None:
    ent = party_to_ftm(_full_person())
    assert ent.schema.name == "Person"
    assert ent.id == "un-sc-sanctions-QDi.901"
    assert "Abu Karim" in ent.get("alias")
    assert ent.get("weakAlias") == ["Haji Sahib"]
    assert ent.get("previousName") == ["Old Name"]
    assert ent.get("passportNumber") == ["OR 801168"]
    assert ent.get("innCode") == ["771234567890"]
    assert set(ent.get("birthDate")) == {"1961-05-14", "1960"}
    assert ent.get("nationality") == ["af"]
    assert ent.get("birthCountry") == ["af"]
    assert ent.get("program") == ["Al-Qaida"]
    assert ent.get("position") == ["Financier"]
    vessel = party_to_ftm(_vessel())
    assert vessel.id == "NK-24cf2zYe7LEKhr2zFck73j"  # OpenSanctions ids kept
    assert vessel.get("imoNumber") == ["IMO9253325"]
    assert vessel.get("flag") == ["pa"]
    org = party_to_ftm(_organization())
    assert org.schema.name == "Company"
    assert org.get("kppCode") == ["183101001"]
    assert org.get("incorporationDate") == ["2002-11-14"]


def test_sanction_entity_carries_programme_and_listing() -> None:
    ents = party_to_entities(_full_person())
    assert [e.schema.name for e in ents] == ["Person", "Sanction"]
    sanction = ents[1]
    assert sanction.get("entity") == [ents[0].id]
    assert sanction.get("listingDate") == ["2005-11-01"]
    parties = list(parties_from_entities(e.to_dict() for e in ents))
    assert len(parties) == 1 and parties[0].to_dict() == _full_person().to_dict()


def test_plain_ftm_entity_without_context() -> None:
    data = {
        "id": "NK-x",
        "schema": "LegalEntity",
        "properties": {
            "name": ["Test Trading LLC", "Test Trading"],
            "weakAlias": ["TT"],
            "innCode": ["7707083893"],
            "ogrnCode": ["1027700132195"],
            "registrationNumber": ["REG-1"],
            "country": ["ru"],
            "jurisdiction": ["ru"],
            "address": ["Moscow"],
            "website": ["example.ru"],
            "topics": ["sanction"],
        },
        "datasets": ["ua_war_sanctions"],
    }
    party = party_from_ftm(data)
    assert party is not None
    assert party.dataset == "ua_war_sanctions" and party.source_id == "NK-x"
    # FtM's LegalEntity is "a person or a company": the kind is unknown here (the list
    # parser infers it from the name, see test_opensanctions)
    assert party.kind == "unknown"
    assert party.name == "Test Trading LLC"
    assert {(a.name, a.strength) for a in party.aliases} == {
        ("Test Trading", "strong"),
        ("TT", "weak"),
    }
    assert party.identifiers_of("inn") == ["7707083893"]
    assert party.identifiers_of("ogrn") == ["1027700132195"]
    assert party.identifiers_of("registration") == ["REG1"]
    assert party.country_codes("jurisdiction") == ["ru"]
    assert party.properties["website"] == ["example.ru"]
    assert "ftm_schema" not in party.properties  # LegalEntity is the unknown kind's schema
    # and it goes back out as a LegalEntity
    assert party_to_ftm(party).schema.name == "LegalEntity"


def test_non_party_schemata_are_none() -> None:
    ent = model.make_entity("Ownership")
    ent.id = "own"
    assert party_from_ftm(ent) is None
    nameless = model.make_entity("Person")
    nameless.id = "p"
    assert party_from_ftm(nameless) is None


def test_edited_properties_win_over_stale_context() -> None:
    party = _full_person()
    data = party_to_ftm(party).to_dict()
    data["properties"]["alias"].append("New Alias")
    back = party_from_ftm(data)
    assert back is not None
    assert "New Alias" in [a.name for a in back.aliases]


def test_fixture_parties_round_trip() -> None:
    from counterflow.lists import eu_fsf, uk_ofsi, un_xml

    for mod, name in (
        (un_xml, "un_consolidated_small.xml"),
        (uk_ofsi, "uk_conlist_small.csv"),
        (eu_fsf, "eu_fsf_small.xml"),
    ):
        for party in mod.parse([FIXTURES / name]).records:
            lines = [to_json_line(e) for e in party_to_entities(party)]
            back = list(parties_from_entities(json.loads(x) for x in lines))
            assert [b.to_dict() for b in back] == [party.to_dict()], name


@pytest.mark.shared
@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data (real lists) not present")
def test_real_lists_round_trip() -> None:
    from counterflow.lists import opensanctions, un_xml

    for mod, name in (
        (un_xml, "un_sc_consolidated_2026-02-27.xml"),
        (opensanctions, "opensanctions_ua_war_sanctions_targets.simple_2026-03-13.csv"),
    ):
        records = mod.parse([SHARED / name]).records
        ents = [e.to_dict() for p in records for e in party_to_entities(p)]
        back = list(parties_from_entities(ents))
        assert len(back) == len(records)
        assert [b.to_dict() for b in back] == [p.to_dict() for p in records], name
