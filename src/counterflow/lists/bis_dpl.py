"""BIS Denied Persons List (``dpl.txt``: tab-separated, quoted, header ``Name,
Street_Address, City, State, Country, Postal_Code, Effective_Date, Expiration_Date,
Standard_Order, Last_Update, Action, FR_Citation``) -> ``Party`` records of dataset
``us_bis_denied``. The list has no ids: source_id is a stable hash of the normalised
name and address. It has no person/company flag either: ``records.kinds.settle_kind`` infers it from
strong signals (legal form or business word in the name, a prison address, ``JR.``),
else the record's kind stays ``unknown``."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from counterflow.errors import BadInputError
from counterflow.lists.base import Detected, LoadIssue, ParseResult
from counterflow.lists.tabular import (
    Rows,
    fallback_version,
    head_text,
    header_fields,
    iso_from_mdy,
    read_text,
    require_columns,
)
from counterflow.records.countries import to_iso2
from counterflow.records.kinds import settle_kind
from counterflow.records.model import CountryRef, Party

_SPACES = re.compile(r"\s+")

FORMAT = "bis_dpl"
DATASET = "us_bis_denied"
DOWNLOADS: dict[str, list[str]] = {DATASET: ["https://www.bis.doc.gov/dpl/dpl.txt"]}
PROGRAM = "Denied Persons List"
REQUIRED = ("Name", "Street_Address")
ADDRESS_COLUMNS = ("street_address", "city", "state", "postal_code", "country")


def stable_id(name: str, address_parts: Sequence[str]) -> str:
    """Hash of the normalised name + address: the same entry keeps its id across
    publications (case and spacing do not matter; punctuation does, since the list
    itself keeps ``AL NASER AIRLINES`` and ``AL-NASER AIRLINES`` as separate rows)."""
    text = "|".join(_norm(p) for p in [name, *address_parts])
    return "dpl-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text.upper()).strip()


def detect(path: Path, head: bytes) -> Detected | None:
    first = next((ln for ln in head_text(head).splitlines() if ln.strip()), "")
    if "\t" not in first:
        return None
    cols = {c.lower() for c in header_fields(first, "\t")}
    if {"name", "street_address", "fr_citation"} <= cols or {
        "name",
        "street_address",
        "effective_date",
    } <= cols:
        return Detected(FORMAT, DATASET, "main", f"{DATASET}:{path.name}")
    return None


def parse(paths: Sequence[Path], dataset: str | None = None) -> ParseResult:
    ds = dataset or DATASET
    records: list[Party] = []
    issues: list[LoadIssue] = []
    versions: list[str] = []
    seen: dict[str, int] = {}
    for path in paths:
        versions.append(_parse_file(path, ds, records, issues, seen))
    return ParseResult(ds, max(versions) if versions else "", records, list(paths), issues, FORMAT)


def _parse_file(
    path: Path,
    dataset: str,
    records: list[Party],
    issues: list[LoadIssue],
    seen: dict[str, int],
) -> str:
    text = read_text(path, issues)
    rows = iter(Rows(text, path, delimiter="\t"))
    try:
        header_line, header = next(rows)
    except StopIteration:
        raise BadInputError("empty file", file=str(path)) from None
    idx = require_columns([h.strip() for h in header], REQUIRED, path, header_line)
    last_update = ""
    today = date.today().isoformat()
    for line, row in rows:
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(header):
            issues.append(
                LoadIssue(
                    str(path),
                    line,
                    None,
                    f"row has {len(row)} fields, header has {len(header)}: skipped",
                )
            )
            continue
        rec = {k: _SPACES.sub(" ", row[i]).strip() for k, i in idx.items()}
        name = rec["name"]
        if not name:
            issues.append(LoadIssue(str(path), line, "Name", "row without a name: skipped"))
            continue
        addr = [rec.get(c, "") for c in ADDRESS_COLUMNS]
        sid = stable_id(name, addr)
        if sid in seen:
            issues.append(
                LoadIssue(
                    str(path),
                    line,
                    "Name",
                    f"duplicate of line {seen[sid]} (same name and address): skipped",
                )
            )
            continue
        seen[sid] = line
        party = Party(dataset=dataset, source_id=sid, kind="unknown", name=name)
        address = ", ".join(p for p in addr if p)
        if address:
            party.addresses.append(address)
        country = rec.get("country", "")
        if country:
            code = to_iso2(country)
            if code:
                party.countries.append(CountryRef(code, "address"))
            else:
                issues.append(
                    LoadIssue(str(path), line, "Country", f"unknown country {country!r}", "warning")
                )
        party.programs.append(PROGRAM)
        party.listed_on = iso_from_mdy(rec.get("effective_date", ""))
        for col, key in (
            ("expiration_date", "endDate"),
            ("standard_order", "standardOrder"),
            ("last_update", "modifiedAt"),
            ("action", "action"),
            ("fr_citation", "federalRegisterCitation"),
        ):
            value = rec.get(col, "")
            if value:
                if col == "expiration_date":
                    value = iso_from_mdy(value) or value
                party.properties[key] = [value]
        upd = iso_from_mdy(rec.get("last_update", "")) or ""
        if upd <= today:  # the real list has typos such as 2922-09-01
            last_update = max(last_update, upd)
        settle_kind(party)
        records.append(party)
    return last_update or fallback_version(path)
