"""Nearest port/anchorage within a radius for many positions at once, without O(n*m):

1. ports are registered (vectorised) in every 0.05-degree cell their radius touches; positions
   in no such cell (a look-up in a dense bitmap) are done at once (most positions at sea);
2. the rest are quantised to 0.001 degree (about 110 m, far below the 3/4 km thresholds;
   GFW's own anchorages are S2 cells of about 0.5 km) and de-duplicated, since ships in
   and near port report the same spot again and again;
3. the unique spots find their candidate ports in a k-d tree of the ports on the sphere
   (chord distance, with a margin that keeps every port the distance below can accept),
   and distances are computed for those candidate pairs only (equirectangular, exact to
   metres at these ranges); of two ports at the same distance the first in the table wins.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from counterflow.maritime.table import EARTH_RADIUS_KM

CELL_DEG = 0.05
QUANT = 1000.0  # 1/0.001 degree
_N_LON = round(360 / CELL_DEG)
_LON_CELLS = _N_LON + 2
KM_LAT = 110.574
BLOCK = 1 << 16  # positions per block of the cell look-up
KM_LON = 111.320

_N_LAT = round(180 / CELL_DEG) + 1
_cells_cache: dict[tuple[int, int, float], pl.DataFrame] = {}
_bitmap_cache: dict[int, tuple[pl.DataFrame, np.ndarray]] = {}
_tree_cache: dict[tuple[int, int], cKDTree] = {}


def _touched_bitmap(cells: pl.DataFrame) -> np.ndarray:
    """Dense boolean map (lat cell x lon cell) of the cells some port touches (cached per
    cell table; 26 MB at 0.05 degree)."""
    hit = _bitmap_cache.get(id(cells))
    if hit is not None and hit[0] is cells:
        return hit[1]
    bm = np.zeros(_N_LAT * _LON_CELLS, dtype=bool)
    c = cells["cell"].to_numpy()
    bm[c[(c >= 0) & (c < bm.size)]] = True
    if len(_bitmap_cache) > 4:
        _bitmap_cache.clear()
    _bitmap_cache[id(cells)] = (cells, bm)
    return bm


def _fingerprint(ports: pl.DataFrame) -> int:
    # keyed on content, not id(): a freed frame's id can be reused by a different table
    return int(ports.select(pl.struct("lat", "lon").hash(seed=7).sum()).item() or 0)


def port_cells(ports: pl.DataFrame, radius_km: float) -> pl.DataFrame:
    """(cell, port_idx) rows: each port in every cell within ``radius_km`` of it (cached)."""
    key = (_fingerprint(ports), ports.height, radius_km)
    hit = _cells_cache.get(key)
    if hit is not None:
        return hit
    dlat = radius_km / KM_LAT
    df = (
        ports.select("lat", "lon")
        .with_row_index("port_idx")
        .with_columns(
            (
                radius_km
                / (KM_LON * ((pl.col("lat").abs() + dlat).clip(upper_bound=89.9)).radians().cos())
            )
            .clip(upper_bound=180.0)
            .alias("dlon")
        )
        .with_columns(
            pl.int_ranges(
                ((pl.col("lat") - dlat + 90) / CELL_DEG).floor().cast(pl.Int64),
                ((pl.col("lat") + dlat + 90) / CELL_DEG).floor().cast(pl.Int64) + 1,
            ).alias("ci"),
            pl.int_ranges(
                ((pl.col("lon") - pl.col("dlon") + 180) / CELL_DEG).floor().cast(pl.Int64),
                ((pl.col("lon") + pl.col("dlon") + 180) / CELL_DEG).floor().cast(pl.Int64) + 1,
            ).alias("cj"),
        )
        .explode("ci")
        .explode("cj")
        .select(
            (pl.col("ci") * _LON_CELLS + (pl.col("cj") % _N_LON)).alias("cell"),
            pl.col("port_idx").cast(pl.Int64),
            pl.col("lat").alias("plat"),
            pl.col("lon").alias("plon"),
        )
    )
    if len(_cells_cache) > 16:
        _cells_cache.clear()
    _cells_cache[key] = df
    return df


def _xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on the sphere (km, Earth's mean radius) for chord-distance search."""
    phi = np.radians(lat)
    lam = np.radians(lon)
    out: np.ndarray = (
        np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))
        * EARTH_RADIUS_KM
    )
    return out


def _port_tree(ports: pl.DataFrame) -> cKDTree:
    """A k-d tree of the ports on the sphere (cached per ports table, keyed on content)."""
    key = (_fingerprint(ports), ports.height)
    hit = _tree_cache.get(key)
    if hit is not None:
        return hit
    tree = cKDTree(_xyz(ports["lat"].to_numpy(), ports["lon"].to_numpy()))
    if len(_tree_cache) > 4:
        _tree_cache.clear()
    _tree_cache[key] = tree
    return tree


def nearest_port(
    lat: np.ndarray, lon: np.ndarray, ports: pl.DataFrame, radius_km: float
) -> tuple[np.ndarray, np.ndarray]:
    """(port index or -1, distance km or inf) of the nearest port within ``radius_km``
    (equirectangular distance from the position quantised to 0.001 degree; of two ports
    at the same distance, the first)."""
    n = lat.shape[0]
    idx = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.inf)
    if n == 0 or ports.height == 0:
        return idx, dist
    cells = port_cells(ports, radius_km)
    # numpy look-up in a dense bitmap of the touched cells: one pass, no hash join, in
    # blocks that stay in cache
    touched = _touched_bitmap(cells)
    found = []
    for a in range(0, n, BLOCK):
        ci = np.clip(np.floor((lat[a : a + BLOCK] + 90.0) / CELL_DEG), 0, _N_LAT - 1)
        cj = np.clip(np.floor((lon[a : a + BLOCK] + 180.0) / CELL_DEG), 0, _LON_CELLS - 1)
        cell = ci.astype(np.int64) * _LON_CELLS + cj.astype(np.int64)
        found.append(np.nonzero(touched[cell])[0] + a)
    rows = np.concatenate(found)
    if rows.size == 0:
        return idx, dist
    # the spots (0.001 degree): a ship in port repeats its spot row after row, so equal
    # neighbours are merged before the unique
    q = np.round(lat[rows] * QUANT).astype(np.int64) * 1_000_000 + np.round(
        lon[rows] * QUANT
    ).astype(np.int64)
    brk = np.r_[True, q[1:] != q[:-1]]
    spots, inv = np.unique(q[brk], return_inverse=True)
    spot_of = inv.ravel()[np.cumsum(brk) - 1]
    qla = np.round(spots / 1_000_000).astype(np.int64)
    qla_deg = qla.astype(np.float64) / QUANT
    qlo_deg = (spots - qla * 1_000_000).astype(np.float64) / QUANT
    # candidate ports by chord distance on the sphere: a port within radius_km by the
    # equirectangular distance below lies within 1.006 x radius_km by chord
    pairs = cKDTree(_xyz(qla_deg, qlo_deg)).sparse_distance_matrix(
        _port_tree(ports), radius_km * 1.02 + 0.01, output_type="ndarray"
    )
    si = pairs["i"].astype(np.int64)
    pj = pairs["j"].astype(np.int64)
    # the distance as polars computes it from the spot's key (the numbers the port
    # calls have always had)
    plat = pl.col("plat")
    qla_e = (pl.col("q") / 1_000_000).round().cast(pl.Int64)
    qlo_e = pl.col("q") - qla_e * 1_000_000
    qla_d = qla_e.cast(pl.Float64) / QUANT
    dlon = (qlo_e.cast(pl.Float64) / QUANT - pl.col("plon")).abs()
    dlon = pl.min_horizontal(dlon, 360.0 - dlon)
    dx = dlon * KM_LON * ((qla_d + plat) * 0.5).radians().cos()
    dy = (qla_d - plat) * KM_LAT
    best = (
        pl.DataFrame(
            {
                "s": si,
                "port_idx": pj,
                "q": spots[si],
                "plat": ports["lat"].to_numpy()[pj],
                "plon": ports["lon"].to_numpy()[pj],
            }
        )
        .select("s", "port_idx", (dx * dx + dy * dy).sqrt().alias("d"))
        .filter(pl.col("d") <= radius_km)
    )
    # per spot the nearest; of equal distances the first port
    bs = best["s"].to_numpy()
    bd = best["d"].to_numpy()
    bp = best["port_idx"].to_numpy()
    s_d = np.full(spots.size, np.inf)
    np.minimum.at(s_d, bs, bd)
    at = bd == s_d[bs]
    s_idx = np.full(spots.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(s_idx, bs[at], bp[at])
    s_idx[~np.isfinite(s_d)] = -1
    idx[rows] = s_idx[spot_of]
    dist[rows] = s_d[spot_of]
    return idx, dist
