"""UN Security Council consolidated list (``consolidated.xml``, CONSOLIDATED_LIST schema)
-> ``Party`` records of dataset ``un_sc_sanctions`` (source_id = REFERENCE_NUMBER)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from counterflow.errors import BadInputError
from counterflow.lists.base import Detected, LoadIssue, ParseResult
from counterflow.lists.tabular import clean, dedupe, fallback_version, read_xml
from counterflow.records.countries import to_iso2
from counterflow.records.identifiers import make_identifier, scheme_for_label
from counterflow.records.model import Alias, BirthDate, CountryRole, Kind, Party
from counterflow.records.scripts import script_of

FORMAT = "un_xml"
DATASET = "un_sc_sanctions"
DOWNLOADS: dict[str, list[str]] = {
    DATASET: ["https://scsanctions.un.org/resources/xml/en/consolidated.xml"],
}

_WS = re.compile(r"\s+")
_QUALITY = {"good": "strong", "low": "weak", "a.k.a.": "strong", "f.k.a.": "strong"}


def detect(path: Path, head: bytes) -> Detected | None:
    if b"<CONSOLIDATED_LIST" in head and (b"<INDIVIDUALS" in head or b"<ENTITIES" in head):
        return Detected(FORMAT, DATASET, "main", f"{DATASET}:{path.name}")
    return None


def _text(el: ET.Element | None) -> str:
    if el is None or el.text is None:
        return ""
    return _WS.sub(" ", el.text).strip()


def _child(el: ET.Element, tag: str) -> str:
    return _text(el.find(tag))


def _values(el: ET.Element, tag: str) -> list[str]:
    return [v for v in (_text(x) for x in el.findall(f"{tag}/VALUE")) if v]


def _place(el: ET.Element, parts: Sequence[str]) -> str:
    return ", ".join(p for p in (_child(el, t) for t in parts) if p)


def parse(paths: Sequence[Path], dataset: str | None = None) -> ParseResult:
    records: list[Party] = []
    issues: list[LoadIssue] = []
    versions: list[str] = []
    for path in paths:
        version = _parse_file(path, dataset or DATASET, records, issues)
        versions.append(version)
    return ParseResult(
        dataset=dataset or DATASET,
        version=max(versions) if versions else "",
        records=records,
        files=list(paths),
        issues=issues,
        format=FORMAT,
    )


def _parse_file(path: Path, dataset: str, records: list[Party], issues: list[LoadIssue]) -> str:
    data, root = read_xml(path)
    if root.tag != "CONSOLIDATED_LIST":
        raise BadInputError(
            f"not a UN consolidated list (root element {root.tag!r})", file=str(path), line=1
        )
    generated = root.get("dateGenerated", "")
    version = generated[:10] if generated else fallback_version(path)
    lines = _reference_lines(data)
    seen: set[str] = set()
    for group, tag, kind in (
        ("INDIVIDUALS", "INDIVIDUAL", "person"),
        ("ENTITIES", "ENTITY", "organization"),
    ):
        for el in root.iterfind(f"{group}/{tag}"):
            ref = _child(el, "REFERENCE_NUMBER")
            found = lines.get(ref)
            line = found.pop(0) if found else None
            if not ref:
                issues.append(
                    LoadIssue(
                        str(path),
                        None,
                        "REFERENCE_NUMBER",
                        f"{tag} DATAID {_child(el, 'DATAID')} has no reference number",
                    )
                )
                continue
            if ref in seen:
                issues.append(
                    LoadIssue(str(path), line, "REFERENCE_NUMBER", f"duplicate id {ref}: skipped")
                )
                continue
            party = _party(el, dataset, ref, kind, path, line, issues)  # type: ignore[arg-type]
            if party is None:
                continue
            seen.add(ref)
            records.append(party)
    return version


def _reference_lines(data: bytes) -> dict[str, list[int]]:
    """REFERENCE_NUMBER -> the lines it occurs on, in file order (ElementTree keeps no
    line numbers)."""
    out: dict[str, list[int]] = {}
    pos, line = 0, 1
    for m in re.finditer(rb"<REFERENCE_NUMBER>\s*([^<]*?)\s*</REFERENCE_NUMBER>", data):
        line += data.count(b"\n", pos, m.start())
        pos = m.start()
        out.setdefault(m.group(1).decode("utf-8", "replace"), []).append(line)
    return out


def _party(
    el: ET.Element,
    dataset: str,
    ref: str,
    kind: Kind,
    path: Path,
    line: int | None,
    issues: list[LoadIssue],
) -> Party | None:
    name = " ".join(
        p
        for p in (
            _child(el, "FIRST_NAME"),
            _child(el, "SECOND_NAME"),
            _child(el, "THIRD_NAME"),
            _child(el, "FOURTH_NAME"),
        )
        if p
    )
    if not name:
        issues.append(LoadIssue(str(path), line, "FIRST_NAME", f"{ref} has no name: skipped"))
        return None
    party = Party(dataset=dataset, source_id=ref, kind=kind, name=name)
    original = _child(el, "NAME_ORIGINAL_SCRIPT")
    if original and original != name:
        party.aliases.append(Alias(original, "strong", script_of(original), "original script"))
    for al in el.iterfind(f"{tag_prefix(kind)}_ALIAS"):
        alias = _child(al, "ALIAS_NAME")
        if not alias or alias == name or any(a.name == alias for a in party.aliases):
            continue
        quality = _child(al, "QUALITY")
        strength = _QUALITY.get(quality.lower(), "strong")
        party.aliases.append(
            Alias(alias, strength, script_of(alias), quality or None)  # type: ignore[arg-type]
        )
    _dates(el, party, path, line, issues)
    for pob in el.iterfind("INDIVIDUAL_PLACE_OF_BIRTH"):
        place = _place(pob, ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY"))
        if place:
            party.birth_places.append(place)
        _country(party, _child(pob, "COUNTRY"), "birth", path, line, issues)
    for nat in _values(el, "NATIONALITY"):
        _country(party, nat, "nationality", path, line, issues)
    for adr in el.iterfind(f"{tag_prefix(kind)}_ADDRESS"):
        text = _place(adr, ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY"))
        note = _child(adr, "NOTE")
        if text:
            party.addresses.append(f"{text} ({note})" if note else text)
        _country(party, _child(adr, "COUNTRY"), "address", path, line, issues)
    _documents(el, party, path, line, issues)
    party.titles = dedupe(_values(el, "TITLE"))
    designation = _values(el, "DESIGNATION")
    if designation:
        party.properties["position"] = dedupe(designation)
    program = _child(el, "UN_LIST_TYPE")
    if program:
        party.programs.append(program)
    listed = _child(el, "LISTED_ON")
    party.listed_on = listed[:10] or None
    gender = _child(el, "GENDER").lower()
    party.gender = gender or None
    party.remarks = _child(el, "COMMENTS1") or None
    party.birth_places = dedupe(party.birth_places)
    party.addresses = dedupe(party.addresses)
    return party


def tag_prefix(kind: Kind) -> str:
    return "INDIVIDUAL" if kind == "person" else "ENTITY"


def _country(
    party: Party,
    text: str,
    role: CountryRole,
    path: Path,
    line: int | None,
    issues: list[LoadIssue],
) -> None:
    if not text:
        return
    code = to_iso2(text)
    if not code:
        issues.append(
            LoadIssue(
                str(path), line, role, f"{party.source_id}: unknown country {text!r}", "warning"
            )
        )
        return
    party.add_country(code, role)


def _dates(
    el: ET.Element, party: Party, path: Path, line: int | None, issues: list[LoadIssue]
) -> None:
    for dob in el.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        kind = _child(dob, "TYPE_OF_DATE").upper()
        circa = kind == "APPROXIMATELY"
        values: list[str] = []
        date = _child(dob, "DATE")
        year = _child(dob, "YEAR")
        if date:
            values.append(date[:10])
        elif year:
            values.append(year[:4])
        elif kind == "BETWEEN" or (_child(dob, "FROM_YEAR") and _child(dob, "TO_YEAR")):
            lo, hi = _child(dob, "FROM_YEAR"), _child(dob, "TO_YEAR")
            if lo.isdigit() and hi.isdigit() and 0 <= int(hi) - int(lo) <= 30:
                values.extend(str(y) for y in range(int(lo), int(hi) + 1))
                circa = True
            elif lo or hi:
                issues.append(
                    LoadIssue(
                        str(path),
                        line,
                        "INDIVIDUAL_DATE_OF_BIRTH",
                        f"{party.source_id}: unusable date range {lo!r}-{hi!r}",
                        "warning",
                    )
                )
        for v in values:
            if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", v):
                issues.append(
                    LoadIssue(
                        str(path),
                        line,
                        "INDIVIDUAL_DATE_OF_BIRTH",
                        f"{party.source_id}: unparseable date {v!r}",
                        "warning",
                    )
                )
                continue
            if not any(b.value == v for b in party.birth_dates):
                party.birth_dates.append(BirthDate(v, circa))


def _documents(
    el: ET.Element, party: Party, path: Path, line: int | None, issues: list[LoadIssue]
) -> None:
    notes: list[str] = []
    for doc in el.iterfind("INDIVIDUAL_DOCUMENT"):
        label = _child(doc, "TYPE_OF_DOCUMENT") or _child(doc, "TYPE_OF_DOCUMENT2")
        number = _child(doc, "NUMBER")
        note = _child(doc, "NOTE")
        if not number:
            if label or note:
                notes.append(" ".join(p for p in (label, note) if p))
            continue
        country = to_iso2(_child(doc, "ISSUING_COUNTRY") or _child(doc, "COUNTRY_OF_ISSUE"))
        ident = make_identifier(
            scheme_for_label(label) if label else "other",
            number,
            country=country,
            label=label or None,
        )
        if ident is None:
            issues.append(
                LoadIssue(
                    str(path),
                    line,
                    "INDIVIDUAL_DOCUMENT",
                    f"{party.source_id}: unusable document number {number!r}",
                    "warning",
                )
            )
            continue
        party.identifiers.append(ident)
        if note:
            notes.append(f"{label or 'document'} {number}: {note}")
    if notes:
        party.properties["documentNotes"] = [clean(n) for n in notes]
