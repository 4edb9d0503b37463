"""Parties to screen from an upload: the ``screen parties`` CSV (INTERFACES.md) or JSON
objects with the same fields. Bad rows raise ``BadInputError`` naming line and field."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from counterflow.errors import BadInputError
from counterflow.match.types import Query, QueryKind
from counterflow.records.countries import to_iso2

KINDS: tuple[str, ...] = ("person", "organization", "vessel", "aircraft", "any")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
KNOWN = ("id", "name", "kind", "country", "countries", "birth_date", "identifiers", "address")


def _valid_date(text: str) -> bool:
    if not _DATE.match(text):
        return False
    import datetime as dt

    padded = text + "-01-01"[len(text) - 4 :] if len(text) < 10 else text
    try:
        dt.date.fromisoformat(padded)
    except ValueError:
        return False
    return True


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in str(value).split(";") if p.strip()]


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
    kind = str(row.get("kind") or "any").strip().lower() or "any"
    if kind not in KINDS:
        raise BadInputError(
            f"kind must be one of {', '.join(KINDS)}, not {kind!r}",
            file=file,
            line=line,
            field="kind",
        )
    countries: list[str] = []
    for c in _split(row.get("country")) + _split(row.get("countries")):
        code = to_iso2(c)
        if code is None:
            raise BadInputError(f"unknown country {c!r}", file=file, line=line, field="country")
        if code not in countries:
            countries.append(code)
    dates = _split(row.get("birth_date")) + _split(row.get("birth_dates"))
    for d in dates:
        if not _valid_date(d):
            raise BadInputError(
                f"birth_date {d!r} is not YYYY, YYYY-MM or YYYY-MM-DD",
                file=file,
                line=line,
                field="birth_date",
            )
    address = str(row.get("address") or "").strip() or None
    extra = {str(k): str(v) for k, v in row.items() if k not in KNOWN and k != "birth_dates" and v}
    k: QueryKind = kind  # type: ignore[assignment]
    return Query(
        id=qid,
        name=name,
        kind=k,
        countries=countries,
        birth_dates=dates,
        identifiers=_split(row.get("identifiers")),
        address=address,
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
    cols = [h.strip().lower() for h in header]
    dup = sorted({c for c in cols if c and cols.count(c) > 1})
    if dup:
        raise BadInputError(f"duplicate column {dup[0]!r}", file=file, line=1, field=dup[0])
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
