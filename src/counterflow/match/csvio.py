"""CSV in and out for screening: read query rows (case-insensitive headers, pass-through
columns, streamed), parse kind/country/birth date/identifiers, and write cells safely
(spreadsheet formulas neutralised)."""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from counterflow.errors import BadInputError
from counterflow.match.types import Query, QueryKind
from counterflow.records.countries import to_iso2

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_KINDS: dict[str, QueryKind] = {
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
_DATE = re.compile(r"^\d{4}(-\d{1,2}(-\d{1,2})?)?$")
MAX_FIELD = 10_000


def safe_cell(value: object) -> str:
    """A CSV cell that spreadsheets will not run as a formula (``'`` prefixed)."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


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
    """Lower-cased column name -> position; BadInputError when a required one is missing."""
    if not header:
        raise BadInputError("empty file: a header row is required", file=str(path), line=1)
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


QUERY_COLUMNS = ("id", "name", "kind", "country", "birth_date", "identifiers", "address")


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

    def get(row: list[str], name: str) -> str:
        i = cols.get(name)
        if i is None or i >= len(row):
            return ""
        return row[i][:MAX_FIELD]

    def gen() -> Iterator[Query]:
        line = 1
        try:
            for row in reader:
                line = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                stats.rows += 1
                qid = get(row, "id").strip()
                name = get(row, "name")
                if not name.strip():
                    stats.warn("empty name", f"line {line}")
                kind_raw = get(row, "kind")
                kind = parse_kind(kind_raw)
                if kind is None:
                    stats.warn("unknown kind (screened as any)", f"line {line}: {kind_raw[:40]!r}")
                    kind = "any"
                countries: list[str] = []
                for part in get(row, "country").split(";"):
                    if not part.strip():
                        continue
                    code = to_iso2(part[:100])
                    if code is None:
                        stats.warn("unknown country (ignored)", f"line {line}: {part[:40]!r}")
                    elif code not in countries:
                        countries.append(code)
                dates: list[str] = []
                for part in get(row, "birth_date").split(";"):
                    p = part.strip()
                    if not p:
                        continue
                    if _DATE.match(p):
                        dates.append(p)
                    else:
                        stats.warn("bad birth_date (ignored)", f"line {line}: {p[:40]!r}")
                ids = [t.strip() for t in get(row, "identifiers").split(";") if t.strip()]
                address = get(row, "address").strip() or None
                extra = {h: (row[i][:MAX_FIELD] if i < len(row) else "") for h, i in extra_cols}
                yield Query(
                    id=qid or f"line-{line}",
                    name=name,
                    kind=kind,
                    countries=countries,
                    birth_dates=dates,
                    identifiers=ids,
                    address=address,
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

    return [h for h, _ in extra_cols], gen()
