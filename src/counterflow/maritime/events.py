"""The EVENTS table (INTERFACES.md, ``ais events``): the internal frame every detector
returns, and the CSV writer that adds IMO and vessel name and formats times as ISO 8601 UTC.

CSV columns, exactly: event_type,mmsi,imo,vessel_name,start_time,end_time,start_lat,
start_lon,end_lat,end_lon,duration_h,distance_km,port,other_mmsi,confidence,explanation.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from counterflow.csvout import write_frame
from counterflow.errors import BadInputError
from counterflow.maritime.table import latest_static

EVENT_COLUMNS = (
    "event_type",
    "mmsi",
    "imo",
    "vessel_name",
    "start_time",
    "end_time",
    "start_lat",
    "start_lon",
    "end_lat",
    "end_lon",
    "duration_h",
    "distance_km",
    "port",
    "other_mmsi",
    "confidence",
    "explanation",
)
EVENT_TYPES = (
    "gap",
    "port_call",
    "encounter",
    "loitering",
    "position_jump",
    "watch",
    "identity_change",
    "spoofing",
    "dark_detection",
)

# internal frame: times as epoch seconds; ``label`` is a machine-readable class
# (e.g. gap: likely_intentional / gap; watch: listed_vessel / route_ir_ru / area_gap ...)
INTERNAL_SCHEMA: dict[str, pl.DataType] = {
    "event_type": pl.Utf8(),
    "mmsi": pl.Int64(),
    "start_t": pl.Int64(),
    "end_t": pl.Int64(),
    "start_lat": pl.Float64(),
    "start_lon": pl.Float64(),
    "end_lat": pl.Float64(),
    "end_lon": pl.Float64(),
    "duration_h": pl.Float64(),
    "distance_km": pl.Float64(),
    "port": pl.Utf8(),
    "other_mmsi": pl.Int64(),
    "confidence": pl.Float64(),
    "explanation": pl.Utf8(),
    "label": pl.Utf8(),
}


def empty_events() -> pl.DataFrame:
    return pl.DataFrame(schema=INTERNAL_SCHEMA)


def conform(df: pl.DataFrame) -> pl.DataFrame:
    """Add missing internal columns as nulls and order them."""
    exprs = [
        (pl.col(c) if c in df.columns else pl.lit(None)).cast(t).alias(c)
        for c, t in INTERNAL_SCHEMA.items()
    ]
    return df.select(exprs)


def _iso(col: str) -> pl.Expr:
    return (
        pl.from_epoch(pl.col(col), time_unit="s")
        .dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        .alias(col.replace("_t", "_time"))
    )


def to_output(events: pl.DataFrame, static: pl.DataFrame) -> pl.DataFrame:
    """The EVENTS frame with exactly the contract's columns, sorted by vessel and time."""
    st = latest_static(static).select("mmsi", "imo", pl.col("name").alias("vessel_name"))
    ev = events.sort("mmsi", "start_t", "event_type", maintain_order=True).join(
        st, on="mmsi", how="left", maintain_order="left"
    )
    return ev.select(
        "event_type",
        "mmsi",
        "imo",
        "vessel_name",
        _iso("start_t"),
        _iso("end_t"),
        pl.col("start_lat").round(6),
        pl.col("start_lon").round(6),
        pl.col("end_lat").round(6),
        pl.col("end_lon").round(6),
        pl.col("duration_h").round(3),
        pl.col("distance_km").round(3),
        "port",
        "other_mmsi",
        pl.col("confidence").round(3),
        "explanation",
    )


def write_events_csv(events: pl.DataFrame, static: pl.DataFrame, path: Path) -> int:
    out = to_output(events, static)
    try:
        write_frame(out, path)
    except OSError as exc:
        raise BadInputError(
            f"cannot write the events file: {exc}", file=str(path), field="-o"
        ) from exc
    return out.height
