"""OFAC ``SDN_ADVANCED.XML`` / ``CONS_ADVANCED.XML`` (the Advanced Sanctions Data Model).

The file is normalised: ``ReferenceValueSets`` (id -> wording of every code),
``Locations``, ``IDRegDocuments`` (identity documents keyed by identity), then
``DistinctParties`` (profiles with identities, aliases made of typed name parts, and
features: dates, locations, text), ``ProfileRelationships`` and ``SanctionsEntries``
(list and programmes per profile). The file is streamed (``iterparse``), each section
kept in a compact form, and the ``Party`` records are built at the end, so the order of
the sections does not matter. Feature and document wordings are read with the same
grammar as the legacy remarks (``ofac_remarks``). ``source_id`` is the profile id
(= the legacy ent_num).
"""

from __future__ import annotations

import calendar
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from counterflow.errors import BadInputError
from counterflow.lists.base import Detected, LoadIssue, ParseResult
from counterflow.lists.ofac_csv import CONS, SDN, dataset_from_programs, publication_date
from counterflow.lists.ofac_remarks import RemarkFields, add_id, add_xml_feature, country_code
from counterflow.lists.ofac_xml import read_xml_bytes
from counterflow.records.kinds import settle_kind
from counterflow.records.model import (
    Alias,
    AliasStrength,
    BirthDate,
    CountryRef,
    CountryRole,
    Kind,
    Party,
)

FORMAT = "ofac_advanced"

_BASE = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
DOWNLOADS: dict[str, list[str]] = {
    SDN: [_BASE + "SDN_ADVANCED.XML"],
    CONS: [_BASE + "CONS_ADVANCED.XML"],
}

_ROOT = re.compile(rb"<(?:[\w.-]+:)?Sanctions[\s>]")
_MARKERS = (b"ReferenceValueSets", b"DistinctParties", b"DateOfIssue")

# Feature wording -> country role, for features that point at a location/country.
_COUNTRY_FEATURES: dict[str, CountryRole] = {
    "Nationality Country": "nationality",
    "Citizenship Country": "citizenship",
    "Vessel Flag": "flag",
    "Other Vessel Flag": "flag",
    "Nationality of Registration": "registration",
    "Location": "address",
    "Place of Birth": "birth",
    "Residency": "other",
}
_ALIAS_KINDS = {"A.K.A.": "a.k.a.", "F.K.A.": "f.k.a.", "N.K.A.": "n.k.a."}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def detect(path: Path, head: bytes) -> Detected | None:
    """A ``Sanctions`` root with the advanced model's sections."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not _ROOT.search(head[:4096]) or not any(m in head for m in _MARKERS):
        return None
    dataset = CONS if "cons" in path.name.lower() else SDN
    return Detected(FORMAT, dataset, "main", f"{dataset}:{path.resolve()}")


@dataclass(slots=True)
class _Name:
    alias_type: str
    primary: bool
    low_quality: bool
    parts: list[tuple[str, str, str]]  # (name part group id, script id, text)


@dataclass(slots=True)
class _Feature:
    type_id: str
    dates: list[BirthDate] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _RawParty:
    profile_id: str
    subtype_id: str
    identity_ids: list[str]
    names: list[_Name]
    group_types: dict[str, str]  # name part group id -> name part type id
    features: list[_Feature]


@dataclass(slots=True)
class _Entry:
    list_id: str
    measures: list[tuple[str, str]] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _State:
    refs: dict[str, dict[str, str]] = field(default_factory=dict)
    ref_attrs: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    locations: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    docs: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    doc_count: int = 0
    parties: list[_RawParty] = field(default_factory=list)
    relations: list[tuple[str, str]] = field(default_factory=list)
    entries: dict[str, list[_Entry]] = field(default_factory=dict)
    version: str | None = None

    def ref(self, kind: str, ident: str | None) -> str:
        return self.refs.get(kind, {}).get(ident or "", "")


def _child(el: ET.Element, name: str) -> ET.Element | None:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _ctext(el: ET.Element, name: str) -> str:
    """Text of the first child called ``name`` ("" when absent)."""
    c = _child(el, name)
    return (c.text or "").strip() if c is not None else ""


def _ymd(el: ET.Element | None) -> tuple[int, int, int] | None:
    if el is None:
        return None
    try:
        y, m, d = (int(_ctext(el, n) or 0) for n in ("Year", "Month", "Day"))
    except ValueError:
        return None
    return (y, m, d) if y else None


def _iso(ymd: tuple[int, int, int]) -> str:
    y, m, d = ymd
    if m and d:
        return f"{y:04d}-{m:02d}-{d:02d}"
    if m:
        return f"{y:04d}-{m:02d}"
    return f"{y:04d}"


def period_dates(period: ET.Element) -> list[BirthDate]:
    """A ``DatePeriod`` -> dates with precision: a single day, a whole month, a whole year,
    a span of whole years (every year, circa) or else both ends."""
    start, end = _child(period, "Start"), _child(period, "End")
    circa = any((x is not None and x.get("Approximate") == "true") for x in (period, start, end))
    a = _ymd(_child(start, "From")) if start is not None else None
    b = None
    if end is not None:
        b = _ymd(_child(end, "To")) or _ymd(_child(end, "From"))
    if b is None and start is not None:
        b = _ymd(_child(start, "To"))
    if a is None:
        a = b
    if a is None:
        return []
    if b is None or a == b:
        return [BirthDate(_iso(a), circa=circa)]
    (y1, m1, d1), (y2, m2, d2) = a, b
    whole_years = (m1, d1) in ((1, 1), (0, 0)) and (m2, d2) in ((12, 31), (0, 0))
    if whole_years and y1 == y2:
        return [BirthDate(f"{y1:04d}", circa=circa)]
    if whole_years and 0 < y2 - y1 <= 20:
        return [BirthDate(f"{y:04d}", circa=True) for y in range(y1, y2 + 1)]
    if y1 == y2 and m1 == m2 and m1 and d1 == 1 and d2 == calendar.monthrange(y1, m1)[1]:
        return [BirthDate(f"{y1:04d}-{m1:02d}", circa=circa)]
    return [BirthDate(_iso(a), circa=True), BirthDate(_iso(b), circa=True)]


def _read_values(el: ET.Element, st: _State) -> None:
    for item in el:
        kind, ident = _local(item.tag), item.get("ID")
        if ident is None:
            continue
        st.refs.setdefault(kind, {})[ident] = (item.text or "").strip()
        if item.attrib:
            st.ref_attrs[(kind, ident)] = dict(item.attrib)


def _read_location(el: ET.Element, st: _State) -> None:
    parts: list[str] = []
    for lp in _children(el, "LocationPart"):
        values = _children(lp, "LocationPartValue")
        chosen = next(
            (v for v in values if v.get("Primary") == "true"), values[0] if values else None
        )
        if chosen is not None:
            text = _ctext(chosen, "Value")
            if text:
                parts.append(text)
    country_id = None
    lc = _child(el, "LocationCountry")
    if lc is not None:
        country_id = lc.get("CountryID")
    country_name = st.ref("Country", country_id) if country_id else ""
    text = ", ".join(parts + ([country_name] if country_name else []))
    code = country_code(country_name) if country_name else None
    if code is None and parts:
        code = country_code(parts[-1])
    st.locations[el.get("ID", "")] = (text, code)


def _read_doc(el: ET.Element, st: _State) -> None:
    number = _ctext(el, "IDRegistrationNo")
    if not number:
        return
    st.doc_count += 1
    st.docs.setdefault(el.get("IdentityID", ""), []).append(
        (el.get("IDRegDocTypeID", ""), number, el.get("IssuedBy-CountryID", ""))
    )


def _read_party(el: ET.Element, st: _State) -> None:
    profile = _child(el, "Profile")
    if profile is None:
        return
    raw = _RawParty(
        profile_id=profile.get("ID") or el.get("FixedRef") or "",
        subtype_id=profile.get("PartySubTypeID", ""),
        identity_ids=[],
        names=[],
        group_types={},
        features=[],
    )
    for identity in _children(profile, "Identity"):
        raw.identity_ids.append(identity.get("ID", ""))
        identity_primary = identity.get("Primary") == "true"
        for npg in identity.iter():
            if _local(npg.tag) == "NamePartGroup" and npg.get("ID"):
                raw.group_types[npg.get("ID", "")] = npg.get("NamePartTypeID", "")
        for alias in _children(identity, "Alias"):
            for dn in _children(alias, "DocumentedName"):
                parts = [
                    (v.get("NamePartGroupID", ""), v.get("ScriptID", ""), (v.text or "").strip())
                    for dnp in _children(dn, "DocumentedNamePart")
                    for v in _children(dnp, "NamePartValue")
                ]
                raw.names.append(
                    _Name(
                        alias_type=alias.get("AliasTypeID", ""),
                        primary=identity_primary and alias.get("Primary") == "true",
                        low_quality=alias.get("LowQuality") == "true",
                        parts=[p for p in parts if p[2]],
                    )
                )
    for feat in _children(profile, "Feature"):
        f = _Feature(type_id=feat.get("FeatureTypeID", ""))
        for fv in _children(feat, "FeatureVersion"):
            for period in _children(fv, "DatePeriod"):
                f.dates.extend(period_dates(period))
            for vl in _children(fv, "VersionLocation"):
                f.locations.append(vl.get("LocationID", ""))
            for vd in _children(fv, "VersionDetail"):
                ref_id = vd.get("DetailReferenceID")
                if ref_id:
                    f.texts.append("\x00ref:" + ref_id)
                elif (vd.text or "").strip():
                    f.texts.append((vd.text or "").strip())
        raw.features.append(f)
    st.parties.append(raw)


def _read_entry(el: ET.Element, st: _State) -> None:
    entry = _Entry(list_id=el.get("ListID", ""))
    for ev in _children(el, "EntryEvent"):
        ymd = _ymd(_child(ev, "Date"))
        if ymd:
            entry.dates.append(_iso(ymd))
    for m in _children(el, "SanctionsMeasure"):
        text = _ctext(m, "Comment")
        if text:
            entry.measures.append((m.get("SanctionsTypeID", ""), text))
    st.entries.setdefault(el.get("ProfileID", ""), []).append(entry)


def _stream(data: bytes, file: str) -> _State:
    st = _State()
    try:
        for _, el in ET.iterparse(io.BytesIO(data), events=("end",)):
            tag = _local(el.tag)
            if tag.endswith("Values") and tag != "Values":
                _read_values(el, st)
            elif tag == "Location":
                _read_location(el, st)
            elif tag == "IDRegDocument":
                _read_doc(el, st)
            elif tag == "DistinctParty":
                _read_party(el, st)
            elif tag == "ProfileRelationship":
                st.relations.append((el.get("From-ProfileID", ""), el.get("To-ProfileID", "")))
            elif tag == "SanctionsEntry":
                _read_entry(el, st)
            elif tag == "DateOfIssue":
                ymd = _ymd(el)
                st.version = _iso(ymd) if ymd else None
            else:
                continue
            el.clear()
    except ET.ParseError as exc:
        line, col = exc.position
        raise BadInputError(f"broken XML: {exc.msg} (column {col})", file=file, line=line) from exc
    except (LookupError, ValueError) as exc:  # an unknown or unsupported declared encoding
        raise BadInputError(f"unreadable XML: {exc}", file=file, line=1) from exc
    return st


def _compose(
    name: _Name, group_types: dict[str, str], st: _State, person: bool
) -> tuple[str, str | None]:
    last: list[str] = []
    rest: list[str] = []
    script: str | None = None
    for group, script_id, text in name.parts:
        code = st.ref_attrs.get(("Script", script_id), {}).get("ScriptCode")
        if code and code != "Latn":
            script = code
        ptype = st.ref("NamePartType", group_types.get(group, ""))
        (last if person and ptype == "Last Name" else rest).append(text)
    if last and rest:
        return f"{' '.join(last)}, {' '.join(rest)}", script
    return " ".join(last + rest), script


def _kind(raw: _RawParty, st: _State) -> Kind:
    sub = st.ref("PartySubType", raw.subtype_id).lower()
    if sub in ("vessel", "aircraft"):
        return "vessel" if sub == "vessel" else "aircraft"
    ptype_id = st.ref_attrs.get(("PartySubType", raw.subtype_id), {}).get("PartyTypeID", "")
    ptype = st.ref("PartyType", ptype_id).lower()
    if ptype == "individual":
        return "person"
    if ptype == "entity":
        return "organization"
    return "unknown"  # no party type: inferred from the name in _build, else unknown


def _build(
    raw: _RawParty, st: _State, dataset: str, file: str, issues: list[LoadIssue]
) -> Party | None:
    kind = _kind(raw, st)
    names = [(n, *_compose(n, raw.group_types, st, kind == "person")) for n in raw.names]
    primary = next((x for x in names if x[0].primary and x[2] is None and x[1]), None)
    primary = primary or next((x for x in names if x[0].primary and x[1]), None)
    if primary is None:
        issues.append(LoadIssue(file, None, "DistinctParty", f"profile {raw.profile_id}: no name"))
        return None
    party = Party(dataset=dataset, source_id=raw.profile_id, kind=kind, name=primary[1])
    fields = RemarkFields()
    for n, text, script in names:
        if not text or text == party.name or any(a.name == text for a in fields.aliases):
            continue
        alias_type = st.ref("AliasType", n.alias_type)
        strength: AliasStrength = "weak" if n.low_quality else "strong"
        akind = _ALIAS_KINDS.get(alias_type, "original script" if script else None)
        fields.aliases.append(Alias(text, strength=strength, script=script, kind=akind))

    for f in raw.features:
        ftype = st.ref("FeatureType", f.type_id)
        if not ftype:
            continue
        if f.dates:
            if ftype == "Birthdate" or ftype == "Organization Established Date":
                for d in f.dates:
                    if not any(b.value == d.value for b in fields.birth_dates):
                        fields.birth_dates.append(d)
                if ftype != "Birthdate":
                    fields.add_property("incorporationDate", f.dates[0].value)
            else:
                add_xml_feature(fields, ftype, f.dates[0].value, None)
        role = _COUNTRY_FEATURES.get(ftype)
        for loc_id in f.locations:
            loc = st.locations.get(loc_id)
            if loc is None:
                issues.append(
                    LoadIssue(
                        file,
                        None,
                        "LocationID",
                        f"profile {raw.profile_id}: unknown location {loc_id}",
                        "warning",
                    )
                )
                continue
            text, code = loc
            if ftype == "Location" and text and text not in party.addresses:
                party.addresses.append(text)
            if ftype == "Place of Birth" and text:
                fields.birth_places.append(text)
            if ftype == "Former Vessel Flag" and code:
                fields.add_property("pastFlags", code)
            elif code and not any(
                c.code == code and c.role == (role or "other") for c in fields.countries
            ):
                fields.countries.append(CountryRef(code=code, role=role or "other"))
        for value in f.texts:
            if value.startswith("\x00ref:"):
                value = st.ref("DetailReference", value[5:])
            if not value:
                continue
            if ftype == "Place of Birth":
                fields.birth_places.append(value)
                fields.add_country(value, "birth")
            elif role is not None and ftype != "Location":
                fields.add_country(value, role)
            else:
                add_xml_feature(fields, ftype, value, None)

    for identity_id in raw.identity_ids:
        for type_id, number, country_id in st.docs.pop(identity_id, []):
            label = st.ref("IDRegDocType", type_id) or "Document"
            add_id(fields, label, number, st.ref("Country", country_id) or None)

    party.aliases = fields.aliases
    party.birth_dates = fields.birth_dates
    party.birth_places = fields.birth_places
    party.countries = fields.countries
    party.identifiers = fields.identifiers
    if kind == "person":
        party.gender = fields.gender
    party.properties.update(fields.properties)
    if fields.linked_to:
        party.properties["linkedTo"] = list(fields.linked_to)
    for entry in st.entries.get(raw.profile_id, []):
        for type_id, text in entry.measures:
            type_name = st.ref("SanctionsType", type_id)
            if type_name in ("", "Program") and text not in party.programs:
                party.programs.append(text)
        for day in entry.dates:
            if party.listed_on is None or day < party.listed_on:
                party.listed_on = day
    settle_kind(party)
    return party


def _dataset(st: _State, name: str) -> str:
    sdn = other = 0
    for entries in st.entries.values():
        for e in entries:
            list_name = st.ref("List", e.list_id)
            if not list_name:
                continue
            if list_name.strip().upper() == "SDN LIST":
                sdn += 1
            else:
                other += 1
    if sdn or other:
        return SDN if sdn >= other else CONS
    programs = [[t for e in entries for _, t in e.measures] for entries in st.entries.values()]
    return dataset_from_programs(programs, name)


def parse(paths: Sequence[Path], dataset: str | None = None) -> ParseResult:
    """Parse one advanced XML publication."""
    if len(paths) != 1:
        raise BadInputError(
            "one advanced XML file per publication",
            file=", ".join(str(p) for p in paths) or None,
        )
    path = Path(paths[0])
    name = str(path)
    issues: list[LoadIssue] = []
    data = read_xml_bytes(path, issues)
    st = _stream(data, name)
    if not st.refs and not st.parties:
        raise BadInputError("not an OFAC advanced XML (no reference values, no parties)", file=name)
    if dataset is None:
        dataset = _dataset(st, path.name)
    parties: dict[str, Party] = {}
    for raw in st.parties:
        if raw.profile_id in parties:
            issues.append(
                LoadIssue(
                    name, None, "Profile", f"duplicate profile {raw.profile_id}; kept the first"
                )
            )
            continue
        party = _build(raw, st, dataset, name, issues)
        if party is not None:
            parties[party.source_id] = party
    for identity_id, docs in st.docs.items():
        for type_id, number, _ in docs:
            issues.append(
                LoadIssue(
                    name,
                    None,
                    "IdentityID",
                    f"document {st.ref('IDRegDocType', type_id) or type_id} {number} for identity "
                    f"{identity_id}, which no profile has",
                    "orphaned",
                )
            )
    for src, dst in st.relations:
        p = parties.get(src)
        if p is not None and dst in parties and dst not in p.links:
            p.links.append(dst)
    return ParseResult(
        dataset=dataset,
        version=st.version or publication_date(path),
        records=list(parties.values()),
        files=[path],
        issues=issues,
        format=FORMAT,
    )
