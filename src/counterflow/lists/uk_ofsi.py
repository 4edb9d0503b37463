"""UK OFSI consolidated list (``ConList.csv`` / ``ConList.xlsx``, one row per name) ->
``Party`` records of dataset ``gb_hmt_sanctions``: rows are joined by ``Group ID``
(source_id), the primary name row gives the name, the others become aliases."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from counterflow.errors import BadInputError
from counterflow.lists.base import Detected, LoadIssue, ParseResult
from counterflow.lists.tabular import (
    Rows,
    dedupe,
    fallback_version,
    head_text,
    header_fields,
    iso_from_dmy,
    read_text,
    require_columns,
)
from counterflow.records.countries import to_iso2
from counterflow.records.identifiers import make_identifier
from counterflow.records.model import Alias, BirthDate, CountryRole, Kind, Party
from counterflow.records.scripts import script_of
from counterflow.unpack import check_zip

FORMAT = "uk_ofsi"
DATASET = "gb_hmt_sanctions"
DOWNLOADS: dict[str, list[str]] = {
    DATASET: ["https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.csv"],
}
# The same publication as a workbook (same content; either file loads).
XLSX_URL = "https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.xlsx"

REQUIRED = ("Group ID", "Name 6", "Group Type")
_KINDS: dict[str, Kind] = {"individual": "person", "entity": "organization", "ship": "vessel"}
_NUMBERED = re.compile(r"\(\d+\)")
_OTHER_INFO = re.compile(r"\(([^()]{2,60})\):")


def detect(path: Path, head: bytes) -> Detected | None:
    if head[:4] == b"PK\x03\x04":
        if _xlsx_looks_ofsi(path):
            return Detected(FORMAT, DATASET, "main", _group(path))
        return None
    text = head_text(head)
    for line in text.splitlines()[:3]:
        cols = {c.lower() for c in header_fields(line)}
        if {"group id", "name 6", "group type"} <= cols:
            return Detected(FORMAT, DATASET, "main", _group(path))
    return None


def _group(path: Path) -> str:
    stem = path.name
    for suffix in (".gz", ".csv", ".xlsx", ".txt"):
        stem = stem.removesuffix(suffix)
    return f"{DATASET}:{stem}"


def _xlsx_looks_ofsi(path: Path) -> bool:
    """The header words are in the shared strings (Excel) or inline in the first sheet
    (some writers)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            for part in ("xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"):
                if part in names:
                    with zf.open(part) as f:
                        head = f.read(256 * 1024)
                    if b"Group ID" in head and b"Name 6" in head:
                        return True
    except (zipfile.BadZipFile, OSError, KeyError):
        return False
    return False


def parse(paths: Sequence[Path], dataset: str | None = None) -> ParseResult:
    """Parse one publication. A CSV and an XLSX of the same publication may come
    together: the CSV is read (faster), the workbook is noted as the same publication."""
    ds = dataset or DATASET
    if not paths:
        raise BadInputError("no UK OFSI file given")
    issues: list[LoadIssue] = []
    ordered = sorted(paths, key=lambda p: (_is_xlsx(p), str(p)))
    main = ordered[0]
    title_date, header, header_line, rows = _read(main, issues)
    for other in ordered[1:]:
        issues.append(
            LoadIssue(
                str(other),
                None,
                None,
                f"same publication as {main.name}; not parsed twice",
                "warning",
            )
        )
    records, last_updated = _join(main, header, header_line, rows, ds, issues)
    version = title_date or last_updated or fallback_version(main)
    return ParseResult(ds, version, records, list(paths), issues, FORMAT)


def _is_xlsx(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"PK\x03\x04"


Row = tuple[int, list[str]]


def _read(path: Path, issues: list[LoadIssue]) -> tuple[str | None, list[str], int, list[Row]]:
    """(title date, header, header line, data rows) from a CSV or an XLSX."""
    raw: Iterable[Row]
    raw = _xlsx_rows(path) if _is_xlsx(path) else Rows(read_text(path, issues), path)
    title_date: str | None = None
    header: list[str] | None = None
    header_line = 1
    data: list[Row] = []
    for line, row in raw:
        if header is None:
            cells = [c.strip() for c in row]
            if cells and cells[0].lower() == "last updated":
                title_date = iso_from_dmy(cells[1]) if len(cells) > 1 else None
                continue
            if not any(cells):
                continue
            header, header_line = cells, line
            continue
        if any(c.strip() for c in row):
            data.append((line, row))
    if header is None:
        raise BadInputError("no header row", file=str(path), line=1)
    return title_date, header, header_line, data


def _xlsx_rows(path: Path) -> Iterator[Row]:
    import openpyxl  # local: only workbook loads pay for it

    check_zip(path)  # a workbook that would unpack to gigabytes is refused first
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on broken files
        raise BadInputError(f"unreadable workbook: {exc}", file=str(path)) from exc
    try:
        ws = wb[wb.sheetnames[0]]
        for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
            yield i, [_cell(v) for v in values]
    finally:
        wb.close()


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, date):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _join(
    path: Path,
    header: list[str],
    header_line: int,
    rows: list[Row],
    dataset: str,
    issues: list[LoadIssue],
) -> tuple[list[Party], str | None]:
    idx = require_columns(header, REQUIRED, path, header_line)
    width = len(header)
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in rows:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        rec = {name: row[i].strip() for name, i in idx.items()}
        gid = rec.get("group id", "")
        if not gid:
            issues.append(LoadIssue(str(path), line, "Group ID", "row without Group ID: skipped"))
            continue
        groups.setdefault(gid, []).append((line, rec))
    records: list[Party] = []
    last: str | None = None
    for gid, members in groups.items():
        party = _party(path, gid, members, dataset, issues)
        if party is not None:
            records.append(party)
        for _, rec in members:
            upd = iso_from_dmy(rec.get("last updated", ""))
            if upd and (last is None or upd > last):
                last = upd
    return records, last


def _name(rec: dict[str, str]) -> str:
    parts = [rec.get(f"name {i}", "") for i in (1, 2, 3, 4, 5)]
    return " ".join(p for p in [*parts, rec.get("name 6", "")] if p)


def _party(
    path: Path,
    gid: str,
    members: list[tuple[int, dict[str, str]]],
    dataset: str,
    issues: list[LoadIssue],
) -> Party | None:
    first_line = members[0][0]
    types = dedupe([rec.get("group type", "").lower() for _, rec in members])
    kind = _KINDS.get(types[0]) if types else None
    if kind is None:
        issues.append(
            LoadIssue(
                str(path),
                first_line,
                "Group Type",
                f"group {gid}: unknown group type {types[:1]}: skipped",
            )
        )
        return None
    if len(types) > 1:
        issues.append(
            LoadIssue(
                str(path),
                first_line,
                "Group Type",
                f"group {gid}: rows disagree on group type {types}; used {types[0]!r}",
                "warning",
            )
        )
    primary = [
        (line, rec) for line, rec in members if rec.get("alias type", "").lower() == "primary name"
    ]
    if not primary:
        primary = members[:1]
        issues.append(
            LoadIssue(
                str(path),
                first_line,
                "Alias Type",
                f"group {gid}: no 'Primary name' row; first row's name used",
                "warning",
            )
        )
    name = _name(primary[0][1])
    if not name:
        issues.append(LoadIssue(str(path), first_line, "Name 6", f"group {gid}: no name: skipped"))
        return None
    party = Party(dataset=dataset, source_id=gid, kind=kind, name=name)
    names_seen = {name}
    listed: list[str] = []
    for line, rec in members:
        _aliases(party, rec, names_seen)
        _details(path, line, party, rec, issues)
        lo = iso_from_dmy(rec.get("listed on", "")) or iso_from_dmy(
            rec.get("uk sanctions list date designated", "")
        )
        if lo:
            listed.append(lo)
    party.listed_on = min(listed) if listed else None
    for attr in ("addresses", "birth_places", "programs", "titles"):
        setattr(party, attr, dedupe(getattr(party, attr)))
    for key, vals in party.properties.items():
        party.properties[key] = dedupe(vals)
    return party


def _aliases(party: Party, rec: dict[str, str], seen: set[str]) -> None:
    alias_type = rec.get("alias type", "")
    name = _name(rec)
    if name and name not in seen:
        seen.add(name)
        low = alias_type.lower()
        weak = rec.get("alias quality", "").lower().startswith("low")
        kind = {"aka": "a.k.a.", "fka": "f.k.a."}.get(low, alias_type or None)
        party.aliases.append(Alias(name, "weak" if weak else "strong", script_of(name), kind))
    original = rec.get("name non-latin script", "")
    if original and original not in seen:
        seen.add(original)
        party.aliases.append(Alias(original, "strong", script_of(original), "original script"))


def _month_year(text: str) -> str | None:
    """``05/1973`` or ``00/05/1973`` style partial dates."""
    m = re.fullmatch(r"\s*(\d{1,2})/(\d{4})\s*", text)
    if not m:
        return None
    return iso_from_dmy(f"00/{m.group(1)}/{m.group(2)}")


def _split_numbered(text: str) -> list[str]:
    """``(1) 223611 (2) C00146605`` -> ``["223611", "C00146605"]``."""
    if not text:
        return []
    parts = _NUMBERED.split(text) if _NUMBERED.search(text) else [text]
    return [p.strip(" ,;") for p in parts if p.strip(" ,;")]


_COUNTRY_SPLIT = re.compile(r"[,;.()/]|\bnow\b|\bcurrently\b|\bformer\b|\bpreviously\b", re.I)


# Spellings of the OFSI list that the country registry does not know.
_EXTRA_COUNTRIES = {
    "occupied palestinian territories": "ps",
    "bosnia-herzegovina": "ba",
    "repubic of moldova": "md",
}


def _iso2(text: str) -> str | None:
    return _EXTRA_COUNTRIES.get(text.strip().lower()) or to_iso2(text)


@lru_cache(maxsize=8192)
def _resolve_countries(text: str) -> tuple[tuple[str, ...], bool]:
    """Country codes named in a free-text cell; the flag says whether some text named
    no known country (``"Former USSR (now Belarus)"`` -> ``["by"]``, True)."""
    codes: list[str] = []
    unknown = False
    for part in _split_numbered(text):
        part = re.sub(r"^\(?\d+(-\d+)?\)\s*", "", part).strip()
        code = _iso2(part)
        if code:
            codes.append(code)
            continue
        found = [c for c in (_iso2(p.strip()) for p in _COUNTRY_SPLIT.split(part)) if c]
        if found:
            codes.extend(found)
        else:
            unknown = True
    return tuple(dedupe(codes)), unknown


def _country(
    path: Path, line: int, party: Party, text: str, role: CountryRole, issues: list[LoadIssue]
) -> None:
    if not text:
        return
    codes, unknown = _resolve_countries(text)
    if unknown:
        reason = f"group {party.source_id}: no known country in {text!r}"
        if not any(i.reason == reason for i in issues[-20:]):
            issues.append(LoadIssue(str(path), line, role, reason, "warning"))
    for code in codes:
        party.add_country(code, role)


def _ident(party: Party, scheme: str, raw: str, label: str) -> None:
    for number in _split_numbered(raw):
        ident = make_identifier(scheme, number, label=label)
        if ident and not any(
            i.scheme == ident.scheme and i.value == ident.value for i in party.identifiers
        ):
            party.identifiers.append(ident)


def _details(
    path: Path, line: int, party: Party, rec: dict[str, str], issues: list[LoadIssue]
) -> None:
    dob = rec.get("dob", "")
    if dob:
        iso = iso_from_dmy(dob) or _month_year(dob)
        if iso is None:
            issues.append(
                LoadIssue(
                    str(path), line, "DOB", f"group {party.source_id}: bad date {dob!r}", "warning"
                )
            )
        elif not any(b.value == iso for b in party.birth_dates):
            party.birth_dates.append(BirthDate(iso))
    town, cob = rec.get("town of birth", ""), rec.get("country of birth", "")
    place = ", ".join(p for p in (town, cob) if p)
    if place:
        party.birth_places.append(place)
    _country(path, line, party, cob, "birth", issues)
    _country(path, line, party, rec.get("nationality", ""), "nationality", issues)
    _ident(party, "passport", rec.get("passport number", ""), "Passport Number")
    _ident(
        party,
        "national_id",
        rec.get("national identification number", ""),
        "National Identification Number",
    )
    if rec.get("imo number"):
        _ident(party, "imo", rec["imo number"], "IMO number")
    title = rec.get("title", "")
    if title:
        party.titles.append(title)
    position = rec.get("position", "")
    if position:
        party.properties.setdefault("position", []).append(position)
    addr = [rec.get(f"address {i}", "") for i in range(1, 7)]
    addr += [rec.get("post/zip code", ""), rec.get("country", "")]
    text = ", ".join(a for a in addr if a)
    if text:
        party.addresses.append(text)
    _country(path, line, party, rec.get("country", ""), "address", issues)
    regime = rec.get("regime", "")
    if regime:
        party.programs.append(regime)
    other = rec.get("other information", "")
    if other:
        if party.remarks is None:
            party.remarks = other
        elif other in party.remarks:
            return  # the same text on another name row of the group: already read
        else:
            party.remarks += "\n" + other
        _other_info(path, line, party, other, issues)


def _other_info(path: Path, line: int, party: Party, text: str, issues: list[LoadIssue]) -> None:
    """``(IMO number):7408873 (Flag of ship):North Korea (Gender):Male`` -> fields."""
    marks = list(_OTHER_INFO.finditer(text))
    for i, m in enumerate(marks):
        key = m.group(1).strip().lower()
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        value = text[m.end() : end].strip().rstrip(".").strip()
        if not value:
            continue
        if key == "imo number":
            _ident(party, "imo", value, "IMO number")
        elif key == "gender":
            party.gender = value.lower()
        elif key == "flag of ship":
            _country(path, line, party, value, "flag", issues)
        elif key == "uk sanctions list ref":
            party.properties.setdefault("ukSanctionsListRef", []).append(value.split()[0])
        elif key in ("type of ship", "previous flags", "current owners", "year built"):
            party.properties.setdefault(key.replace(" ", "_"), []).append(value)
