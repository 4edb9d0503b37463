"""CSV in and out for screening: read query rows (case-insensitive headers, pass-through
columns, streamed), parse kind/country/birth date/identifiers, and write cells safely
(spreadsheet formulas neutralised).

:func:`parse_party_fields` is the one parser of a ``screen parties`` row, shared by the
CLI (:func:`read_queries`: lenient, bad values dropped and counted) and the API
(``api.parties_input``: strict, the first problem rejects the request)."""

from __future__ import annotations

import csv
import datetime as dt
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

from counterflow.csvin import MAX_COLUMNS, check_header
from counterflow.csvout import safe_cell
from counterflow.errors import BadInputError
from counterflow.match.types import Hit, Query, QueryKind
from counterflow.records.countries import to_iso2

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

__all__ = ["MAX_COLUMNS", "check_header", "safe_cell"]  # re-exported (csvin, csvout)
_KINDS: Final[dict[str, QueryKind]] = {
    "": "any",
    "any": "any",
    "person": "person",
    "individual": "person",
    "people": "person",
    "natural person": "person",
    "organization": "organization",
    "organisation": "organization",
    "company": "organization",
    "entity": "organization",
    "legalentity": "organization",
    "legal entity": "organization",
    "vessel": "vessel",
    "ship": "vessel",
    "aircraft": "aircraft",
    "airplane": "aircraft",
}
_DATE: Final = re.compile(r"^\d{4}(-\d{1,2}(-\d{1,2})?)?$")
MAX_FIELD: Final = 10_000


@dataclass(slots=True)
class ReadStats:
    rows: int = 0
    warnings: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)

    def warn(self, code: str, example: str) -> None:
        self.warnings[code] = self.warnings.get(code, 0) + 1
        self.examples.setdefault(code, example)


def parse_kind(value: str) -> QueryKind | None:
    return _KINDS.get(value.strip().lower())


def open_csv(path: Path) -> IO[str]:
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise BadInputError("file not found", file=str(path)) from None
    except IsADirectoryError:
        raise BadInputError("is a folder, not a CSV file", file=str(path)) from None


def header_map(path: Path, header: list[str] | None, required: tuple[str, ...]) -> dict[str, int]:
    """Lower-cased column name -> position; BadInputError when a required one is missing,
    when a column name appears twice (the second would never be read) or when the header
    is wider than ``MAX_COLUMNS``."""
    if not header:
        raise BadInputError("empty file: a header row is required", file=str(path), line=1)
    check_header(header, file=str(path))
    cols: dict[str, int] = {}
    for i, h in enumerate(header):
        key = h.strip().lower()
        if key and key not in cols:
            cols[key] = i
    for name in required:
        if name not in cols:
            raise BadInputError(
                f"no {name!r} column (columns: {', '.join(header)[:200]})",
                file=str(path),
                line=1,
                field=name,
            )
    return cols


# The ``screen parties`` output columns (INTERFACES.md), shared by the CLI and the API;
# ``entity_group`` (added at the end) names the listed entity the record belongs to: the
# lead record's entity id of its group of records of different lists (``store.grouping``),
# the record's own entity id when it stands alone.
HIT_COLUMNS: Final[tuple[str, ...]] = (
    "query_id",
    "rank",
    "score",
    "decision",
    "dataset",
    "source_id",
    "entity_id",
    "entity_name",
    "matched_name",
    "kind",
    "explanation",
    "entity_group",
)


def hit_row(h: Hit, rank: int, entity_group: str) -> list[object]:
    """One ``screen parties`` output row (HIT_COLUMNS), for the CLI and the API alike."""
    return [
        h.query_id,
        rank,
        f"{h.score:.4f}",
        h.decision,
        h.dataset,
        h.source_id,
        h.entity_id,
        h.entity_name,
        h.matched_name,
        h.kind,
        h.explanation,
        entity_group,
    ]


def hit_fields(h: Hit, rank: int) -> dict[str, Any]:
    """One hit as JSON fields (rank, score, decision, record, explanation), for the API
    and the MCP tools alike."""
    return {
        "rank": rank,
        "score": round(h.score, 4),
        "decision": h.decision,
        "dataset": h.dataset,
        "source_id": h.source_id,
        "entity_id": h.entity_id,
        "entity_name": h.entity_name,
        "matched_name": h.matched_name,
        "kind": h.kind,
        "explanation": h.explanation,
    }


QUERY_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "name",
    "kind",
    "country",
    "birth_date",
    "identifiers",
    "address",
)
# Also read by the API (JSON objects and uploads): plural forms of two columns.
QUERY_COLUMN_ALIASES: Final[tuple[str, ...]] = ("countries", "birth_dates")
KIND_NAMES: Final[tuple[str, ...]] = ("person", "organization", "vessel", "aircraft", "any")


@dataclass(slots=True, frozen=True)
class RowProblem:
    """A value of a party row that could not be used (the CLI drops it with a warning
    ``code``; the API rejects the row with ``message``)."""

    field: str
    code: str
    message: str
    value: str


@dataclass(slots=True)
class PartyFields:
    kind: QueryKind = "any"
    countries: list[str] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    address: str | None = None
    problems: list[RowProblem] = field(default_factory=list)


def split_values(value: Any) -> list[str]:
    """``a; b`` (or a JSON list) -> ``["a", "b"]``, blanks dropped."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in str(value).split(";") if p.strip()]


# A birth date before this year cannot be a living person's (organisations, founded
# earlier, may give older incorporation dates).
MIN_BIRTH_YEAR: Final = 1900
_YEAR_AT_START: Final = dt.date.today().year


def birth_date_problem(text: str, kind: str = "any") -> str | None:
    """Why ``text`` cannot be used as a query's birth date, or None when it can.

    Usable: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (one-digit month/day allowed), a real
    calendar date, not in the future and (except for organisations) not before
    ``MIN_BIRTH_YEAR``. An unusable date is bad input: it is reported and ignored for
    scoring, so it can never count as evidence against a match."""
    m = _DATE.match(text)
    if m is None:
        return f"birth_date {text[:40]!r} is not YYYY, YYYY-MM or YYYY-MM-DD"
    parts = [int(p) for p in text.split("-")]
    try:
        day = dt.date(
            parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1
        )
    except ValueError:
        return f"birth_date {text!r} is not a calendar date"
    if parts[0] >= _YEAR_AT_START and day > dt.date.today():  # earlier years never are
        return f"birth_date {text!r} is in the future"
    if parts[0] < MIN_BIRTH_YEAR and kind != "organization":
        return f"birth_date {text!r} is before {MIN_BIRTH_YEAR}: not a living person's"
    return None


def valid_birth_date(text: str, kind: str = "any") -> bool:
    """True when :func:`birth_date_problem` finds nothing wrong with ``text``."""
    return birth_date_problem(text, kind) is None


def parse_party_fields(row: Mapping[str, Any]) -> PartyFields:
    """Kind, countries, birth dates, identifiers and address of one party row (keys are
    lower-case column names; values strings or lists). Unusable values are left out and
    listed in ``problems``, in column order (kind, country, birth_date)."""
    out = PartyFields()
    kind_raw = str(row.get("kind") or "")
    kind = parse_kind(kind_raw)
    if kind is None:
        out.problems.append(
            RowProblem(
                "kind",
                "unknown kind (screened as any)",
                f"kind must be one of {', '.join(KIND_NAMES)}, not {kind_raw.strip().lower()!r}",
                kind_raw,
            )
        )
    else:
        out.kind = kind
    for part in split_values(row.get("country")) + split_values(row.get("countries")):
        code = to_iso2(part[:100])
        if code == "zz":  # "global / unknown" in the registry: no country at all
            code = None
        if code is None:
            out.problems.append(
                RowProblem(
                    "country", "unknown country (ignored)", f"unknown country {part!r}", part
                )
            )
        elif code not in out.countries:
            out.countries.append(code)
    for d in split_values(row.get("birth_date")) + split_values(row.get("birth_dates")):
        problem = birth_date_problem(d, out.kind)
        if problem is None:
            out.birth_dates.append(d)
        else:
            out.problems.append(RowProblem("birth_date", "bad birth_date (ignored)", problem, d))
    out.identifiers = split_values(row.get("identifiers"))
    out.address = str(row.get("address") or "").strip() or None
    return out


def read_queries(path: Path, stats: ReadStats) -> tuple[list[str], Iterator[Query]]:
    """(pass-through column names, stream of queries). Raises BadInputError at once for
    a missing ``id``/``name`` column; row problems are counted in ``stats``."""
    fh = open_csv(path)
    reader = csv.reader(fh)
    try:
        header = next(reader)
    except StopIteration:
        fh.close()
        raise BadInputError(
            "empty file: a header row is required", file=str(path), line=1
        ) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        fh.close()
        raise BadInputError(f"unreadable CSV ({exc})", file=str(path), line=1) from None
    cols = header_map(path, header, ("id", "name"))
    extra_cols = [
        (h, i)
        for h, i in ((h.strip(), i) for i, h in enumerate(header))
        if h.lower() not in QUERY_COLUMNS and h
    ]

    return [h for h, _ in extra_cols], _queries(path, fh, reader, cols, extra_cols, stats)


def _cell(row: list[str], cols: Mapping[str, int], name: str) -> str:
    i = cols.get(name)
    if i is None or i >= len(row):
        return ""
    return row[i][:MAX_FIELD]


def _queries(
    path: Path,
    fh: IO[str],
    reader: Any,  # a csv.reader over fh
    cols: Mapping[str, int],
    extra_cols: list[tuple[str, int]],
    stats: ReadStats,
) -> Iterator[Query]:
    """The queries of ``reader``'s rows (``read_queries``'s stream; closes ``fh``)."""
    line = 1
    try:
        row: list[str]
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            stats.rows += 1
            qid = _cell(row, cols, "id").strip()
            name = _cell(row, cols, "name")
            if not name.strip():
                stats.warn("empty name", f"line {line}")
            fields = parse_party_fields({c: _cell(row, cols, c) for c in QUERY_COLUMNS})
            for p in fields.problems:
                stats.warn(p.code, f"line {line}: {p.value[:40]!r}")
            extra = {h: (row[i][:MAX_FIELD] if i < len(row) else "") for h, i in extra_cols}
            yield Query(
                id=qid or f"line-{line}",
                name=name,
                kind=fields.kind,
                countries=fields.countries,
                birth_dates=fields.birth_dates,
                identifiers=fields.identifiers,
                address=fields.address,
                extra=extra,
            )
    except UnicodeDecodeError as exc:
        raise BadInputError(
            f"not UTF-8 text ({exc.reason})", file=str(path), line=line + 1
        ) from None
    except csv.Error as exc:
        raise BadInputError(f"broken CSV ({exc})", file=str(path), line=line + 1) from None
    finally:
        fh.close()
