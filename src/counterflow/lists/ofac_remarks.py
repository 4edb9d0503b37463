"""The OFAC remarks grammar: turns the ``;``-separated remarks of the legacy SDN/non-SDN
CSV files (and the ``idList`` items of the sdnList XML) into typed fields.

A remarks string such as ``DOB 15 Mar 1961; alt. DOB 1962; POB Tehran, Iran;
nationality Iran; Passport A1234567 (Iran) expires 2010; a.k.a. 'ALI'; Linked To: X.``
becomes birth dates with precision, birth places, countries with roles, normalised
identifiers, weak aliases, link names and FtM-style properties. Clauses the grammar does
not know are counted in ``RemarkFields.unparsed`` (the remarks text itself is kept whole
on the record, so nothing is lost).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from counterflow.records.countries import to_iso2
from counterflow.records.identifiers import make_identifier, scheme_for_label
from counterflow.records.model import (
    Alias,
    AliasStrength,
    BirthDate,
    CountryRef,
    CountryRole,
    Identifier,
)

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}

# OFAC identifier wording -> scheme. Matched at the start of a clause (exact case, longest
# first), followed by a space, ``:``, ``#`` or the end. Values starting with ``IMO`` are
# IMO numbers whatever the label ("Vessel Registration Identification IMO 9253325",
# "Company Number IMO 5055293").
ID_LABELS: dict[str, str] = {
    "Tax ID No.": "tax_id",
    "Registration Number": "registration",
    "Registration ID": "registration",
    "Passport": "passport",
    "Diplomatic Passport": "passport",
    "Passport Booklet": "passport",
    "Travel Document Number": "passport",
    "National ID No.": "national_id",
    "National Foreign ID Number": "national_id",
    "Personal ID Card": "national_id",
    "Identification Number": "national_id",
    "Turkish Identification Number": "national_id",
    "Numero de Identidad": "national_id",
    "Citizen's Card Number": "national_id",
    "Kenyan ID No.": "national_id",
    "Tazkira National ID Card": "national_id",
    "UAE Identification": "national_id",
    "LE Number": "national_id",
    "C.U.R.P.": "national_id",
    "D.N.I.": "national_id",
    "C.U.I.": "national_id",
    "Vessel Registration Identification": "registration",
    "MMSI": "mmsi",
    "Other Vessel Call Sign": "call_sign",
    "Vessel Call Sign": "call_sign",
    "Government Gazette Number": "registration",
    "Cedula No.": "cedula",
    "R.F.C.": "tax_id",
    "RFC": "tax_id",
    "NIT": "tax_id",
    "RUC": "tax_id",
    "RIF": "tax_id",
    "RTN": "tax_id",
    "C.U.I.T.": "tax_id",
    "C.I.F.": "tax_id",
    "US FEIN": "tax_id",
    "V.A.T. Number": "tax_id",
    "Italian Fiscal Code": "tax_id",
    "Paraguayan tax identification number": "tax_id",
    "Numero Unico de Identificacao Tributaria (NUIT)": "tax_id",
    "SSN": "ssn",
    "Business Registration Number": "registration",
    "Business Registration Document": "registration",
    "Business Number": "registration",
    "Folio Mercantil No.": "registration",
    "Matricula Mercantil No": "registration",
    "Commercial Registry Number": "registration",
    "Company Number": "registration",
    "UK Company Number": "registration",
    "C.R. No.": "registration",
    "Romanian C.R.": "registration",
    "Economic Register Number (CBLS)": "registration",
    "Trade License No.": "registration",
    "Chamber of Commerce Number": "registration",
    "Istanbul Chamber of Comm. No.": "registration",
    "Dubai Chamber of Commerce Membership No.": "registration",
    "Central Registration System Number": "registration",
    "Public Registration Number": "registration",
    "Enterprise Number": "registration",
    "Registered Charity No.": "registration",
    "Certificate of Incorporation Number": "registration",
    "Organization Code": "registration",
    "Unified Social Credit Code (USCC)": "uscc",
    "United Social Credit Code Certificate (USCCC)": "uscc",
    "Legal Entity Number": "lei",
    "SWIFT/BIC": "swift",
    "D-U-N-S Number": "duns",
    "Aircraft Manufacturer's Serial Number (MSN)": "aircraft_serial",
    "Aircraft Tail Number": "aircraft_tail",
    "Previous Aircraft Tail Number": "aircraft_tail",
    "Aircraft Construction Number (also called L/N or S/N or F/N)": "other",
    "Aircraft Mode S Transponder Code": "other",
    "BIK (RU)": "other",
    "License": "other",
    "Birth Certificate Number": "other",
    "Driver's License No.": "other",
    "Electoral Registry No.": "other",
    "Credencial electoral": "other",
    "Cartilla de Servicio Militar Nacional": "other",
    "Residency Number": "other",
    "Chinese Commercial Code": "other",
    "I.F.E.": "other",
    "Permit Number": "other",
    "Branch Unit Number": "other",
    "VisaNumberID": "other",
    "C.U.I.P.": "other",
    "SRE Permit No.": "other",
    "File Number": "other",
    "Refugee ID Card": "other",
    "Immigration No.": "other",
    "Afghan Money Service Provider License Number": "other",
    "Pilot License Number": "other",
    "Military Registration Number": "other",
}

# Clauses that are not identifiers: label -> FtM-style property name.
PROPERTY_LABELS: dict[str, str] = {
    "Website": "website",
    "Email Address": "email",
    "Email": "email",
    "Phone Number": "phone",
    "Telephone": "phone",
    "Alt. Fax": "phone",
    "Fax": "phone",
    "PHONE": "phone",
    "FAX": "phone",
    "Digital Currency Address": "cryptoWallet",
    "Organization Type": "legalForm",
    "Target Type": "targetType",
    "Aircraft Model": "model",
    "Aircraft Manufacture Date": "buildDate",
    "Aircraft Operator": "operator",
    "Vessel Year of Build": "buildDate",
    "Vessel Type": "type",
    "Former Vessel Flag": "pastFlags",
    "ISIN": "isin",
    "Equity Ticker": "ticker",
    "Issuer Name": "issuer",
    "Secondary sanctions risk": "sanctionsInfo",
    "Additional Sanctions Information -": "sanctionsInfo",
    "Transactions Prohibited For Persons Owned or Controlled By U.S. Financial Institutions": (
        "sanctionsInfo"
    ),
    "CAATSA Section 235 Information": "sanctionsInfo",
    "Executive Order 13662 Directive Determination -": "sanctionsInfo",
    "Executive Order 14024 Directive Information -": "sanctionsInfo",
    "Executive Order 14024 Directive Information": "sanctionsInfo",
    "Executive Order 14014 Directive Information": "sanctionsInfo",
    "Executive Order 14059 information": "sanctionsInfo",
    "Listing Date": "sanctionsInfo",
    "Effective Date": "sanctionsInfo",
    "Purchase/Sales For Divestment Date (CMIC)": "sanctionsInfo",
    "Executive Order 13846 information": "sanctionsInfo",
    "For more information on directives": "notes",
    "for more information on directives": "notes",
    "For more information, please reference": "notes",
    "Other Vessel Type": "type",
}


def _label_regex(labels: list[str]) -> re.Pattern[str]:
    alts = "|".join(re.escape(lab) for lab in sorted(labels, key=len, reverse=True))
    return re.compile(rf"^(?:{alts})(?=[\s:#]|$)")


_ID_RE = _label_regex(list(ID_LABELS))
_PROP_RE = _label_regex(list(PROPERTY_LABELS))
_ALT = re.compile(r"^alt\.\s+", re.I)
_AKA = re.compile(r"^([afn])\.k\.a\.?,?\s+(.*)$", re.I | re.S)
_DATE_PART = re.compile(
    r"^(?:(\d{1,2})\s+)?(?:([A-Za-z]{3})[a-z]*\.?\s+)?(\d{4})$",
)
_DMY_NUMERIC = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_TRAILER = re.compile(r"\s+(?:issued|expires|Issue Date|Expiration Date)\b.*$", re.I | re.S)
_PAREN = re.compile(r"\(([^()]*)\)")
_GENERIC_ID = re.compile(
    r"^([A-Z][A-Za-z.'/ ()-]{1,60}?(?:No\.?|Number|ID|Identification|Code)"
    r"(?:\s+(?:No\.?|Number))?)\s+#?\s*(\S.*)$"
)


@dataclass(slots=True)
class RemarkFields:
    """Fields gathered from one entry's remarks (and, for XML, its idList)."""

    aliases: list[Alias] = field(default_factory=list)
    birth_dates: list[BirthDate] = field(default_factory=list)
    birth_places: list[str] = field(default_factory=list)
    countries: list[CountryRef] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    gender: str | None = None
    linked_to: list[str] = field(default_factory=list)
    properties: dict[str, list[str]] = field(default_factory=dict)
    unparsed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add_country(self, text: str | None, role: CountryRole) -> str | None:
        code = country_code(text)
        if code and not any(c.code == code and c.role == role for c in self.countries):
            self.countries.append(CountryRef(code=code, role=role))
        return code

    def add_property(self, key: str, value: str) -> None:
        value = value.strip()
        if not value:
            return
        values = self.properties.setdefault(key, [])
        if value not in values:
            values.append(value)

    def add_identifier(self, ident: Identifier | None) -> None:
        if ident is None:
            return
        for have in self.identifiers:
            if have.scheme == ident.scheme and have.value == ident.value:
                return
        self.identifiers.append(ident)

    def add_dates(self, text: str, what: str) -> None:
        dates = parse_dates(text)
        if not dates:
            self.warnings.append(f"unparseable {what} {text!r}")
        for d in dates:
            if not any(b.value == d.value for b in self.birth_dates):
                self.birth_dates.append(d)


def country_code(text: str | None) -> str | None:
    """A country name as OFAC writes it (``"Korea, North"``, ``"Region: Gaza"``) -> ISO."""
    if not text:
        return None
    text = text.strip().strip(".")
    code = to_iso2(text)
    if code is None and "," in text:
        code = to_iso2(text.rsplit(",", 1)[1])
    if code is None and ":" in text:
        code = to_iso2(text.split(":", 1)[1])
    return code


def _one_date(text: str) -> tuple[str, bool] | None:
    text = text.strip().strip(".,")
    circa = False
    low = text.lower()
    for prefix in ("circa", "approximately", "approx.", "about", "ca."):
        if low.startswith(prefix):
            circa = True
            text = text[len(prefix) :].strip()
            break
    m = _DATE_PART.match(text)
    if m:
        day, mon, year = m.groups()
        if mon is not None:
            month = _MONTHS.get(mon.lower())
            if month is None:
                return None
            if day is not None:
                return f"{year}-{month:02d}-{int(day):02d}", circa
            return f"{year}-{month:02d}", circa
        if day is not None:
            return None
        return year, circa
    m = _DMY_NUMERIC.match(text)
    if m:
        d, mo, y = m.groups()
        return f"{y}-{int(mo):02d}-{int(d):02d}", circa
    m = _ISO.match(text)
    if m:
        y, mo, d = m.groups()
        return "-".join(p for p in (y, mo, d) if p), circa
    return None


def parse_dates(text: str) -> list[BirthDate]:
    """``15 Mar 1961``, ``Mar 1961``, ``1961``, ``circa 1961``, ``1960 to 1962`` (every year
    of a range up to 20 years, marked circa), ``01 Jan 1960 to 31 Dec 1961`` (both ends)."""
    text = text.strip().strip(".")
    circa_all = False
    low = text.lower()
    if low.startswith("circa ") and " to " in low:
        circa_all = True
        text = text[6:]
    parts = re.split(r"\s+to\s+|\s+-\s+|(?<=\d{4})-(?=\d{4}$)", text)
    if len(parts) == 2:
        a, b = _one_date(parts[0]), _one_date(parts[1])
        if a is None or b is None:
            return []
        if len(a[0]) == 4 and len(b[0]) == 4 and 0 <= int(b[0]) - int(a[0]) <= 20:
            return [BirthDate(str(y), circa=True) for y in range(int(a[0]), int(b[0]) + 1)]
        return [BirthDate(a[0], circa=True), BirthDate(b[0], circa=True)]
    one = _one_date(text)
    if one is None:
        return []
    return [BirthDate(one[0], circa=one[1] or circa_all)]


def parse_ofac_date(text: str | None) -> str | None:
    """One OFAC date (``15 Mar 1961``, ``03/15/1961``) -> ISO, ``None`` when unparseable."""
    if not text:
        return None
    text = text.strip()
    m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", text)  # US order in XML headers
    if m:
        mo, d, y = m.groups()
        return f"{y}-{int(mo):02d}-{int(d):02d}"
    one = _one_date(text)
    return one[0] if one else None


def split_id_value(rest: str) -> tuple[str, str | None]:
    """``"A1234567 (Iran) issued 01 Jan 2000"`` -> (``"A1234567"``, ``"ir"``)."""
    rest = _TRAILER.sub("", rest).strip().lstrip("#:").strip()
    country: str | None = None
    for inner in reversed(_PAREN.findall(rest)):
        country = country_code(inner)
        if country:
            break
    value = rest.split(" (", 1)[0].strip().rstrip(",").strip()
    return value, country


# Words inside a wording the label table does not know ("Moroccan Personal ID No.").
_SCHEME_WORDS: tuple[tuple[str, str], ...] = (
    ("maritime organization", "imo"),
    ("passport", "passport"),
    ("personal id", "national_id"),
    ("national id", "national_id"),
    ("identity card", "national_id"),
    ("fiscal", "tax_id"),
    ("tax", "tax_id"),
    ("business registration", "registration"),
    ("company", "registration"),
    ("commercial regist", "registration"),
    ("registration number", "registration"),
)


def guess_scheme(label: str) -> str:
    """Scheme of an identifier wording: the shared prefix table first, then words found
    inside the wording; ``other`` when nothing fits."""
    scheme = scheme_for_label(label)
    if scheme != "other":
        return scheme
    low = label.lower()
    for word, sch in _SCHEME_WORDS:
        if word in low:
            return sch
    return "other"


def add_id(
    fields: RemarkFields,
    label: str,
    value: str,
    country_text: str | None = None,
    scheme: str | None = None,
) -> None:
    """One identifier (from a remarks clause or an XML ``<id>``)."""
    label = label.strip().rstrip(":").strip()
    value = value.strip()
    country = country_code(country_text) if country_text else None
    if scheme is None:
        scheme = ID_LABELS.get(label) or guess_scheme(label)
    if re.match(r"^IMO\s*\d", value, re.I):
        scheme = "imo"
    fields.add_identifier(make_identifier(scheme, value, country=country, label=label))


def add_xml_feature(fields: RemarkFields, id_type: str, number: str, country: str | None) -> None:
    """An sdnList XML ``<id>``: OFAC puts identifiers and many other features there
    (``Gender``, ``Website``, ``Nationality of Registration``...)."""
    label = id_type.strip().rstrip(":").strip()
    value = number.strip()
    if not value:
        return
    clause = f"{label} {value}"
    if (
        label in ID_LABELS
        or _ID_RE.match(label)
        or not _apply_clause(fields, clause, generic=False)
    ):
        # An identifier (an unknown type of id is kept, typed by its wording). The number
        # sometimes carries its country or dates: "33556474 (Russia)".
        number_only, in_number = split_id_value(value)
        before = len(fields.identifiers)
        add_id(fields, label, number_only or value, country)
        if in_number and not country and len(fields.identifiers) > before:
            fields.identifiers[-1].country = in_number


def _aka(fields: RemarkFields, kind: str, rest: str) -> bool:
    rest = rest.strip()
    if len(rest) >= 2 and rest[0] == rest[-1] and rest[0] in "'\"":
        strength: AliasStrength = "strong" if rest[0] == '"' else "weak"
        name = rest[1:-1].strip()
    else:
        strength, name = "weak", rest.strip("'\"")
    if not name:
        return False
    if not any(a.name == name for a in fields.aliases):
        fields.aliases.append(Alias(name=name, strength=strength, kind=f"{kind.lower()}.k.a."))
    return True


def _apply_clause(fields: RemarkFields, clause: str, *, generic: bool = True) -> bool:
    """Apply one clause; ``False`` when the grammar does not know it."""
    c = _ALT.sub("", clause.strip()).strip()
    if c.startswith("(") and c.endswith(")"):
        c = c[1:-1].strip()
    if not c:
        return True
    m = _AKA.match(c)
    if m:
        return _aka(fields, m.group(1), m.group(2))
    if c.startswith("Linked To:"):
        name = c[len("Linked To:") :].strip().rstrip(".").strip()
        if name and name not in fields.linked_to:
            fields.linked_to.append(name)
        return bool(name)
    if c.startswith("DOB "):
        fields.add_dates(c[4:], "DOB")
        return True
    if c.startswith("Organization Established Date"):
        rest = c[len("Organization Established Date") :].strip()
        fields.add_dates(rest, "Organization Established Date")
        fields.add_property("incorporationDate", rest)
        return True
    if c.startswith("POB "):
        place = c[4:].strip()
        fields.birth_places.append(place)
        fields.add_country(place, "birth")
        return True
    if c.startswith("Nationality of Registration"):
        return (
            fields.add_country(c[len("Nationality of Registration") :], "registration") is not None
        )
    if c.lower().startswith("nationality "):
        return fields.add_country(c[12:], "nationality") is not None
    if c.lower().startswith("citizen "):
        return fields.add_country(c[8:], "citizenship") is not None
    if c.startswith("Gender "):
        g = c[7:].strip().lower()
        fields.gender = g if g in ("male", "female") else g or None
        return True
    if c.startswith("Other Vessel Flag"):
        return fields.add_country(c[len("Other Vessel Flag") :], "flag") is not None
    m = _ID_RE.match(c)
    if m:
        label = m.group(0)
        value, country = split_id_value(c[m.end() :])
        if not value:
            return False
        scheme = ID_LABELS[label]
        if label == "Vessel Registration Identification" and not value.upper().startswith("IMO"):
            scheme = "registration"
        before = len(fields.identifiers)
        add_id(fields, label, value, scheme=scheme)
        if country and len(fields.identifiers) > before:
            fields.identifiers[-1].country = country
        return True
    m = _PROP_RE.match(c)
    if m:
        label = m.group(0)
        key = PROPERTY_LABELS[label]
        value = c[m.end() :].strip().lstrip(":").strip()
        if key in ("sanctionsInfo", "notes"):
            value = c
        elif key == "cryptoWallet":
            value = value.lstrip("- ").strip()
        elif key == "pastFlags":
            code = country_code(value)
            value = code or value
        fields.add_property(key, value)
        return True
    m = _GENERIC_ID.match(c) if generic else None
    if m and re.search(r"\d", m.group(2)):
        value, country = split_id_value(m.group(2))
        before = len(fields.identifiers)
        add_id(fields, m.group(1), value)
        if country and len(fields.identifiers) > before:
            fields.identifiers[-1].country = country
        return True
    return False


def split_clauses(text: str) -> list[str]:
    """Split remarks on ``;``; drop the final full stop."""
    text = text.strip()
    if text.endswith("."):
        text = text[:-1]
    return [c.strip() for c in text.split(";") if c.strip()]


def parse_remarks(text: str | None, into: RemarkFields | None = None) -> RemarkFields:
    """Parse a remarks string; unknown clauses go to ``unparsed``."""
    fields = into if into is not None else RemarkFields()
    if not text:
        return fields
    for clause in split_clauses(text):
        if not _apply_clause(fields, clause):
            fields.unparsed.append(clause)
    return fields
