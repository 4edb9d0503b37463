"""Parties to screen from an upload: the ``screen parties`` CSV (INTERFACES.md) or JSON
objects with the same fields. Bad rows raise ``BadInputError`` naming line and field.

The fields of a row are parsed by ``match.csvio.parse_party_fields`` (shared with the
CLI, which drops bad values with a warning); here the first problem rejects the row."""

from __future__ import annotations

import csv
import io
from typing import Any

from counterflow.errors import BadInputError
from counterflow.match.csvio import (
    QUERY_COLUMN_ALIASES,
    QUERY_COLUMNS,
    check_header,
    parse_party_fields,
)
from counterflow.match.types import Query

KNOWN = QUERY_COLUMNS + QUERY_COLUMN_ALIASES


def make_query(row: dict[str, Any], *, file: str, line: int | None) -> Query:
    """One party from a row whose keys are lower-case column names."""
    qid = str(row.get("id") or "").strip()
    name = " ".join(str(row.get("name") or "").split())
    if not qid:
        raise BadInputError("id is empty", file=file, line=line, field="id")
    if not name:
        raise BadInputError("name is empty", file=file, line=line, field="name")
    if len(qid) > 200 or len(name) > 1000:
        raise BadInputError("id or name too long", file=file, line=line, field="name")
    fields = parse_party_fields(row)
    if fields.problems:  # strict: the first unusable value rejects the request
        p = fields.problems[0]
        raise BadInputError(p.message, file=file, line=line, field=p.field)
    extra = {str(k): str(v) for k, v in row.items() if k not in KNOWN and v}
    return Query(
        id=qid,
        name=name,
        kind=fields.kind,
        countries=fields.countries,
        birth_dates=fields.birth_dates,
        identifiers=fields.identifiers,
        address=fields.address,
        extra=extra,
    )


def parse_csv(data: bytes, *, file: str = "upload.csv", max_rows: int = 50_000) -> list[Query]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"not UTF-8 ({exc.reason})", file=file) from exc
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise BadInputError("empty file", file=file, line=1) from None
    check_header(header, file=file)  # width limit and duplicates, in one pass
    cols = [h.strip().lower() for h in header]
    for need in ("id", "name"):
        if need not in cols:
            raise BadInputError(f"no {need!r} column", file=file, line=1, field=need)
    out: list[Query] = []
    for n, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(out) >= max_rows:
            raise BadInputError(f"more than {max_rows} rows", file=file, line=n)
        row = dict(zip(cols, values, strict=False))
        out.append(make_query(row, file=file, line=n))
    return out


def parse_json(items: list[dict[str, Any]], *, max_rows: int = 50_000) -> list[Query]:
    if len(items) > max_rows:
        raise BadInputError(f"more than {max_rows} parties", field="parties")
    out: list[Query] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise BadInputError("each party is an object", field=f"parties[{i}]")
        row = {str(k).lower(): v for k, v in item.items()}
        out.append(make_query(row, file=f"parties[{i}]", line=None))
    return out
