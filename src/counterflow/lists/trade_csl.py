"""trade.gov Consolidated Screening List (``consolidated.csv``: ``_id, source,
entity_number, type, programs, name, ..., alt_names, ..., ids``) -> ``Party`` records of
dataset ``us_trade_csl`` (source_id = ``_id``, else the entity number). The ``source``
column names the sub-list (Entity List, MEU, Denied Persons, SDN...) and is kept as the
first programme; an ``_id`` found on two sub-lists becomes one party listed by both
(a counted warning). Broken rows (a truncated tail, a repeated header) are reported with
file and line; the good rows load."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from counterflow.errors import BadInputError
from counterflow.lists.base import Detected, LoadIssue, ParseResult
from counterflow.lists.tabular import (
    Rows,
    dedupe,
    fallback_version,
    head_text,
    header_fields,
    parse_human_date,
    read_text,
    require_columns,
)
from counterflow.records.countries import to_iso2
from counterflow.records.identifiers import make_identifier, scheme_for_label
from counterflow.records.kinds import settle_kind
from counterflow.records.model import Alias, BirthDate, CountryRole, Kind, Party
from counterflow.records.scripts import script_of

FORMAT = "trade_csl"
DATASET = "us_trade_csl"
DOWNLOADS: dict[str, list[str]] = {
    DATASET: [
        "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv"
    ],
}
REQUIRED = ("_id", "source", "name")
_KINDS: dict[str, Kind] = {
    "individual": "person",
    "entity": "organization",
    "vessel": "vessel",
    "aircraft": "aircraft",
}
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
# `ids` entries that are facts about the party, not identifiers.
_FACTS = {
    "gender": "gender",
    "website": "website",
    "email address": "email",
    "phone number": "phone",
    "target type": "targetType",
    "organization established date": "incorporationDate",
    "organization type": "organizationType",
    "nationality of registration": "registrationCountry",
    "vessel flag": "flag",
    "vessel type": "vesselType",
    "vessel year of build": "buildDate",
}


def detect(path: Path, head: bytes) -> Detected | None:
    first = next((ln for ln in head_text(head).splitlines() if ln.strip()), "")
    cols = [c.lower() for c in header_fields(first)]
    if cols[:1] == ["_id"] and {"source", "entity_number", "name", "alt_names"} <= set(cols):
        return Detected(FORMAT, DATASET, "main", f"{DATASET}:{path.name}")
    return None


def parse(paths: Sequence[Path], dataset: str | None = None) -> ParseResult:
    ds = dataset or DATASET
    records: list[Party] = []
    issues: list[LoadIssue] = []
    versions: list[str] = []
    seen: dict[str, tuple[int, Party]] = {}
    for path in paths:
        versions.append(_parse_file(path, ds, records, issues, seen))
    return ParseResult(ds, max(versions) if versions else "", records, list(paths), issues, FORMAT)


def _split(value: str) -> list[str]:
    return dedupe([v.strip() for v in value.split(";") if v.strip()])


def _parse_file(
    path: Path,
    dataset: str,
    records: list[Party],
    issues: list[LoadIssue],
    seen: dict[str, tuple[int, Party]],
) -> str:
    text = read_text(path, issues)
    rows = iter(Rows(text, path))
    try:
        header_line, header = next(rows)
    except StopIteration:
        raise BadInputError("empty file", file=str(path)) from None
    header = [h.strip() for h in header]
    idx = require_columns(header, REQUIRED, path, header_line)
    width = len(header)
    pending = next(rows, None)
    while pending is not None:
        line, row = pending
        pending = next(rows, None)
        if not any(c.strip() for c in row):
            continue
        if [c.strip() for c in row] == header:
            issues.append(LoadIssue(str(path), line, None, "repeated header row", "warning"))
            continue
        if len(row) != width:
            last = pending is None
            issues.append(
                LoadIssue(
                    str(path),
                    line,
                    None,
                    f"row has {len(row)} of {width} fields"
                    + (" (file ends mid-record: truncated)" if last else "")
                    + ": skipped",
                )
            )
            continue
        rec = {k: row[i].strip() for k, i in idx.items()}
        party = _party(path, line, rec, dataset, issues)
        if party is None:
            continue
        if party.source_id in seen:
            first_line, first = seen[party.source_id]
            _merge(first, party)
            issues.append(
                LoadIssue(
                    str(path),
                    line,
                    "_id",
                    f"duplicate id {party.source_id} (also on {party.programs[0]!r}): "
                    f"merged into the record of line {first_line}",
                    "warning",
                )
            )
            continue
        seen[party.source_id] = (line, party)
        records.append(party)
    return fallback_version(path)


def _party(
    path: Path, line: int, rec: dict[str, str], dataset: str, issues: list[LoadIssue]
) -> Party | None:
    sid = rec.get("_id") or rec.get("entity_number", "")
    name = rec.get("name", "")
    if not sid:
        issues.append(LoadIssue(str(path), line, "_id", "row without _id: skipped"))
        return None
    if not name:
        issues.append(LoadIssue(str(path), line, "name", f"{sid}: no name: skipped"))
        return None
    raw_type = rec.get("type", "").lower()
    kind: Kind = _KINDS.get(raw_type) or "unknown"
    party = Party(dataset=dataset, source_id=sid, kind=kind, name=name)
    for alias in _split(rec.get("alt_names", "")):
        if alias != name and not any(a.name == alias for a in party.aliases):
            party.aliases.append(Alias(alias, "strong", script_of(alias)))
    source = rec.get("source", "")
    party.programs = dedupe([source, *_split(rec.get("programs", ""))])
    party.addresses = _split(rec.get("addresses", ""))
    for addr in party.addresses:
        tail = addr.rsplit(",", 1)[-1].strip()
        if len(tail) == 2 and tail.isalpha():
            _add_country(party, tail, "address")
    roles: tuple[tuple[str, CountryRole], ...] = (
        ("citizenships", "citizenship"),
        ("nationalities", "nationality"),
    )
    for col, role in roles:
        for value in _split(rec.get(col, "")):
            if not _add_country(party, value, role):
                issues.append(
                    LoadIssue(str(path), line, col, f"{sid}: unknown country {value!r}", "warning")
                )
    if rec.get("vessel_flag"):
        _add_country(party, rec["vessel_flag"], "flag")
    for value in _split(rec.get("dates_of_birth", "")):
        found = parse_human_date(value)
        if found is not None:
            if not any(b.value == found[0] for b in party.birth_dates):
                party.birth_dates.append(BirthDate(*found))
        else:
            issues.append(
                LoadIssue(
                    str(path), line, "dates_of_birth", f"{sid}: bad date {value!r}", "warning"
                )
            )
    party.birth_places = _split(rec.get("places_of_birth", ""))
    party.titles = _split(rec.get("title", ""))
    if rec.get("call_sign"):
        ident = make_identifier("call_sign", rec["call_sign"], label="call_sign")
        if ident:
            party.identifiers.append(ident)
    _ids(party, rec.get("ids", ""))
    start = rec.get("start_date", "")[:10]
    party.listed_on = start if _DATE.match(start) else None
    party.remarks = rec.get("remarks") or None
    for col, key in (
        ("entity_number", "entityNumber"),
        ("federal_register_notice", "federalRegisterNotice"),
        ("end_date", "endDate"),
        ("standard_order", "standardOrder"),
        ("license_requirement", "licenseRequirement"),
        ("license_policy", "licensePolicy"),
        ("vessel_type", "vesselType"),
        ("gross_tonnage", "grossTonnage"),
        ("gross_registered_tonnage", "grossRegisteredTonnage"),
        ("vessel_owner", "vesselOwner"),
        ("source_list_url", "sourceUrl"),
        ("source_information_url", "sourceInformationUrl"),
    ):
        if rec.get(col):
            party.properties[key] = [rec[col]]
    if party.kind == "unknown" and rec.get("dates_of_birth"):
        party.kind = "person"
        party.properties["kindInferred"] = ["date of birth given"]
    settle_kind(party)
    return party


def _merge(into: Party, other: Party) -> None:
    """The same ``_id`` on two sub-lists (e.g. SSI and NS-MBS): one party listed by both,
    so names, programmes and details are united."""
    other_given = other.kind != "unknown" and "kindInferred" not in other.properties
    if other_given and (into.kind == "unknown" or "kindInferred" in into.properties):
        into.kind = other.kind
        into.properties.pop("kindInferred", None)
        other.properties.pop("kindInferred", None)
    names = {into.name, *(a.name for a in into.aliases)}
    for alias in [Alias(other.name, "strong", script_of(other.name)), *other.aliases]:
        if alias.name not in names:
            names.add(alias.name)
            into.aliases.append(alias)
    into.programs = dedupe([*into.programs, *other.programs])
    into.addresses = dedupe([*into.addresses, *other.addresses])
    into.birth_places = dedupe([*into.birth_places, *other.birth_places])
    into.titles = dedupe([*into.titles, *other.titles])
    for attr in ("birth_dates", "countries", "identifiers"):
        mine = getattr(into, attr)
        mine.extend(x for x in getattr(other, attr) if x not in mine)
    for key, values in other.properties.items():
        into.properties[key] = dedupe([*into.properties.get(key, []), *values])
    if other.listed_on and (into.listed_on is None or other.listed_on < into.listed_on):
        into.listed_on = other.listed_on
    into.remarks = into.remarks or other.remarks
    into.gender = into.gender or other.gender


def _add_country(party: Party, text: str, role: CountryRole) -> bool:
    code = to_iso2(text)
    if not code:
        return False
    party.add_country(code, role)
    return True


def _ids(party: Party, text: str) -> None:
    """``Passport, U00242309, TR; Tax ID No., 7702070139, RU; Gender, Male`` ->
    identifiers (typed by their label) and facts."""
    for entry in _split(text):
        label, _, rest = entry.partition(",")
        label, rest = label.strip().rstrip(":").strip(), rest.strip()
        if not rest:
            continue
        country = None
        head, sep, tail = rest.rpartition(",")
        if sep and len(tail.strip()) == 2 and tail.strip().isalpha():
            country, rest = to_iso2(tail.strip()), head.strip()
        fact = _FACTS.get(label.lower())
        if fact == "gender":
            party.gender = rest.lower()
            continue
        if fact is not None:
            party.properties.setdefault(fact, []).append(rest)
            continue
        scheme = scheme_for_label(label)
        if scheme == "other" and not re.search(
            r"\b(no|number|id|code|registration)\b", label, re.I
        ):
            party.properties.setdefault(label, []).append(rest)
            continue
        ident = make_identifier(scheme, rest, country=country, label=label)
        if ident is not None and not any(
            i.scheme == ident.scheme and i.value == ident.value for i in party.identifiers
        ):
            party.identifiers.append(ident)
