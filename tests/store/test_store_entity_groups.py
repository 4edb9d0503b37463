"""Listed entities: records of different lists that are one party, grouped at load time."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from counterflow.cli.main import main
from counterflow.lists.base import ParseResult
from counterflow.records.model import Alias, BirthDate, CountryRef, Identifier, Party
from counterflow.store import ListStore
from counterflow.store.grouping import compute_groups, name_key


def putin(dataset: str, sid: str, name: str, dob: str = "1952-10-07") -> Party:
    return Party(
        dataset=dataset,
        source_id=sid,
        kind="person",
        name=name,
        birth_dates=[BirthDate(dob)],
        countries=[CountryRef("ru", "nationality")],
    )


def org(dataset: str, sid: str, name: str, *ids: Identifier, country: str = "ru") -> Party:
    return Party(
        dataset=dataset,
        source_id=sid,
        kind="organization",
        name=name,
        identifiers=list(ids),
        countries=[CountryRef(country, "address")],
    )


def test_name_key_ignores_order_case_accents_and_legal_forms() -> None:
    assert name_key("PUTIN, Vladimir Vladimirovich", "person") == name_key(
        "Vladimir Vladimirovich Putin", "person"
    )
    assert name_key("LIMITED LIABILITY COMPANY DRAKE", "organization") == name_key(
        "Drake LLC", "organization"
    )
    assert name_key("José Noriega", "person") == name_key("JOSE NORIEGA", "person")


def test_same_person_on_three_lists_is_one_entity_a_namesake_is_not() -> None:
    recs = [
        putin("gb_hmt_sanctions", "14196", "Vladimir Vladimirovich PUTIN"),
        putin("us_ofac_sdn", "35096", "PUTIN, Vladimir Vladimirovich"),
        putin("eu_fsf", "135909", "Vladimir Vladimirovich PUTIN"),
        # same name, another birth date: another man
        putin("ua_war_sanctions", "X1", "Vladimir Vladimirovich Putin", dob="1980-01-01"),
    ]
    g = compute_groups(recs)
    lead = "us_ofac_sdn:35096"  # OFAC SDN ranks before EU and UK
    assert {e: g.group_of(e) for e in ("gb_hmt_sanctions:14196", "eu_fsf:135909")} == {
        "gb_hmt_sanctions:14196": lead,
        "eu_fsf:135909": lead,
    }
    assert g.group_of("ua_war_sanctions:X1") == "ua_war_sanctions:X1"
    assert g.members(lead)[0] == lead and len(g.members(lead)) == 3
    assert "birth date 1952-10-07" in g.why("eu_fsf:135909")


def test_shared_numbers_join_across_schemes_but_never_two_records_of_one_list() -> None:
    recs = [
        org("us_ofac_sdn", "47293", "LLC Drayk", Identifier("tax_id", "1646047020")),
        org("ua_war_sanctions", "NK-1", "OOO DRAKE", Identifier("inn", "1646047020")),
        # one list giving the same INN to two records: not an identity, no link
        org("eu_fsf", "1", "Alpha", Identifier("inn", "7700000001")),
        org("eu_fsf", "2", "Beta", Identifier("inn", "7700000001")),
        org("gb_hmt_sanctions", "9", "Gamma", Identifier("inn", "7700000001")),
        # a vessel never joins a company, even on a shared number
        Party(
            dataset="gb_hmt_sanctions",
            source_id="V1",
            kind="vessel",
            name="LLC Drayk",
            identifiers=[Identifier("inn", "1646047020")],
        ),
    ]
    g = compute_groups(recs)
    assert g.group_of("ua_war_sanctions:NK-1") == "us_ofac_sdn:47293"
    assert "1646047020" in g.why("ua_war_sanctions:NK-1")
    assert g.group_of("gb_hmt_sanctions:9") == "gb_hmt_sanctions:9"
    assert g.group_of("eu_fsf:2") == "eu_fsf:2"
    assert g.group_of("gb_hmt_sanctions:V1") == "gb_hmt_sanctions:V1"


def test_same_company_name_needs_a_shared_country_and_no_conflicting_number() -> None:
    recs = [
        org("us_ofac_sdn", "1", "Kupol Izhevsk Electromechanical Plant JSC"),
        org("eu_fsf", "2", "JSC Kupol Izhevsk Electromechanical Plant"),
        org("gb_hmt_sanctions", "3", "Kupol Izhevsk Electromechanical Plant", country="cn"),
        org("ua_war_sanctions", "4", "Sea Trading LLC", Identifier("imo", "1234567")),
        org("us_trade_csl", "5", "Sea Trading", Identifier("imo", "7654321")),
    ]
    g = compute_groups(recs)
    assert g.group_of("eu_fsf:2") == "us_ofac_sdn:1"
    assert g.group_of("gb_hmt_sanctions:3") == "gb_hmt_sanctions:3"  # other country
    assert g.group_of("us_trade_csl:5") == "us_trade_csl:5"  # IMO numbers disagree


def test_groups_are_stored_at_load_and_follow_the_lists(tmp_path: Path) -> None:
    store = ListStore.open(tmp_path / "lists.sqlite")
    store.load(ParseResult("us_ofac_sdn", "v1", [putin("us_ofac_sdn", "35096", "PUTIN, V")], []))
    assert len(store.entity_groups()) == 0
    store.load(
        ParseResult("gb_hmt_sanctions", "v1", [putin("gb_hmt_sanctions", "14196", "V PUTIN")], [])
    )
    assert store.entity_groups().group_of("gb_hmt_sanctions:14196") == "us_ofac_sdn:35096"
    store.close()
    # A fresh open reads the stored groups (same fingerprint), with their evidence.
    again = ListStore.open(tmp_path / "lists.sqlite")
    g = again.entity_groups()
    assert g.group == {
        "us_ofac_sdn:35096": "us_ofac_sdn:35096",
        "gb_hmt_sanctions:14196": "us_ofac_sdn:35096",
    }
    assert "same name" in g.why("us_ofac_sdn:35096")
    again.close()


def test_screen_parties_adds_entity_group_column_after_the_contract_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    with ListStore.open() as store:
        for ds, sid, name in (
            ("us_ofac_sdn", "35096", "PUTIN, Vladimir Vladimirovich"),
            ("gb_hmt_sanctions", "14196", "Vladimir Vladimirovich PUTIN"),
        ):
            p = putin(ds, sid, name)
            p.aliases.append(Alias("Vladimir Putin"))
            store.load(ParseResult(ds, "v1", [p], [], format="test"))
    src = tmp_path / "in.csv"
    src.write_text("id,name,birth_date,ref\nc2,Vladimir Putin,1952-10-07,R9\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    with pytest.raises(SystemExit) as exc:
        main(["screen", "parties", str(src), "-o", str(out), "-q"])
    assert exc.value.code in (0, None)
    with open(out, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
        fh.seek(0)
        rows = list(csv.DictReader(fh))
    assert header == [
        "query_id", "rank", "score", "decision", "dataset", "source_id", "entity_id",
        "entity_name", "matched_name", "kind", "explanation", "entity_group", "ref",
    ]  # fmt: skip
    assert len(rows) == 2  # still one row per listed record
    assert {r["entity_group"] for r in rows} == {"us_ofac_sdn:35096"}
    assert {r["ref"] for r in rows} == {"R9"}


def test_year_only_dates_join_unless_the_countries_disagree() -> None:
    un = putin("un_sc_sanctions", "TAi.091", "JANAN AGHA", dob="1958")
    un.countries = [CountryRef("af", "nationality")]
    eu = putin("eu_fsf", "620", "Janan Agha", dob="1958-01-01")
    eu.countries = []  # the EU file gives no country
    uk = putin("gb_hmt_sanctions", "1", "Janan AGHA", dob="1958")
    uk.countries = [CountryRef("pk", "nationality")]  # another country: another man
    g = compute_groups([un, eu, uk])
    assert g.group_of("eu_fsf:620") == "un_sc_sanctions:TAi.091"
    assert g.group_of("gb_hmt_sanctions:1") == "gb_hmt_sanctions:1"
