"""The OFAC remarks grammar, clause by clause."""

from __future__ import annotations

from counterflow.lists.ofac_remarks import (
    RemarkFields,
    add_xml_feature,
    parse_dates,
    parse_ofac_date,
    parse_remarks,
    split_clauses,
)


def _ids(f: RemarkFields) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for i in f.identifiers:
        out.setdefault(i.scheme, []).append(i.value)
    return out


def test_dob_precision_alt_and_circa() -> None:
    f = parse_remarks("DOB 15 Mar 1961; alt. DOB Mar 1962; alt. DOB 1963; DOB circa 1950.")
    values = [(b.value, b.precision, b.circa) for b in f.birth_dates]
    assert values == [
        ("1961-03-15", "day", False),
        ("1962-03", "month", False),
        ("1963", "year", False),
        ("1950", "year", True),
    ]
    assert not f.unparsed and not f.warnings


def test_dob_ranges() -> None:
    assert [b.value for b in parse_dates("1960 to 1962")] == ["1960", "1961", "1962"]
    assert all(b.circa for b in parse_dates("1960 to 1962"))
    assert [b.value for b in parse_dates("circa 1979-1982")] == ["1979", "1980", "1981", "1982"]
    ends = [b.value for b in parse_dates("01 Jan 1960 to 31 Dec 1961")]
    assert ends == ["1960-01-01", "1961-12-31"]


def test_unparseable_dob_is_a_warning_not_a_crash() -> None:
    f = parse_remarks("DOB 31 Foo 1970.")
    assert f.birth_dates == []
    assert f.warnings and "31 Foo 1970" in f.warnings[0]


def test_pob_nationality_citizen_roles() -> None:
    f = parse_remarks(
        "POB Tehran, Iran; nationality Iran; alt. nationality Korea, North; citizen Syria; "
        "Nationality of Registration Russia."
    )
    assert f.birth_places == ["Tehran, Iran"]
    roles = {(c.code, c.role) for c in f.countries}
    assert roles == {
        ("ir", "birth"),
        ("ir", "nationality"),
        ("kp", "nationality"),
        ("sy", "citizenship"),
        ("ru", "registration"),
    }


def test_passport_with_country_and_expiry() -> None:
    f = parse_remarks("Passport A 123 456 (Iran) issued 01 Jan 2000 expires 31 Dec 2010.")
    [p] = f.identifiers
    assert (p.scheme, p.value, p.raw, p.country, p.label) == (
        "passport",
        "A123456",
        "A 123 456",
        "ir",
        "Passport",
    )


def test_national_cedula_tax_registration_swift() -> None:
    f = parse_remarks(
        "National ID No. 216040 (Yemen); Cedula No. 6068015 (Colombia); "
        "Tax ID No. 7744001497 (Russia); Registration Number HRA 738077 (Stuttgart) (Germany); "
        "SWIFT/BIC BNCU CU HH; NIT # 800018928-0 (Colombia); Legal Entity Number "
        "253400WSS48YWMBUA688; Unified Social Credit Code (USCC) 9113100033607322XK (China)."
    )
    ids = _ids(f)
    assert ids["national_id"] == ["216040"]
    assert ids["cedula"] == ["6068015"]
    assert ids["tax_id"] == ["7744001497", "8000189280"]
    assert ids["registration"] == ["HRA738077"]
    assert ids["swift"] == ["BNCUCUHH"]
    assert ids["lei"] == ["253400WSS48YWMBUA688"]
    assert ids["uscc"] == ["9113100033607322XK"]
    reg = next(i for i in f.identifiers if i.scheme == "registration")
    assert reg.country == "de"
    assert not f.unparsed


def test_imo_and_mmsi_whatever_the_label() -> None:
    f = parse_remarks(
        "Vessel Registration Identification IMO 9253325; MMSI 123456789; "
        "Identification Number IMO 5342883; Company Number IMO 5055293."
    )
    ids = _ids(f)
    assert ids["imo"] == ["9253325", "5342883", "5055293"]
    assert ids["mmsi"] == ["123456789"]


def test_aka_strong_and_weak_quoting() -> None:
    f = parse_remarks("a.k.a. 'BNC'; a.k.a. \"BANCO NACIONAL\"; f.k.a. 'OLD NAME'; n.k.a. 'NEW'.")
    got = [(a.name, a.strength, a.kind) for a in f.aliases]
    assert got == [
        ("BNC", "weak", "a.k.a."),
        ("BANCO NACIONAL", "strong", "a.k.a."),
        ("OLD NAME", "weak", "f.k.a."),
        ("NEW", "weak", "n.k.a."),
    ]


def test_linked_to_website_email_gender_and_notes() -> None:
    f = parse_remarks(
        "Website http://example.org; Email Address info@example.org; Gender Female; "
        "Linked To: BANCO NACIONAL DE CUBA; Linked To: HIZBALLAH; "
        "Secondary sanctions risk: section 1(b) of Executive Order 13224; "
        "Organization Established Date 12 Mar 2005; Scientific Studies Employee."
    )
    assert f.properties["website"] == ["http://example.org"]
    assert f.properties["email"] == ["info@example.org"]
    assert f.gender == "female"
    assert f.linked_to == ["BANCO NACIONAL DE CUBA", "HIZBALLAH"]
    assert f.properties["sanctionsInfo"][0].startswith("Secondary sanctions risk")
    assert [b.value for b in f.birth_dates] == ["2005-03-12"]
    assert f.unparsed == ["Scientific Studies Employee"]


def test_aircraft_and_vessel_details() -> None:
    f = parse_remarks(
        "Aircraft Manufacturer's Serial Number (MSN) 1023409321; Aircraft Model IL-76TD; "
        "Aircraft Tail Number EP-GOM; Former Vessel Flag Tanzania; Other Vessel Flag Malta; "
        "Vessel Year of Build 1999."
    )
    ids = _ids(f)
    assert ids["aircraft_serial"] == ["1023409321"]
    assert ids["aircraft_tail"] == ["EPGOM"]
    assert f.properties["model"] == ["IL-76TD"]
    assert f.properties["pastFlags"] == ["tz"]
    assert ("mt", "flag") in {(c.code, c.role) for c in f.countries}
    assert f.properties["buildDate"] == ["1999"]


def test_generic_identifier_wording_is_kept_with_its_label() -> None:
    f = parse_remarks("Moldovan Fiscal Code No. 1003600011234 (Moldova).")
    [i] = f.identifiers
    assert i.label == "Moldovan Fiscal Code No."
    assert i.value == "1003600011234"
    assert i.country == "md"


def test_unknown_wordings_get_a_scheme_from_their_words() -> None:
    f = parse_remarks(
        "Moroccan Personal ID No. AB12345 (Morocco); Fiscal Code 12345678; "
        "International Maritime Organization No. 9253325; Serial No. 77."
    )
    assert _ids(f) == {
        "national_id": ["AB12345"],
        "tax_id": ["12345678"],
        "imo": ["9253325"],
        "other": ["77"],
    }


def test_xml_features_route_to_the_same_fields() -> None:
    f = RemarkFields()
    add_xml_feature(f, "Tax ID No.", "7744001497", "Russia")
    add_xml_feature(f, "Gender", "Male", None)
    add_xml_feature(f, "Website", "www.example.ru", None)
    add_xml_feature(f, "Nationality of Registration", "Russia", None)
    add_xml_feature(f, "Some New ID Type", "XY-1", "Russia")
    assert _ids(f) == {"tax_id": ["7744001497"], "other": ["XY1"]}
    assert f.identifiers[0].country == "ru"
    assert f.gender == "male"
    assert f.properties["website"] == ["www.example.ru"]
    assert [(c.code, c.role) for c in f.countries] == [("ru", "registration")]


def test_helpers() -> None:
    assert split_clauses("a; b;  c.") == ["a", "b", "c"]
    assert parse_ofac_date("01/08/2026") == "2026-01-08"
    assert parse_ofac_date("15 Mar 1961") == "1961-03-15"
    assert parse_ofac_date("garbage") is None
    assert parse_remarks(None).identifiers == []
