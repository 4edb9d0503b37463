"""A synthetic Caspian scenario built on real sea-lane geometry (the ``searoute`` package's
maritime network): no public Caspian AIS exists, so this is what the route flag is tested
on. Vessels (fictional names, MMSIs and IMOs):

* 273000001 ``VOLGA STAR``: 8 h in Amirabad, sails towards Makhachkala, goes dark once it
  is 55 nm offshore for 40 h, reappears about 40 km off Makhachkala and stays 10 h in port:
  the IR -> RU route flag must fire, the gap must be likely intentional.
* 273000002 ``CASPIAN LINK``: Anzali -> Astrakhan reporting all the way (no flag).
* 436000003 ``AKTAU TRADER``: Aktau -> Baku, no gap (no flag).
* 273000004 / 422000005: drift within ~200 m of each other mid-sea for 4 h (encounter).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from counterflow.csvout import write_frame
from counterflow.errors import BadInputError
from counterflow.maritime.ports import CASPIAN_PORTS
from counterflow.maritime.table import (
    KM_PER_NM,
    POSITIONS_SCHEMA,
    STATIC_SCHEMA,
    AisData,
    haversine_km,
)

T0 = 1_714_521_600  # 2024-05-01T00:00:00Z
_PORT = {p.name: (p.lat, p.lon) for p in CASPIAN_PORTS}


def sea_route(a: str, b: str) -> np.ndarray:
    """(lat, lon) polyline from port ``a`` to port ``b`` along searoute's sea lanes."""
    import searoute

    la, lo = _PORT[a]
    lb, lob = _PORT[b]
    feat = searoute.searoute([lo, la], [lob, lb], units="km")
    coords = [(la, lo)] + [(c[1], c[0]) for c in feat["geometry"]["coordinates"]] + [(lb, lob)]
    return np.array(coords, dtype=float)


def _densify(route: np.ndarray, step_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Points every ``step_km`` along the polyline and their cumulative km."""
    seg = haversine_km(route[:-1, 0], route[:-1, 1], route[1:, 0], route[1:, 1])
    cum = np.r_[0.0, np.cumsum(seg)]
    s = np.arange(0.0, cum[-1], step_km)
    s = np.r_[s, cum[-1]]
    lat = np.interp(s, cum, route[:, 0])
    lon = np.interp(s, cum, route[:, 1])
    return np.column_stack((lat, lon)), s


def _positions(mmsi: int, t: np.ndarray, latlon: np.ndarray, sog: np.ndarray) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "mmsi": np.full(t.shape[0], mmsi),
            "t": t.astype(np.int64),
            "lat": latlon[:, 0],
            "lon": latlon[:, 1],
            "sog": sog,
            "cog": np.full(t.shape[0], np.nan),
        },
        schema=POSITIONS_SCHEMA,
    ).with_columns(pl.col("cog").fill_nan(None))


def _stay(
    mmsi: int,
    t0: int,
    hours: float,
    where: tuple[float, float],
    every_s: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    t = np.arange(t0, t0 + int(hours * 3600), every_s)
    jitter = rng.normal(0, 0.0003, size=(t.shape[0], 2))
    ll = np.array(where)[None, :] + jitter
    return _positions(mmsi, t, ll, np.abs(rng.normal(0, 0.1, t.shape[0])))


def _voyage(
    mmsi: int,
    route: np.ndarray,
    t0: int,
    speed_kn: float,
    every_s: int,
    dark: tuple[float, float] | None = None,
) -> tuple[pl.DataFrame, int]:
    """Sail the route at ``speed_kn``; ``dark`` = (from km, to km) not reported. Returns
    positions and arrival time."""
    kmh = speed_kn * KM_PER_NM
    pts, s = _densify(route, kmh * every_s / 3600.0)
    t = t0 + s / kmh * 3600.0
    keep = np.ones(s.shape[0], dtype=bool)
    if dark:
        keep = (s < dark[0]) | (s > dark[1])
    return _positions(mmsi, t[keep], pts[keep], np.full(int(keep.sum()), speed_kn)), int(t[-1])


def scenario(seed: int = 7) -> AisData:
    """The positions and static data of the synthetic Caspian scenario."""
    from counterflow.maritime.shore import default_shore

    rng = np.random.default_rng(seed)
    parts: list[pl.DataFrame] = []
    # 1. Amirabad -> Makhachkala, dark for 40 h once 55 nm offshore
    route = sea_route("Amirabad", "Makhachkala")
    pts, s = _densify(route, 2.0)
    off = default_shore().distance_km(pts[:, 0], pts[:, 1]) / KM_PER_NM
    dark_from = float(s[np.argmax(off >= 55.0)]) if (off >= 55.0).any() else float(s[-1]) * 0.3
    dark_to = float(s[-1]) - 40.0
    t_dep = T0 + 8 * 3600
    speed_vis = 10.0
    parts.append(_stay(273000001, T0, 8.0, _PORT["Amirabad"], 600, rng))
    t_dark = t_dep + dark_from / (speed_vis * KM_PER_NM) * 3600
    first, _ = _voyage(273000001, route, t_dep, speed_vis, 180, dark=(dark_from, float(s[-1]) + 1))
    parts.append(first)
    # reappear 40 h after going dark, 40 km before port, then sail in
    t_back = int(t_dark + 40 * 3600)
    tail_route = np.vstack([pts[s >= dark_to], route[-1:]])
    last, t_arr = _voyage(273000001, tail_route, t_back, speed_vis, 180)
    parts.append(last)
    parts.append(_stay(273000001, t_arr + 600, 10.0, _PORT["Makhachkala"], 600, rng))
    # 2. Anzali -> Astrakhan, reporting throughout
    r2 = sea_route("Anzali", "Astrakhan")
    parts.append(_stay(273000002, T0, 6.0, _PORT["Anzali"], 600, rng))
    v2, t2 = _voyage(273000002, r2, T0 + 6 * 3600, 11.0, 300)
    parts.append(v2)
    parts.append(_stay(273000002, t2 + 600, 6.0, _PORT["Astrakhan"], 600, rng))
    # 3. Aktau -> Baku
    r3 = sea_route("Aktau", "Baku")
    parts.append(_stay(436000003, T0, 4.0, _PORT["Aktau"], 600, rng))
    v3, t3 = _voyage(436000003, r3, T0 + 4 * 3600, 12.0, 300)
    parts.append(v3)
    parts.append(_stay(436000003, t3 + 600, 4.0, _PORT["Baku"], 600, rng))
    # 4. two vessels drifting side by side mid-sea for 4 h
    meet = (41.5, 50.5)
    tm = T0 + 20 * 3600
    parts.append(_stay(273000004, tm, 4.0, meet, 300, rng))
    parts.append(_stay(422000005, tm + 60, 4.0, (meet[0] + 0.0015, meet[1]), 300, rng))
    pos = pl.concat(parts).sort("mmsi", "t")
    static = pl.DataFrame(
        [
            (273000001, T0, "VOLGA STAR", "9000003", "UBZZ1", "70", None),
            (273000002, T0, "CASPIAN LINK", "9000015", "UBZZ2", "70", None),
            (436000003, T0, "AKTAU TRADER", "9000027", "UNZZ3", "70", None),
            (273000004, T0, "SEA BIRD", None, "UBZZ4", "80", None),
            (422000005, T0, "DARYA", None, "EPZZ5", "80", None),
        ],
        schema=STATIC_SCHEMA,
        orient="row",
    )
    return AisData(pos, static)


def write_csv(path: Path, seed: int = 7) -> int:
    """Write the scenario as a NOAA MarineCadastre-style CSV; returns rows written."""
    data = scenario(seed)
    st = data.static.select("mmsi", "name", "imo", "callsign", "ship_type")
    out = data.positions.join(st, on="mmsi", how="left").select(
        pl.col("mmsi").alias("MMSI"),
        pl.from_epoch("t", time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%S").alias("BaseDateTime"),
        pl.col("lat").round(6).alias("LAT"),
        pl.col("lon").round(6).alias("LON"),
        pl.col("sog").round(1).alias("SOG"),
        pl.col("cog").alias("COG"),
        pl.col("name").alias("VesselName"),
        ("IMO" + pl.col("imo")).alias("IMO"),
        pl.col("callsign").alias("CallSign"),
        pl.col("ship_type").alias("VesselType"),
    )
    try:
        write_frame(out, path)  # the one guarded CSV writer
    except OSError as exc:
        raise BadInputError(f"cannot write: {exc}", file=str(path), field="-o") from exc
    return out.height
