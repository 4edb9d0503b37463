"""The EU-derived JSON in shared data (``{"metadata": {...}, "entities": [...]}``, made by
a third-party script from the EU FSF XML merged with UN and OFAC): only the records that
carry the ``EU`` source load, as dataset ``eu_fsf`` with the EU logical id as source_id.
The other records (UN-only, OFAC-only) are counted in one warning: those lists load from
their official files."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from counterflow.errors import BadInputError
from counterflow.lists.base import Detected, LoadIssue, ParseResult
from counterflow.lists.eu_fsf import ID_CODES
from counterflow.lists.tabular import dedupe, fallback_version, read_text
from counterflow.records.countries import to_iso2
from counterflow.records.identifiers import make_identifier, scheme_for_label
from counterflow.records.kinds import settle_kind
from counterflow.records.model import Alias, BirthDate, Kind, Party
from counterflow.records.scripts import script_of

FORMAT = "eu_json"
DATASET = "eu_fsf"
# The derived JSON has no official download; `lists update` fetches the official XML
# (see counterflow.lists.eu_fsf.DOWNLOADS).
DOWNLOADS: dict[str, list[str]] = {}

_KINDS: dict[str, Kind] = {
    "individual": "person",
    "person": "person",
    "entity": "organization",
    "enterprise": "organization",
    "vessel": "vessel",
    "aircraft": "aircraft",
}
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def detect(path: Path, head: bytes) -> Detected | None:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start != b"{":
        return None
    if b'"entities"' in head and b'"source_id"' in head and b'"source"' in head:
        return Detected(FORMAT, DATASET, "main", f"{DATASET}:{path.name}")
    return None


def parse(paths: Sequence[Path], dataset: str | None = None) -> ParseResult:
    ds = dataset or DATASET
    records: list[Party] = []
    issues: list[LoadIssue] = []
    versions: list[str] = []
    seen: set[str] = set()
    for path in paths:
        versions.append(_parse_file(path, ds, records, issues, seen))
    return ParseResult(ds, max(versions) if versions else "", records, list(paths), issues, FORMAT)


def _parse_file(
    path: Path, dataset: str, records: list[Party], issues: list[LoadIssue], seen: set[str]
) -> str:
    text = read_text(path, issues)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(f"broken JSON: {exc.msg}", file=str(path), line=exc.lineno) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("entities"), list):
        raise BadInputError(
            "not the EU-derived JSON: no 'entities' list", file=str(path), field="entities"
        )
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    generated = str(meta.get("generated", "")) if meta else ""
    version = generated[:10] if generated else fallback_version(path)
    others: Counter[str] = Counter()
    for n, item in enumerate(doc["entities"], start=1):
        where = f"entities[{n - 1}]"
        if not isinstance(item, dict):
            issues.append(LoadIssue(str(path), None, where, "not an object: skipped"))
            continue
        sources = item.get("source") or []
        if isinstance(sources, str):
            sources = [sources]
        if "EU" not in sources:
            others["+".join(map(str, sources)) or "none"] += 1
            continue
        party = _party(item, dataset, path, where, issues)
        if party is None:
            continue
        if party.source_id in seen:
            issues.append(
                LoadIssue(str(path), None, where, f"duplicate id {party.source_id}: skipped")
            )
            continue
        seen.add(party.source_id)
        records.append(party)
    if others:
        detail = ", ".join(f"{k} {v}" for k, v in sorted(others.items()))
        issues.append(
            LoadIssue(
                str(path),
                None,
                "source",
                f"{sum(others.values())} records without the EU source not loaded as "
                f"{dataset} ({detail}); those lists load from their official files",
                "warning",
            )
        )
    return version


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [str(value).strip()]


def _party(
    item: dict[str, Any], dataset: str, path: Path, where: str, issues: list[LoadIssue]
) -> Party | None:
    source_id = str(item.get("source_id") or "").strip()
    name = str(item.get("name") or "").strip()
    if not source_id:
        issues.append(LoadIssue(str(path), None, where, "no source_id: skipped"))
        return None
    if not name:
        issues.append(LoadIssue(str(path), None, where, f"{source_id}: no name: skipped"))
        return None
    raw_type = str(item.get("type") or "").lower()
    kind = _KINDS.get(raw_type)
    if kind is None:
        issues.append(
            LoadIssue(
                str(path),
                None,
                where,
                f"{source_id}: unknown type {raw_type!r}; kind unknown unless inferred",
                "warning",
            )
        )
        kind = "unknown"
    party = Party(dataset=dataset, source_id=source_id, kind=kind, name=name)
    for alias in dedupe(_strings(item.get("aliases"))):
        if alias != name:
            party.aliases.append(Alias(alias, "strong", script_of(alias)))
    for value in dedupe(_strings(item.get("birthdates"))):
        value = value[:10]
        if _DATE.match(value):
            party.birth_dates.append(BirthDate(value))
        else:
            issues.append(
                LoadIssue(
                    str(path),
                    None,
                    f"{where}.birthdates",
                    f"{source_id}: unparseable date {value!r}",
                    "warning",
                )
            )
    for ident in item.get("identifiers") or []:
        if not isinstance(ident, dict):
            continue
        number = str(ident.get("number") or "").strip()
        if not number:
            continue
        id_type = str(ident.get("type") or "other").strip()
        scheme = ID_CODES.get(id_type.lower()) or scheme_for_label(id_type)
        iso = str(ident.get("country") or "").strip()
        country = to_iso2(iso) if iso and iso != "00" else None
        made = make_identifier(scheme, number, country=country, label=id_type)
        if made is None:
            issues.append(
                LoadIssue(
                    str(path),
                    None,
                    f"{where}.identifiers",
                    f"{source_id}: unusable {id_type} number {number!r}",
                    "warning",
                )
            )
        else:
            party.identifiers.append(made)
    others = [s for s in _strings(item.get("source")) if s != "EU"]
    if others:
        party.properties["alsoListedBy"] = others
    settle_kind(party)
    return party
