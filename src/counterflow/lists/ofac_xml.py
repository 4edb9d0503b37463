"""OFAC ``SDN.XML`` / ``CONSOLIDATED.XML`` (the ``sdnList`` schema).

Elements are matched on local names, so the namespace (which changes between years and
between the old treasury.gov and the Sanctions List Service exports) does not matter.
Each ``sdnEntry`` becomes one ``Party``: names (``lastName, firstName`` as in the legacy
CSV), programmes, ``idList`` (identifiers and the other features OFAC stores there, read
with the remarks grammar of ``ofac_remarks``), ``akaList`` with strong/weak category,
addresses, nationalities, citizenships, dates and places of birth and ``vesselInfo``.
The version is ``publshInformation/Publish_Date``; SDN vs non-SDN comes from the
programmes (file name ``cons`` only where they cannot tell).
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from counterflow.errors import BadInputError
from counterflow.lists.base import Detected, LoadIssue, ParseResult
from counterflow.lists.ofac_csv import (
    CONS,
    SDN,
    dataset_from_programs,
    publication_date,
    resolve_links,
)
from counterflow.lists.ofac_remarks import (
    RemarkFields,
    add_xml_feature,
    country_code,
    parse_dates,
    parse_ofac_date,
    parse_remarks,
)
from counterflow.records.identifiers import make_identifier
from counterflow.records.model import Alias, AliasStrength, CountryRef, Kind, Party
from counterflow.unpack import read_maybe_gzip

FORMAT = "ofac_xml"

_BASE = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
DOWNLOADS: dict[str, list[str]] = {
    SDN: [_BASE + "SDN.XML"],
    CONS: [_BASE + "CONSOLIDATED.XML"],
}

_KINDS: dict[str, Kind] = {
    "individual": "person",
    "entity": "organization",
    "vessel": "vessel",
    "aircraft": "aircraft",
}
_ROOT = re.compile(rb"<(?:[\w.-]+:)?sdnList[\s>/]")
_ENTRY_PROGRAMS = re.compile(rb"<(?:[\w.-]+:)?sdnEntry[\s>](.*?)</(?:[\w.-]+:)?sdnEntry>", re.S)
_PROGRAM = re.compile(rb"<(?:[\w.-]+:)?program>([^<]*)<")
_ENCODING = re.compile(rb"^<\?xml[^>]*encoding=[\"']([\w.-]+)[\"']", re.I)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _strip_bom(head: bytes) -> bytes:
    return head[3:] if head.startswith(b"\xef\xbb\xbf") else head


def _head_programs(head: bytes) -> list[list[str]]:
    out: list[list[str]] = []
    for m in _ENTRY_PROGRAMS.finditer(head):
        progs = [p.decode("utf-8", "replace").strip() for p in _PROGRAM.findall(m.group(1))]
        out.append([p for p in progs if p])
    return out


def detect(path: Path, head: bytes) -> Detected | None:
    """An ``sdnList`` root within the first bytes of the file."""
    head = _strip_bom(head)
    if not _ROOT.search(head[:4096]):
        return None
    dataset = dataset_from_programs(_head_programs(head), path.name)
    return Detected(FORMAT, dataset, "main", f"{dataset}:{path.resolve()}")


def read_xml_bytes(path: Path, issues: list[LoadIssue]) -> bytes:
    name = str(path)
    data = read_maybe_gzip(path)  # gzip by magic, streamed and capped
    if not data.strip():
        raise BadInputError("empty file: no XML", file=name)
    m = _ENCODING.match(_strip_bom(data))
    declared = m.group(1).decode("ascii").lower() if m else "utf-8"
    if declared.replace("_", "-") in ("utf-8", "utf8"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            issues.append(
                LoadIssue(
                    name,
                    line,
                    None,
                    "file is not UTF-8 as declared (first bad byte here); read as cp1252",
                    "warning",
                )
            )
            text = data.decode("cp1252", errors="replace")
            text = re.sub(r"^\ufeff?<\?xml[^>]*\?>", '<?xml version="1.0"?>', text)
            data = text.encode("utf-8")
    return data


def _text(el: ET.Element | None, name: str) -> str:
    if el is None:
        return ""
    for child in el:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _children(el: ET.Element | None, name: str) -> list[ET.Element]:
    if el is None:
        return []
    return [c for c in el if _local(c.tag) == name]


def _items(entry: ET.Element, list_name: str, item_name: str) -> list[ET.Element]:
    out: list[ET.Element] = []
    for lst in _children(entry, list_name):
        out.extend(_children(lst, item_name))
    return out


def _full_name(el: ET.Element) -> str:
    last, first = _text(el, "lastName"), _text(el, "firstName")
    if last and first:
        return f"{last}, {first}"
    return last or first


def _entry(el: ET.Element, dataset: str, file: str, issues: list[LoadIssue]) -> Party | None:
    """One ``sdnEntry`` as a Party, or None (with an issue) when it has no uid, kind or name."""
    party = _new_party(el, dataset, file, issues)
    if party is None:
        return None
    uid = party.source_id
    fields = RemarkFields()
    for item in _items(el, "idList", "id"):
        id_type, number = _text(item, "idType"), _text(item, "idNumber")
        if id_type and number:
            add_xml_feature(fields, id_type, number, _text(item, "idCountry") or None)
    remarks = _text(el, "remarks")
    if remarks:
        party.remarks = remarks
        parse_remarks(remarks, into=fields)
    _add_akas(el, party.name, fields)
    _add_birth(el, uid, fields, file, issues)
    for item in _items(el, "nationalityList", "nationality"):
        fields.add_country(_text(item, "country"), "nationality")
    for item in _items(el, "citizenshipList", "citizenship"):
        fields.add_country(_text(item, "country"), "citizenship")
    _add_addresses(el, party, fields)
    vessel = next(iter(_children(el, "vesselInfo")), None)
    if vessel is not None:
        _add_vessel(vessel, fields)
    _apply(party, fields)
    for w in fields.warnings:
        issues.append(LoadIssue(file, None, "remarks", f"uid {uid}: {w}", "warning"))
    return party


def _new_party(el: ET.Element, dataset: str, file: str, issues: list[LoadIssue]) -> Party | None:
    """uid, kind, name, programmes and title; None (with an issue) when one is missing."""
    uid = _text(el, "uid")
    if not uid:
        issues.append(LoadIssue(file, None, "uid", "sdnEntry without uid"))
        return None
    sdn_type = _text(el, "sdnType").lower()
    kind = _KINDS.get(sdn_type)
    if kind is None:
        issues.append(LoadIssue(file, None, "sdnType", f"uid {uid}: unknown sdnType {sdn_type!r}"))
        return None
    name = _full_name(el)
    if not name:
        issues.append(LoadIssue(file, None, "lastName", f"uid {uid}: entry without a name"))
        return None
    party = Party(dataset=dataset, source_id=uid, kind=kind, name=name)
    for prog in _items(el, "programList", "program"):
        p = (prog.text or "").strip()
        if p and p not in party.programs:
            party.programs.append(p)
    title = _text(el, "title")
    if title:
        party.titles.append(title)
    return party


def _add_akas(el: ET.Element, name: str, fields: RemarkFields) -> None:
    for aka in _items(el, "akaList", "aka"):
        aka_name = _full_name(aka)
        if not aka_name or aka_name == name:
            continue
        category = _text(aka, "category").lower()
        strength: AliasStrength = "weak" if category == "weak" else "strong"
        if not any(a.name == aka_name for a in fields.aliases):
            fields.aliases.append(
                Alias(aka_name, strength=strength, kind=_text(aka, "type") or None)
            )


def _add_birth(
    el: ET.Element, uid: str, fields: RemarkFields, file: str, issues: list[LoadIssue]
) -> None:
    """Birth dates (an unparseable one is a warning) and places (with their country)."""
    for item in _items(el, "dateOfBirthList", "dateOfBirthItem"):
        raw = _text(item, "dateOfBirth")
        if raw:
            dates = parse_dates(raw)
            if not dates:
                issues.append(
                    LoadIssue(
                        file, None, "dateOfBirth", f"uid {uid}: unparseable {raw!r}", "warning"
                    )
                )
            for d in dates:
                if not any(b.value == d.value for b in fields.birth_dates):
                    fields.birth_dates.append(d)
    for item in _items(el, "placeOfBirthList", "placeOfBirthItem"):
        place = _text(item, "placeOfBirth")
        if place:
            fields.birth_places.append(place)
            fields.add_country(place, "birth")


_ADDRESS_PARTS = (
    "address1",
    "address2",
    "address3",
    "city",
    "stateOrProvince",
    "postalCode",
    "country",
)


def _add_addresses(el: ET.Element, party: Party, fields: RemarkFields) -> None:
    for item in _items(el, "addressList", "address"):
        text = ", ".join(p for p in (_text(item, n) for n in _ADDRESS_PARTS) if p)
        if text and text not in party.addresses:
            party.addresses.append(text)
        fields.add_country(_text(item, "country"), "address")


def _add_vessel(vessel: ET.Element, fields: RemarkFields) -> None:
    """Call sign, flag (first country, role ``flag``), type, owner and tonnage."""
    call_sign = _text(vessel, "callSign")
    ident = make_identifier("call_sign", call_sign, label="Call Sign") if call_sign else None
    fields.add_identifier(ident)
    flag = _text(vessel, "vesselFlag")
    if flag:
        code = country_code(flag)
        if code:
            fields.countries.insert(0, CountryRef(code=code, role="flag"))
    for key, tag in (
        ("type", "vesselType"),
        ("owner", "vesselOwner"),
        ("tonnage", "tonnage"),
        ("grossRegisteredTonnage", "grossRegisteredTonnage"),
    ):
        value = _text(vessel, tag)
        if value:
            fields.add_property(key, value)


def _apply(party: Party, fields: RemarkFields) -> None:
    """What the entry's lists and remarks gave, onto the party."""
    party.aliases = fields.aliases
    party.birth_dates = fields.birth_dates
    party.birth_places = fields.birth_places
    party.countries = fields.countries
    party.identifiers = fields.identifiers
    if party.kind == "person":
        party.gender = fields.gender
    party.properties.update(fields.properties)
    if fields.linked_to:
        party.properties["linkedTo"] = list(fields.linked_to)


def parse(paths: Sequence[Path], dataset: str | None = None) -> ParseResult:
    """Parse one ``sdnList`` XML file (SDN.XML or CONSOLIDATED.XML)."""
    if len(paths) != 1:
        raise BadInputError(
            "one sdnList XML file per publication",
            file=", ".join(str(p) for p in paths) or None,
        )
    path = Path(paths[0])
    name = str(path)
    issues: list[LoadIssue] = []
    data = read_xml_bytes(path, issues)
    try:
        root = ET.parse(io.BytesIO(data)).getroot()
    except ET.ParseError as exc:
        line, col = exc.position
        raise BadInputError(f"broken XML: {exc.msg} (column {col})", file=name, line=line) from exc
    except (LookupError, ValueError) as exc:  # an unknown or unsupported declared encoding
        raise BadInputError(f"unreadable XML: {exc}", file=name, line=1) from exc
    if _local(root.tag) != "sdnList":
        raise BadInputError(
            f"not an OFAC sdnList XML (root element {_local(root.tag)!r})", file=name, line=1
        )
    entries = _children(root, "sdnEntry")
    if dataset is None:
        progs = [
            [(p.text or "").strip() for p in _items(e, "programList", "program")] for e in entries
        ]
        dataset = dataset_from_programs(progs, path.name)

    publ = next(iter(_children(root, "publshInformation")), None)
    version = parse_ofac_date(_text(publ, "Publish_Date")) or publication_date(path)
    declared = _text(publ, "Record_Count")

    parties: dict[str, Party] = {}
    for el in entries:
        party = _entry(el, dataset, name, issues)
        if party is None:
            continue
        if party.source_id in parties:
            issues.append(
                LoadIssue(
                    name,
                    None,
                    "uid",
                    f"duplicate uid {party.source_id}; kept the first",
                )
            )
            continue
        parties[party.source_id] = party
    if declared.isdigit() and int(declared) != len(entries):
        issues.append(
            LoadIssue(
                name,
                None,
                "Record_Count",
                f"header says {declared} records, file has {len(entries)} sdnEntry elements",
                "warning",
            )
        )
    records = list(parties.values())
    resolve_links(records)
    return ParseResult(
        dataset=dataset,
        version=version,
        records=records,
        files=[path],
        issues=issues,
        format=FORMAT,
    )
