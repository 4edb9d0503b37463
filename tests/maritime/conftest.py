"""Shared helpers for the maritime tests."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from counterflow.maritime.table import POSITIONS_SCHEMA

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.fixture()
def fixtures() -> Path:
    return FIXTURES


def track(rows: list[tuple[int, int, float, float, float | None]]) -> pl.DataFrame:
    """A sorted position table from (mmsi, t, lat, lon, sog) tuples."""
    return (
        pl.DataFrame(
            [(m, t, la, lo, s, None) for m, t, la, lo, s in rows],
            schema=POSITIONS_SCHEMA,
            orient="row",
        )
        .sort("mmsi", "t")
    )
