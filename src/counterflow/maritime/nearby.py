"""Nearest port/anchorage within a radius for many positions at once: ports are registered
in every 0.1-degree cell their radius touches, positions are hash-joined on their cell, and
great-circle distances are computed only for those candidate pairs (no O(n*m))."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from counterflow.maritime.table import haversine_km

CELL_DEG = 0.1
_LON_CELLS = round(360 / CELL_DEG) + 2


def _cell_expr(lat: pl.Expr, lon: pl.Expr) -> pl.Expr:
    ci = ((lat + 90.0) / CELL_DEG).floor().cast(pl.Int64)
    cj = ((lon + 180.0) / CELL_DEG).floor().cast(pl.Int64)
    return ci * _LON_CELLS + cj


def port_cells(ports: pl.DataFrame, radius_km: float) -> pl.DataFrame:
    """(cell, port index) rows: each port in every cell within ``radius_km`` of it."""
    rows_cell: list[int] = []
    rows_idx: list[int] = []
    dlat = radius_km / 110.574
    n_lon_cells = round(360 / CELL_DEG)
    for i, (lat, lon) in enumerate(
        zip(ports["lat"].to_list(), ports["lon"].to_list(), strict=True)
    ):
        coslat = max(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1e-3)
        dlon = min(radius_km / (111.32 * coslat), 180.0)
        i0 = math.floor((lat - dlat + 90) / CELL_DEG)
        i1 = math.floor((lat + dlat + 90) / CELL_DEG)
        j0 = math.floor((lon - dlon + 180) / CELL_DEG)
        j1 = math.floor((lon + dlon + 180) / CELL_DEG)
        for ci in range(i0, i1 + 1):
            for cj in range(j0, j1 + 1):
                rows_cell.append(ci * _LON_CELLS + (cj % n_lon_cells))
                rows_idx.append(i)
    return pl.DataFrame(
        {"cell": rows_cell, "port_idx": rows_idx}, schema={"cell": pl.Int64, "port_idx": pl.Int64}
    )


def nearest_port(
    lat: np.ndarray,
    lon: np.ndarray,
    ports: pl.DataFrame,
    radius_km: float,
    cells: pl.DataFrame | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(port index or -1, distance km or inf) of the nearest port within ``radius_km``."""
    n = lat.shape[0]
    idx = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.inf)
    if n == 0 or ports.height == 0:
        return idx, dist
    if cells is None:
        cells = port_cells(ports, radius_km)
    pos = (
        pl.DataFrame({"lat": lat, "lon": lon})
        .with_row_index("row")
        .with_columns(_cell_expr(pl.col("lat"), pl.col("lon")).alias("cell"))
    )
    cand = pos.join(cells, on="cell", how="inner")
    if cand.height == 0:
        return idx, dist
    plat = ports["lat"].to_numpy()
    plon = ports["lon"].to_numpy()
    pi = cand["port_idx"].to_numpy()
    d = haversine_km(cand["lat"].to_numpy(), cand["lon"].to_numpy(), plat[pi], plon[pi])
    best = (
        cand.select("row", "port_idx")
        .with_columns(pl.Series("d", d))
        .filter(pl.col("d") <= radius_km)
        .sort("d")
        .unique(subset=["row"], keep="first")
    )
    r = best["row"].to_numpy().astype(np.int64)
    idx[r] = best["port_idx"].to_numpy()
    dist[r] = best["d"].to_numpy()
    return idx, dist
