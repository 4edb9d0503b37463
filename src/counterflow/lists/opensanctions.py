"""OpenSanctions exports -> ``Party`` records: ``targets.simple.csv`` (one row per
target, ``;``-joined multi-values) and FtM JSON lines (``entities.ftm.json``: one entity
per line, read through ``counterflow.records.ftm``). The dataset is ``ua_war_sanctions``
for Ukraine's War & Sanctions portal; any other OpenSanctions file loads under its own
dataset name (from the file name, or the ``dataset`` column / ``datasets`` key).
source_id = the OpenSanctions entity id."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from counterflow.errors import BadInputError
from counterflow.lists.base import Detected, LoadIssue, ParseResult
from counterflow.lists.tabular import (
    Rows,
    dedupe,
    fallback_version,
    head_text,
    header_fields,
    read_text,
    require_columns,
)
from counterflow.records.ftm import kind_of_schema, parties_from_entities
from counterflow.records.identifiers import make_identifier
from counterflow.records.kinds import settle_kind
from counterflow.records.model import Alias, BirthDate, CountryRef, Identifier, Kind, Party
from counterflow.records.scripts import script_of

FORMAT = "opensanctions"
DATASET = "ua_war_sanctions"
DOWNLOADS: dict[str, list[str]] = {
    DATASET: ["https://data.opensanctions.org/datasets/latest/ua_war_sanctions/targets.simple.csv"],
}
# Titles in the ``dataset`` column -> dataset codes.
TITLES = {
    "ukraine war and sanctions": "ua_war_sanctions",
    "war and sanctions": "ua_war_sanctions",
}
REQUIRED = ("id", "schema", "name")
_FILE_DATASET = re.compile(r"opensanctions_([a-z0-9_]+?)_(?:targets|entities)", re.I)
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?")
_IMO = re.compile(r"^IMO\s*(\d{7})$", re.I)


def detect(path: Path, head: bytes) -> Detected | None:
    text = head_text(head)
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    cols = [c.lower() for c in header_fields(first)]
    if cols[:3] == ["id", "schema", "name"] and "aliases" in cols:
        return Detected(FORMAT, _dataset_from_name(path) or DATASET, "targets", _group(path))
    if first.startswith("{"):
        try:
            obj = json.loads(first)
        except json.JSONDecodeError:
            return None
        if isinstance(obj, dict) and {"id", "schema", "properties"} <= obj.keys():
            return Detected(FORMAT, _dataset_from_name(path) or DATASET, "ftm", _group(path))
    return None


def _group(path: Path) -> str:
    return f"opensanctions:{path.name}"


def _dataset_from_name(path: Path) -> str | None:
    m = _FILE_DATASET.search(path.name)
    if m:
        return m.group(1).lower()
    if path.name.startswith(("targets.", "entities.")) and path.parent.name not in ("", "."):
        parent = path.parent.name.lower()
        if re.fullmatch(r"[a-z0-9_]+", parent) and parent not in ("latest", "data", "lists"):
            return parent
    return None


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


def parse(paths: Sequence[Path], dataset: str | None = None) -> ParseResult:
    if not paths:
        raise BadInputError("no OpenSanctions file given")
    records: list[Party] = []
    issues: list[LoadIssue] = []
    versions: list[str] = []
    datasets: list[str] = []
    seen: set[str] = set()
    for path in paths:
        head = path.open("rb").read(4096)
        if head.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] == b"{":
            ds, version = _parse_ftm(path, dataset, records, issues, seen)
        else:
            ds, version = _parse_targets(path, dataset, records, issues, seen)
        datasets.append(ds)
        versions.append(version)
    final = dataset or datasets[0]
    for party in records:
        party.dataset = final
    return ParseResult(final, max(versions), records, list(paths), issues, FORMAT)


# ------------------------------------------------------------- targets.simple.csv


def _split(value: str) -> list[str]:
    return dedupe([v.strip() for v in value.split(";") if v.strip().strip('"')])


def classify_identifier(raw: str, kind: Kind) -> Identifier | None:
    """targets.simple mixes INN, OGRN, IMO, MMSI and call signs in one column: classify
    by shape. ``IMO1234567`` -> imo; 10/12 digits -> INN; 13/15 digits -> OGRN; a vessel's
    9 digits -> MMSI and its other letter/digit codes -> call sign; else ``other``."""
    value = raw.strip()
    m = _IMO.match(value)
    if m:
        return make_identifier("imo", m.group(1), label="IMO")
    if value.isdigit():
        n = len(value)
        if kind == "vessel":
            if n == 9:
                return make_identifier("mmsi", value, label="MMSI")
            return make_identifier("other", value, label="identifier")
        if n in (10, 12):
            return make_identifier("inn", value, label="INN")
        if n in (13, 15):
            return make_identifier("ogrn", value, label="OGRN")
        return make_identifier("other", value, label="identifier")
    if kind == "vessel" and re.fullmatch(r"[A-Z0-9]{3,8}", value):
        return make_identifier("call_sign", value, label="call sign")
    return make_identifier("other", value, label="identifier")


def _parse_targets(
    path: Path,
    dataset: str | None,
    records: list[Party],
    issues: list[LoadIssue],
    seen: set[str],
) -> tuple[str, str]:
    text = read_text(path, issues)
    rows = iter(Rows(text, path))
    try:
        header_line, header = next(rows)
    except StopIteration:
        raise BadInputError("empty file", file=str(path)) from None
    idx = require_columns(header, REQUIRED, path, header_line)
    width = len(header)
    titles: Counter[str] = Counter()
    last_seen = ""
    for line, row in rows:
        if not any(c.strip() for c in row):
            continue
        if len(row) != width:
            issues.append(
                LoadIssue(
                    str(path),
                    line,
                    None,
                    f"row has {len(row)} fields, header has {width}: skipped",
                )
            )
            continue
        rec = {k: row[i].strip() for k, i in idx.items()}
        for t in _split(rec.get("dataset", "")):
            titles[t] += 1
        last_seen = max(last_seen, rec.get("last_seen", "")[:10])
        party = _target(path, line, rec, issues)
        if party is None:
            continue
        if party.source_id in seen:
            issues.append(
                LoadIssue(str(path), line, "id", f"duplicate id {party.source_id}: skipped")
            )
            continue
        seen.add(party.source_id)
        records.append(party)
    ds = dataset or _dataset_from_titles(titles) or _dataset_from_name(path)
    if ds is None:
        ds = _slug(titles.most_common(1)[0][0]) if titles else DATASET
    version = last_seen if _DATE.match(last_seen) else fallback_version(path)
    return ds, version


def _dataset_from_titles(titles: Counter[str]) -> str | None:
    if not titles:
        return None
    top = titles.most_common(1)[0][0]
    return TITLES.get(top.lower())


def _target(path: Path, line: int, rec: dict[str, str], issues: list[LoadIssue]) -> Party | None:
    oid, schema, name = rec["id"], rec["schema"], rec["name"]
    if not oid:
        issues.append(LoadIssue(str(path), line, "id", "row without id: skipped"))
        return None
    kind = kind_of_schema(schema)
    if kind is None:
        issues.append(
            LoadIssue(str(path), line, "schema", f"{oid}: schema {schema!r} is no party: skipped")
        )
        return None
    names = _split(name) if name else []
    if not names:  # empty, or only separators and blanks
        issues.append(LoadIssue(str(path), line, "name", f"{oid}: no name: skipped"))
        return None
    party = Party(dataset="", source_id=oid, kind=kind, name=names[0])
    if schema != {
        "person": "Person",
        "vessel": "Vessel",
        "aircraft": "Airplane",
        "unknown": "LegalEntity",
    }.get(kind, "Organization"):
        party.properties["ftm_schema"] = [schema]
    for alias in dedupe(names[1:] + _split(rec.get("aliases", ""))):
        if alias != party.name:
            party.aliases.append(Alias(alias, "strong", script_of(alias)))
    for value in _split(rec.get("birth_date", "")):
        if _DATE.match(value):
            party.birth_dates.append(BirthDate(value[:10]))
        else:
            issues.append(
                LoadIssue(str(path), line, "birth_date", f"{oid}: bad date {value!r}", "warning")
            )
    for code in _split(rec.get("countries", "")):
        party.countries.append(CountryRef(code.lower(), "other"))
    party.addresses = _split(rec.get("addresses", ""))
    for raw in _split(rec.get("identifiers", "")):
        ident = classify_identifier(raw, kind)
        if ident is not None and ident not in party.identifiers:
            party.identifiers.append(ident)
    party.programs = _split(rec.get("program_ids", ""))
    for col, key in (
        ("sanctions", "sanctions"),
        ("phones", "phone"),
        ("emails", "email"),
    ):
        values = _split(rec.get(col, ""))
        if values:
            party.properties[key] = values
    first_seen = rec.get("first_seen", "")[:10]
    if first_seen:
        party.properties["first_seen"] = [first_seen]
    settle_kind(party)
    return party


# ----------------------------------------------------------------- FtM JSON lines


def _parse_ftm(
    path: Path,
    dataset: str | None,
    records: list[Party],
    issues: list[LoadIssue],
    seen: set[str],
) -> tuple[str, str]:
    text = read_text(path, issues)
    entities: list[dict[str, Any]] = []
    ds_counts: Counter[str] = Counter()
    latest = ""
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            issues.append(LoadIssue(str(path), line_no, None, f"broken JSON line: {exc.msg}"))
            continue
        if not isinstance(obj, dict) or "schema" not in obj or "id" not in obj:
            issues.append(
                LoadIssue(str(path), line_no, None, "not an FtM entity (no id/schema): skipped")
            )
            continue
        obj["_line"] = line_no
        for d in obj.get("datasets") or []:
            ds_counts[str(d)] += 1
        latest = max(latest, str(obj.get("last_seen") or "")[:10])
        entities.append(obj)
    if not entities and not issues:
        raise BadInputError("empty file", file=str(path))
    if not entities:
        raise BadInputError("no FtM entity in file", file=str(path), line=issues[0].line)
    lines = {str(e["id"]): int(e.pop("_line")) for e in entities}
    skipped_schemata: Counter[str] = Counter()
    for e in entities:
        if kind_of_schema(str(e.get("schema"))) is None and e.get("schema") not in (
            "Sanction",
            "Identification",
            "Passport",
            "Address",
        ):
            skipped_schemata[str(e.get("schema"))] += 1
    ds = dataset or _dataset_from_name(path)
    if ds is None:
        ds = ds_counts.most_common(1)[0][0] if ds_counts else DATASET
    try:
        parties = list(parties_from_entities(entities, ds))
        for p in parties:
            settle_kind(p)
    except (ValueError, TypeError, KeyError) as exc:
        raise BadInputError(f"unusable FtM entity: {exc}", file=str(path)) from exc
    got = {p.source_id for p in parties}
    for e in entities:
        eid = str(e["id"])
        if kind_of_schema(str(e.get("schema"))) is not None and eid not in got:
            issues.append(LoadIssue(str(path), lines.get(eid), "name", f"{eid}: no name: skipped"))
    for party in parties:
        if party.source_id in seen:
            issues.append(
                LoadIssue(
                    str(path),
                    lines.get(party.source_id),
                    "id",
                    f"duplicate id {party.source_id}: skipped",
                )
            )
            continue
        seen.add(party.source_id)
        records.append(party)
    if skipped_schemata:
        detail = ", ".join(f"{k} {v}" for k, v in sorted(skipped_schemata.items()))
        issues.append(
            LoadIssue(
                str(path),
                None,
                "schema",
                f"entities that are no listable party passed over ({detail})",
                "warning",
            )
        )
    version = latest if _DATE.match(latest) else fallback_version(path)
    return ds, version
