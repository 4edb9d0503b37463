"""Helpers shared by the maritime tests (plain module; tests import it by name)."""

from __future__ import annotations

import polars as pl

from counterflow.maritime.table import POSITIONS_SCHEMA


def track(rows: list[tuple[int, int, float, float, float | None]]) -> pl.DataFrame:
    """A sorted position table from (mmsi, t, lat, lon, sog) tuples."""
    return pl.DataFrame(
        [(m, t, la, lo, s, None) for m, t, la, lo, s in rows],
        schema=POSITIONS_SCHEMA,
        orient="row",
    ).sort("mmsi", "t")
