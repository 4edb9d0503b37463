"""AIS positions from CSV: the dialect (Global Fishing Watch track export, NOAA
MarineCadastre, Danish Maritime Authority, AISdb, or a generic mmsi/time/lat/lon file) is
sniffed from the header. Files are scanned lazily and streamed into the compact columnar
table (only the needed columns are parsed), so memory follows the number of positions,
not the size of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from counterflow.errors import BadInputError
from counterflow.maritime.table import (
    POSITIONS_SCHEMA,
    STATIC_SCHEMA,
    AisData,
    Drops,
    empty_static,
)
from counterflow.maritime.timeparse import epoch_seconds, formats_in

# canonical field -> header names that carry it (normalised: lower case, no '#', trimmed)
ALIASES: dict[str, tuple[str, ...]] = {
    "mmsi": ("mmsi", "userid", "user_id", "ssvid", "vessel_id", "id"),
    "time": (
        "timestamp",
        "basedatetime",
        "time",
        "datetime",
        "date_time",
        "ais_pos_timestamp",
        "msgtime",
        "t",
    ),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "sog": ("sog", "speed", "speed_over_ground"),
    "cog": ("cog", "course", "course_over_ground"),
    "name": ("vesselname", "vessel_name", "name", "shipname", "ship_name"),
    "imo": ("imo", "imo_number"),
    "callsign": ("callsign", "call_sign"),
    "ship_type": ("vesseltype", "ship_type", "ship type", "shiptype", "type"),
    "flag": ("flag", "flag_state", "flag_country", "flagstate"),
}


@dataclass(frozen=True)
class Dialect:
    name: str
    signature: frozenset[str]  # all of these headers present -> this dialect
    overrides: tuple[tuple[str, str], ...] = ()  # canonical -> header, checked first


DIALECTS = (
    Dialect("gfw", frozenset({"lon", "lat", "timestamp", "seg_id"}), (("mmsi", "seg_id"),)),
    Dialect("noaa", frozenset({"mmsi", "basedatetime", "lat", "lon"})),
    Dialect(
        "dma",
        frozenset({"timestamp", "type of mobile", "mmsi", "latitude", "longitude"}),
        (("ship_type", "ship type"),),
    ),
    Dialect("aisdb", frozenset({"mmsi", "message_id", "time", "longitude", "latitude"})),
)


def _norm_header(h: str) -> str:
    return h.replace("\ufeff", "").strip().strip('"').lstrip("#").strip().lower()


def read_header(path: Path) -> tuple[list[str], str]:
    try:
        with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
            first = fh.readline()
    except OSError as exc:
        raise BadInputError(f"cannot read: {exc.strerror}", file=str(path)) from exc
    if not first.strip():
        raise BadInputError("empty file (no header line)", file=str(path), line=1)
    sep = max((",", ";", "\t", "|"), key=first.count)
    return re.split(re.escape(sep), first.rstrip("\r\n")), sep


def sniff(header: list[str]) -> tuple[str, dict[str, str]]:
    """(dialect name, canonical field -> original header) for a CSV header."""
    norm = {_norm_header(h): h for h in header}
    dialect = next((d for d in DIALECTS if d.signature <= norm.keys()), None)
    mapping: dict[str, str] = {}
    if dialect:
        for canon, src in dialect.overrides:
            if src in norm:
                mapping[canon] = norm[src]
    for canon, names in ALIASES.items():
        if canon in mapping:
            continue
        for n in names:
            if n in norm and norm[n] not in mapping.values():
                mapping[canon] = norm[n]
                break
    return (dialect.name if dialect else "generic"), mapping


def read_csv(path: Path) -> AisData:
    """Positions and static data of one AIS CSV; raises BadInputError naming the file, line
    1 and the missing field when a required column is absent."""
    header, sep = read_header(path)
    dialect, mapping = _checked_columns(path, header)
    lf = pl.scan_csv(
        path,
        separator=sep,
        infer_schema=False,
        truncate_ragged_lines=True,
        encoding="utf8-lossy",
        quote_char='"',
    )
    c = _Columns(mapping, lf.collect_schema().names())
    has_static = any(k in mapping for k in STATIC_COLS)
    raw = _read_rows(path, lf, c, _mmsi(c, dialect, header), has_static)
    drops = Drops()
    drops.note(f"{path.name}: dialect {dialect}, {raw.height} rows")
    static = empty_static()
    if has_static:
        # an IMO that is not 7 digits is counted (the row's position is still used)
        drops.add("bad_imo_format", int(raw["_bad_imo"].sum()))
        static = _static_periods(raw)
    positions = raw.select(list(POSITIONS_SCHEMA)).cast(POSITIONS_SCHEMA)  # type: ignore[arg-type]
    return AisData(positions, static, drops)


STATIC_COLS = ("name", "imo", "callsign", "ship_type", "flag")


def _checked_columns(path: Path, header: list[str]) -> tuple[str, dict[str, str]]:
    """(dialect, canonical name -> header name); BadInputError on a repeated column or a
    missing mmsi, time, lat or lon."""
    seen: set[str] = set()
    for h in header:
        key = _norm_header(h)
        if key and key in seen:
            raise BadInputError(
                f"duplicate column {key!r}: each column may appear once",
                file=str(path),
                line=1,
                field=key,
            )
        seen.add(key)
    dialect, mapping = sniff(header)
    for need in ("mmsi", "time", "lat", "lon"):
        if need not in mapping:
            raise BadInputError(
                f"no {need} column in the header (sniffed dialect {dialect}; expected one of "
                f"{', '.join(ALIASES[need])})",
                file=str(path),
                line=1,
                field=need,
            )
    return dialect, mapping


class _Columns:
    """Expressions over the file's columns by canonical name (absent ones are nulls)."""

    def __init__(self, mapping: dict[str, str], cols: list[str]) -> None:
        self.mapping = mapping
        self.cols = cols

    def col(self, canon: str) -> pl.Expr:
        if canon not in self.mapping:
            return pl.lit(None, dtype=pl.Utf8)
        # scan_csv may have stripped the BOM or kept the raw name
        name = self.mapping[canon]
        if name not in self.cols:
            name = next(c for c in self.cols if _norm_header(c) == _norm_header(name))
        return pl.col(name)

    def num(self, canon: str) -> pl.Expr:
        return self.col(canon).str.strip_chars().cast(pl.Float64, strict=False)

    def text(self, canon: str) -> pl.Expr:
        v = self.col(canon).str.strip_chars()
        return pl.when(v.is_in(["", "None", "nan", "NaN", "null", "0"])).then(None).otherwise(v)


def _mmsi(c: _Columns, dialect: str, header: list[str]) -> pl.Expr:
    """The MMSI as an integer (GFW's ``seg_id`` starts with it)."""
    if dialect == "gfw" and c.mapping["mmsi"] == next(
        (h for h in header if _norm_header(h) == "seg_id"), None
    ):
        mmsi_txt = c.col("mmsi").str.extract(r"^\s*(\d+)", 1)
    else:
        mmsi_txt = c.col("mmsi").str.strip_chars()
    return mmsi_txt.cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)


def _static_exprs(c: _Columns) -> list[pl.Expr]:
    imo_txt = c.text("imo").str.replace(r"(?i)^imo\s*", "")
    # empty and all-zero IMO numbers are AIS "not available", not bad values
    imo_raw = pl.when(imo_txt.str.contains(r"^0*$")).then(None).otherwise(imo_txt)
    imo = pl.when(imo_raw.str.contains(r"^\d{7}$")).then(imo_raw).otherwise(None)
    return [
        (imo_raw.is_not_null() & imo.is_null()).alias("_bad_imo"),
        c.text("name").alias("name"),
        imo.alias("imo"),
        c.text("callsign").alias("callsign"),
        c.text("ship_type").alias("ship_type"),
        c.text("flag").alias("flag"),
    ]


def _read_rows(
    path: Path, lf: pl.LazyFrame, c: _Columns, mmsi: pl.Expr, has_static: bool
) -> pl.DataFrame:
    """Every row with its epoch time: the time formats are sniffed from the first 2000
    rows; a row in another format is re-tried with every known format."""
    try:
        sample = (
            lf.select(c.col("time").alias("s")).head(2000).collect()["s"].drop_nulls().to_list()
        )
        t_main = epoch_seconds(c.col("time"), formats_in(sample))
        raw = lf.select(
            mmsi.alias("mmsi"),
            t_main.alias("t"),
            pl.when(t_main.is_null()).then(c.col("time")).otherwise(None).alias("_traw"),
            c.num("lat").alias("lat"),
            c.num("lon").alias("lon"),
            c.num("sog").alias("sog"),
            c.num("cog").alias("cog"),
            *(_static_exprs(c) if has_static else []),
        ).collect(engine="streaming")
    except (pl.exceptions.ComputeError, pl.exceptions.PolarsError, OSError) as exc:
        raise BadInputError(f"unreadable CSV: {str(exc).splitlines()[0]}", file=str(path)) from exc
    if raw["_traw"].null_count() < raw.height:
        raw = raw.with_columns(
            pl.when(pl.col("t").is_null())
            .then(epoch_seconds(pl.col("_traw")))
            .otherwise(pl.col("t"))
            .alias("t")
        )
    return raw.drop("_traw")


def _static_periods(raw: pl.DataFrame) -> pl.DataFrame:
    """The first and last report of each identity of each vessel, so the periods in which
    each was broadcast (and any overlap of two) are kept."""
    static = (
        raw.select("mmsi", "t", *STATIC_COLS)
        .filter(
            pl.col("mmsi").is_not_null()
            & pl.any_horizontal(pl.col(c).is_not_null() for c in STATIC_COLS)
        )
        .sort("mmsi", "t", nulls_last=True)
    )
    return (
        pl.concat(
            [
                static.unique(subset=["mmsi", *STATIC_COLS], keep="first"),
                static.unique(subset=["mmsi", *STATIC_COLS], keep="last"),
            ]
        )
        .unique(maintain_order=False)
        .sort("mmsi", "t", nulls_last=True)
        .cast(STATIC_SCHEMA)  # type: ignore[arg-type]
    )
