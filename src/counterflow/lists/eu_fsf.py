"""EU Financial Sanctions Files: the official consolidated XML (``export`` root,
namespace ``http://eu.europa.ec/fpi/fsd/export``, one ``sanctionEntity`` per listing)
-> ``Party`` records of dataset ``eu_fsf`` (source_id = the entity's ``logicalId``).

Elements are matched by local name, so namespace revisions do not matter."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from counterflow.errors import BadInputError
from counterflow.lists.base import Detected, LoadIssue, ParseResult
from counterflow.lists.tabular import dedupe, fallback_version, read_xml
from counterflow.records.countries import to_iso2
from counterflow.records.identifiers import make_identifier, scheme_for_label
from counterflow.records.kinds import settle_kind
from counterflow.records.model import Alias, BirthDate, CountryRole, Kind, Party
from counterflow.records.scripts import script_of

FORMAT = "eu_fsf"
DATASET = "eu_fsf"
DOWNLOADS: dict[str, list[str]] = {
    DATASET: [
        "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content"
        "?token=dG9rZW4tMjAxNw"
    ],
}

# subjectType classificationCode / code -> kind
_KINDS: dict[str, Kind] = {
    "p": "person",
    "person": "person",
    "e": "organization",
    "enterprise": "organization",
    "entity": "organization",
    "v": "vessel",
    "vessel": "vessel",
    "a": "aircraft",
    "aircraft": "aircraft",
}
# identificationTypeCode -> scheme (others go through the label mapping)
ID_CODES = {
    "passport": "passport",
    "id": "national_id",
    "nationcert": "national_id",
    "electionid": "national_id",
    "ssn": "ssn",
    "unssn": "ssn",
    "fiscalcode": "tax_id",
    "taxid": "tax_id",
    "tax": "tax_id",
    "euvat": "tax_id",
    "regnumber": "registration",
    "tradelic": "registration",
    "imo": "imo",
    "swiftbic": "swift",
    "lei": "lei",
}
_WS = re.compile(r"\s+")
_NAMED_SCHEME = re.compile(r"\b(OGRN|INN|IMO|KPP|OKPO|LEI|MMSI)\b")


def detect(path: Path, head: bytes) -> Detected | None:
    if b"<sanctionEntity" in head or (b"fsd/export" in head and b"<export" in head):
        return Detected(FORMAT, DATASET, "main", f"{DATASET}:{path.name}")
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _attr(el: ET.Element, name: str) -> str:
    return _WS.sub(" ", el.get(name, "")).strip()


def _text(el: ET.Element) -> str:
    return _WS.sub(" ", el.text or "").strip()


def parse(paths: Sequence[Path], dataset: str | None = None) -> ParseResult:
    ds = dataset or DATASET
    records: list[Party] = []
    issues: list[LoadIssue] = []
    versions: list[str] = []
    for path in paths:
        versions.append(_parse_file(path, ds, records, issues))
    return ParseResult(ds, max(versions) if versions else "", records, list(paths), issues, FORMAT)


def _id_lines(data: bytes) -> dict[str, list[int]]:
    """logicalId of each sanctionEntity -> the lines it starts on, in file order
    (ElementTree keeps no lines)."""
    out: dict[str, list[int]] = {}
    pos, line = 0, 1
    for m in re.finditer(rb"<(?:\w+:)?sanctionEntity\b[^>]*?\blogicalId=\"([^\"]*)\"", data):
        line += data.count(b"\n", pos, m.start())
        pos = m.start()
        out.setdefault(m.group(1).decode("utf-8", "replace"), []).append(line)
    return out


def _parse_file(path: Path, dataset: str, records: list[Party], issues: list[LoadIssue]) -> str:
    data, root = read_xml(path)
    if _local(root.tag) != "export":
        raise BadInputError(
            f"not an EU FSF export (root element {_local(root.tag)!r})", file=str(path), line=1
        )
    generated = root.get("generationDate", "")
    if not generated:
        gen = _children(root, "exportGenerationDate")
        generated = _text(gen[0]) if gen else ""
    version = generated[:10] if generated else fallback_version(path)
    lines = _id_lines(data)
    seen: set[str] = set()
    for el in _children(root, "sanctionEntity"):
        lid = _attr(el, "logicalId")
        found = lines.get(lid)
        line = found.pop(0) if found else None
        if not lid:
            issues.append(
                LoadIssue(
                    str(path),
                    None,
                    "logicalId",
                    f"sanctionEntity {_attr(el, 'euReferenceNumber')!r} has no logicalId: skipped",
                )
            )
            continue
        if lid in seen:
            issues.append(LoadIssue(str(path), line, "logicalId", f"duplicate id {lid}: skipped"))
            continue
        party = _party(el, dataset, lid, path, line, issues)
        if party is not None:
            seen.add(lid)
            records.append(party)
    return version


def _party(
    el: ET.Element,
    dataset: str,
    lid: str,
    path: Path,
    line: int | None,
    issues: list[LoadIssue],
) -> Party | None:
    kind: Kind = "unknown"
    subject = _children(el, "subjectType")
    if subject:
        code = _attr(subject[0], "classificationCode") or _attr(subject[0], "code")
        found = _KINDS.get(code.lower())
        if found is None:
            issues.append(
                LoadIssue(
                    str(path),
                    line,
                    "subjectType",
                    f"{lid}: unknown subject type {code!r}; kind unknown unless inferred",
                    "warning",
                )
            )
        else:
            kind = found
    names: list[tuple[str, bool, str]] = []  # name, strong, language
    gender = None
    titles: list[str] = []
    functions: list[str] = []
    for na in _children(el, "nameAlias"):
        whole = _attr(na, "wholeName")
        if not whole:
            parts = [_attr(na, k) for k in ("firstName", "middleName", "lastName")]
            whole = " ".join(p for p in parts if p)
        if not whole:
            continue
        strong = _attr(na, "strong").lower() != "false"
        names.append((whole, strong, _attr(na, "nameLanguage")))
        g = _attr(na, "gender").upper()
        if g in ("M", "F"):
            gender = "male" if g == "M" else "female"
        if _attr(na, "title"):
            titles.append(_attr(na, "title"))
        if _attr(na, "function"):
            functions.append(_attr(na, "function"))
    if not names:
        issues.append(LoadIssue(str(path), line, "nameAlias", f"{lid}: no name: skipped"))
        return None
    # Primary name: the first strong Latin-script name of the listing.
    primary = next(
        (n for n in names if n[1] and script_of(n[0]) is None),
        next((n for n in names if n[1]), names[0]),
    )
    party = Party(dataset=dataset, source_id=lid, kind=kind, name=primary[0])
    seen = {primary[0]}
    for name, strong, lang in names:
        if name in seen:
            continue
        seen.add(name)
        script = script_of(name)
        party.aliases.append(
            Alias(
                name,
                "strong" if strong else "weak",
                script,
                f"language {lang}" if lang else None,
            )
        )
    party.gender = gender
    party.titles = dedupe(titles)
    if functions:
        party.properties["position"] = dedupe(functions)
    ref = _attr(el, "euReferenceNumber")
    if ref:
        party.properties["euReferenceNumber"] = [ref]
    un_id = _attr(el, "unitedNationId")
    if un_id:
        party.properties["unitedNationId"] = [un_id]
    remarks = [_text(r) for r in _children(el, "remark") if _text(r)]
    party.remarks = "\n".join(remarks) or None
    _regulations(el, party)
    _birthdates(el, party, path, line, issues)
    for cit in _children(el, "citizenship"):
        _country(party, cit, "citizenship", path, line, issues)
    _addresses(el, party, path, line, issues)
    _identifications(el, party, path, line, issues)
    party.birth_places = dedupe(party.birth_places)
    party.addresses = dedupe(party.addresses)
    settle_kind(party)
    return party


def _regulations(el: ET.Element, party: Party) -> None:
    dates: list[str] = []
    for reg in _children(el, "regulation"):
        programme = _attr(reg, "programme")
        if programme and programme not in party.programs:
            party.programs.append(programme)
        number = _attr(reg, "numberTitle")
        if number:
            party.properties.setdefault("regulation", [])
            if number not in party.properties["regulation"]:
                party.properties["regulation"].append(number)
        pub = _attr(reg, "publicationDate") or _attr(reg, "entryIntoForceDate")
        if pub:
            dates.append(pub[:10])
    designated = _attr(el, "designationDate")
    party.listed_on = designated[:10] if designated else (min(dates) if dates else None)


def _country(
    party: Party,
    el: ET.Element,
    role: CountryRole,
    path: Path,
    line: int | None,
    issues: list[LoadIssue],
) -> None:
    iso = _attr(el, "countryIso2Code")
    desc = _attr(el, "countryDescription")
    if (not iso or iso == "00") and (not desc or desc.upper() == "UNKNOWN"):
        return
    code = to_iso2(iso) if iso and iso != "00" else None
    code = code or to_iso2(desc)
    if code is None:
        issues.append(
            LoadIssue(
                str(path),
                line,
                role,
                f"{party.source_id}: unknown country {iso or desc!r}",
                "warning",
            )
        )
        return
    party.add_country(code, role)


def _birthdates(
    el: ET.Element, party: Party, path: Path, line: int | None, issues: list[LoadIssue]
) -> None:
    for bd in _children(el, "birthdate"):
        circa = _attr(bd, "circa").lower() == "true"
        value = _attr(bd, "birthdate")
        if not value:
            y, mo, d = _attr(bd, "year"), _attr(bd, "monthOfYear"), _attr(bd, "dayOfMonth")
            if y.isdigit():
                value = y
                if mo.isdigit() and 1 <= int(mo) <= 12:
                    value += f"-{int(mo):02d}"
                    if d.isdigit() and 1 <= int(d) <= 31:
                        value += f"-{int(d):02d}"
        if value:
            value = value[:10]
            if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
                if not any(b.value == value for b in party.birth_dates):
                    party.birth_dates.append(BirthDate(value, circa))
            else:
                issues.append(
                    LoadIssue(
                        str(path),
                        line,
                        "birthdate",
                        f"{party.source_id}: unparseable date {value!r}",
                        "warning",
                    )
                )
        place = ", ".join(
            p
            for p in (
                _attr(bd, "place"),
                _attr(bd, "city"),
                _attr(bd, "region"),
                _country_name(bd),
            )
            if p
        )
        if place:
            party.birth_places.append(place)
        _country(party, bd, "birth", path, line, issues)


def _country_name(el: ET.Element) -> str:
    desc = _attr(el, "countryDescription")
    return "" if desc.upper() == "UNKNOWN" else desc


def _addresses(
    el: ET.Element, party: Party, path: Path, line: int | None, issues: list[LoadIssue]
) -> None:
    for adr in _children(el, "address"):
        parts = [_attr(adr, k) for k in ("street", "poBox", "city", "zipCode", "region", "place")]
        parts.append(_country_name(adr))
        text = ", ".join(p for p in parts if p)
        if text:
            party.addresses.append(text)
        _country(party, adr, "address", path, line, issues)


def _identifications(
    el: ET.Element, party: Party, path: Path, line: int | None, issues: list[LoadIssue]
) -> None:
    for ident_el in _children(el, "identification"):
        number = _attr(ident_el, "number") or _attr(ident_el, "latinNumber")
        if not number:
            continue
        code = _attr(ident_el, "identificationTypeCode")
        label = _attr(ident_el, "identificationTypeDescription") or code
        scheme = ID_CODES.get(code.lower()) or (scheme_for_label(label) if label else "other")
        named = _NAMED_SCHEME.search(label)
        if named:  # "Registration Number (OGRN)", "Tax identification number (INN)"
            scheme = named.group(1).lower()
        iso = _attr(ident_el, "countryIso2Code")
        country = to_iso2(iso) if iso and iso != "00" else None
        ident = make_identifier(scheme, number, country=country, label=label or None)
        if ident is None:
            issues.append(
                LoadIssue(
                    str(path),
                    line,
                    "identification",
                    f"{party.source_id}: unusable number {number!r}",
                    "warning",
                )
            )
            continue
        if not any(i.scheme == ident.scheme and i.value == ident.value for i in party.identifiers):
            party.identifiers.append(ident)
