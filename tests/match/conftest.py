"""Listed parties written for the screening tests (shapes as the parsers produce)."""

from __future__ import annotations

import pytest

from counterflow.records.model import Alias, BirthDate, CountryRef, Identifier, Party


def make_parties() -> list[Party]:
    return [
        Party(
            dataset="us_ofac_sdn",
            source_id="35096",
            kind="person",
            name="PUTIN, Vladimir Vladimirovich",
            aliases=[Alias("Владимир Владимирович Путин", script="Cyrl")],
            birth_dates=[BirthDate("1952-10-07")],
            countries=[CountryRef("ru", "nationality")],
        ),
        Party(
            dataset="us_ofac_sdn",
            source_id="47293",
            kind="organization",
            name="LIMITED LIABILITY COMPANY DRAKE",
            aliases=[Alias("LLC DRAKE")],
            identifiers=[Identifier("inn", "1646047020"), Identifier("ogrn", "1191690040519")],
            countries=[CountryRef("ru", "registration")],
            addresses=["Elabuga district, Republic of Tatarstan"],
        ),
        Party(
            dataset="us_ofac_sdn",
            source_id="37447",
            kind="organization",
            name="JSC ARGUMENT",
            identifiers=[Identifier("inn", "7720649916")],
        ),
        Party(
            dataset="ua_war_sanctions",
            source_id="NK-kupol",
            kind="organization",
            name="IEMZ KUPOL JSC",
            aliases=[Alias("JOINT-STOCK COMPANY IZHEVSK ELECTROMECHANICAL PLANT KUPOL")],
        ),
        Party(
            dataset="ua_war_sanctions",
            source_id="NK-alfa",
            kind="organization",
            name='ООО "Альфа Компонент"',
            aliases=[Alias("ALFA KOMPONENT, OOO")],
        ),
        Party(
            dataset="un_sc_sanctions",
            source_id="TAi.155",
            kind="person",
            name="ABDULHAI SALEK",
            birth_dates=[BirthDate("1965")],
            countries=[CountryRef("af", "nationality")],
        ),
        Party(
            dataset="un_sc_sanctions",
            source_id="KPi.001",
            kind="person",
            name="KIM JONG UN",
            aliases=[Alias("김정은", script="Hang")],
            birth_dates=[BirthDate("1984-01-08")],
        ),
        Party(
            dataset="us_ofac_sdn",
            source_id="9999",
            kind="vessel",
            name="OCEAN STAR",
            identifiers=[Identifier("imo", "9253325")],
        ),
        Party(
            dataset="un_sc_sanctions",
            source_id="QDi.001",
            kind="person",
            name="MOHAMMAD HASSAN AKHUND",
            birth_dates=[BirthDate("1955")],
        ),
        Party(
            dataset="gb_hmt_sanctions",
            source_id="100",
            kind="person",
            name="IVANOV, Aleksandr Petrovich",
            birth_dates=[BirthDate("1961")],
            countries=[CountryRef("ru", "nationality")],
        ),
    ] + [
        Party(
            dataset="eu_fsf",
            source_id=f"filler-{i}",
            kind="organization",
            name=f"{word} TRADING COMPANY",
        )
        for i, word in enumerate(
            ["ALFA", "BETA", "GAMMA", "DELTA", "SIGMA", "OMEGA", "ORION", "VEGA", "NOVA", "ZETA"]
        )
    ]


@pytest.fixture(scope="session")
def parties() -> list[Party]:
    return make_parties()


@pytest.fixture(scope="session")
def screener(parties: list[Party]):  # type: ignore[no-untyped-def]
    from counterflow.match import PartyScreener

    return PartyScreener.from_parties(parties)
