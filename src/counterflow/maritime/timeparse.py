"""Timestamps in the many forms AIS files use -> epoch seconds UTC (Int64).

ISO 8601 with ``Z``, offsets (``+02:00``/``+0200``) or none (taken as UTC), ``UTC``/``GMT``
suffixes, the Danish Maritime Authority's ``dd/mm/yyyy HH:MM:SS``, AISdb's
``yyyymmdd_HHMMSS`` and Unix epochs (seconds or milliseconds) may be mixed in one column;
each row is parsed by the first form that fits, and rows no form fits become null (the
cleaner counts them as ``bad_time``).
"""

from __future__ import annotations

import polars as pl

_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%dT%H:%M:%S%.f%:z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%MZ",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y%m%d_%H%M%S",
    "%Y/%m/%d %H:%M:%S",
)


def formats_in(sample: list[str]) -> tuple[str, ...]:
    """The formats (and ``"epoch"``) that parse at least one of ``sample``, most common first;
    parsing a big column with only these is several times faster than trying them all."""
    if not sample:
        return (*_FORMATS, "epoch")
    df = pl.DataFrame({"s": sample}, schema={"s": pl.Utf8})
    hits = {
        name: df.select(expr.is_not_null().sum()).item() for name, expr in _parsers(pl.col("s"))
    }
    found = tuple(sorted((k for k, v in hits.items() if v), key=lambda k: -hits[k]))
    return found or (*_FORMATS, "epoch")


def _parsers(col: pl.Expr) -> list[tuple[str, pl.Expr]]:
    s = col.str.strip_chars().str.strip_chars('"')
    norm = s.str.replace(r"(?i)\s*(UTC|GMT)$", "Z").str.replace(r"^(\d{4}-\d\d-\d\d)[ ]", "${1}T")
    parsed = [
        (f, norm.str.to_datetime(f, strict=False, time_zone="UTC", time_unit="us").dt.epoch("s"))
        for f in _FORMATS
    ]
    num = s.cast(pl.Float64, strict=False)
    epoch = (
        pl.when(num > 1e11)  # milliseconds
        .then((num / 1000.0).floor())
        .when(num > 1e8)
        .then(num.floor())
        .otherwise(None)
        .cast(pl.Int64)
    )
    return [*parsed, ("epoch", epoch)]


def epoch_seconds(col: pl.Expr, formats: tuple[str, ...] | None = None) -> pl.Expr:
    """An expression turning a Utf8 timestamp column into Int64 epoch seconds (UTC), trying
    ``formats`` (default: all) in order; rows no format fits become null."""
    exprs = [e for name, e in _parsers(col) if formats is None or name in formats]
    if formats is not None:
        order = {name: i for i, name in enumerate(formats)}
        named = [(name, e) for name, e in _parsers(col) if name in order]
        exprs = [e for _, e in sorted(named, key=lambda x: order[x[0]])]
    return pl.coalesce(exprs) if exprs else pl.lit(None, dtype=pl.Int64)
