"""The one CSV writer for every CSV Counterflow emits (screening hits, match pairs, orders,
AIS events, decision exports): every text cell that a spreadsheet would run as a
formula (``=``, ``+``, ``-``, ``@``, tab, CR, LF, ``|``, ``%`` first) gets a leading ``'``.
Plain numbers (``-5``, ``+1.5e3``) are left as they are.

    w = guarded_writer(fh)          # csv.writer-like: writerow / writerows
    text = csv_text(header, rows)   # the whole CSV as a string
    write_frame(df, path)           # a polars DataFrame, string columns guarded

Internal CSVs that are read back by Counterflow itself (never opened by a person) use
``csv`` directly; nothing a user receives may.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value: object) -> str:
    """A CSV cell that spreadsheets will not run as a formula (``'`` prefixed)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def _cell(value: object) -> str:
    # csv quotes a cell holding a character of the line terminator; with "\n" a bare
    # "\r" would go out unquoted and split the row for every reader: make it "\n".
    text = safe_cell(value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


class GuardedWriter:
    """``csv.writer`` with every cell passed through :func:`safe_cell` (and carriage
    returns inside a cell written as line feeds, so the cell is quoted)."""

    def __init__(self, fh: IO[str], **kwargs: Any) -> None:
        kwargs.setdefault("lineterminator", "\n")
        self._w = csv.writer(fh, **kwargs)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._w.writerow([_cell(c) for c in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for r in rows:
            self.writerow(r)


def guarded_writer(fh: IO[str], **kwargs: Any) -> GuardedWriter:
    return GuardedWriter(fh, **kwargs)


def csv_text(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    """The whole CSV (header first), guarded, as one string."""
    buf = io.StringIO()
    w = GuardedWriter(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def guard_frame(df: Any) -> Any:
    """A polars DataFrame with every string column guarded (numbers untouched)."""
    import polars as pl

    exprs = []
    for name, dtype in df.schema.items():
        if dtype == pl.Utf8:
            col = pl.col(name)
            risky = col.str.contains(r"^[=+\-@\t\r\n|%]") & ~col.str.contains(
                r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
            )
            exprs.append(pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(name))
    return df.with_columns(exprs) if exprs else df


def write_frame(df: Any, path: Path | str) -> None:
    """Write a polars DataFrame as CSV, string columns guarded."""
    guard_frame(df).write_csv(path)
