"""The one columnar AIS table every module shares, and its vessel static-data sidecar.

Positions: ``mmsi`` (Int64), ``t`` (Int64, epoch seconds UTC), ``lat``, ``lon`` (Float64,
degrees), ``sog`` and ``cog`` (Float64, knots / degrees, null when not sent). Static data:
``mmsi``, ``t``, ``name``, ``imo``, ``callsign``, ``ship_type``, ``flag`` (Utf8, null when
unknown; ``flag`` only where a CSV dialect has a flag column),
one row per change seen, so a vessel's name or IMO over time is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

POSITIONS_SCHEMA: dict[str, pl.DataType] = {
    "mmsi": pl.Int64(),
    "t": pl.Int64(),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "sog": pl.Float64(),
    "cog": pl.Float64(),
}
STATIC_SCHEMA: dict[str, pl.DataType] = {
    "mmsi": pl.Int64(),
    "t": pl.Int64(),
    "name": pl.Utf8(),
    "imo": pl.Utf8(),
    "callsign": pl.Utf8(),
    "ship_type": pl.Utf8(),
    "flag": pl.Utf8(),
}

EARTH_RADIUS_KM = 6371.0088
KM_PER_NM = 1.852

FloatArray = npt.NDArray[np.float64]


def empty_positions() -> pl.DataFrame:
    return pl.DataFrame(schema=POSITIONS_SCHEMA)


def empty_static() -> pl.DataFrame:
    return pl.DataFrame(schema=STATIC_SCHEMA)


@dataclass
class Drops:
    """Counted, reported drops and fixes, by reason (never silent)."""

    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, reason: str, n: int) -> None:
        if n:
            self.counts[reason] = self.counts.get(reason, 0) + int(n)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def merge(self, other: Drops) -> None:
        for k, v in other.counts.items():
            self.add(k, v)
        self.notes.extend(other.notes)

    @property
    def total(self) -> int:
        return sum(v for k, v in self.counts.items() if not k.startswith("fixed_"))

    def summary(self) -> str:
        if not self.counts and not self.notes:
            return "no rows dropped"
        parts = [f"{k}={v}" for k, v in sorted(self.counts.items())]
        return "; ".join(parts + self.notes)


@dataclass
class AisData:
    """Positions plus static data plus what was dropped on the way in."""

    positions: pl.DataFrame
    static: pl.DataFrame
    drops: Drops = field(default_factory=Drops)

    @staticmethod
    def concat(parts: list[AisData]) -> AisData:
        drops = Drops()
        for p in parts:
            drops.merge(p.drops)
        pos = [p.positions for p in parts if p.positions.height]
        st = [p.static for p in parts if p.static.height]
        return AisData(
            pl.concat(pos) if pos else empty_positions(),
            pl.concat(st) if st else empty_static(),
            drops,
        )


def haversine_km(
    lat1: FloatArray | float,
    lon1: FloatArray | float,
    lat2: FloatArray | float,
    lon2: FloatArray | float,
) -> FloatArray:
    """Great-circle distance in km, vectorised."""
    p1 = np.radians(lat1)
    p2 = np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi * 0.5) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb * 0.5) ** 2
    out: FloatArray = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return out


def fast_distance_km(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    """Equirectangular distance in km: within 0.1 % of great-circle up to a few hundred km,
    several times cheaper than haversine; used for consecutive-leg speeds."""
    dlon = np.abs(lon2 - lon1)
    dlon = np.minimum(dlon, 360.0 - dlon)
    x = dlon * np.cos(np.radians((lat1 + lat2) * 0.5)) * 111.320
    y = (lat2 - lat1) * 110.574
    out: FloatArray = np.sqrt(x * x + y * y)
    return out


def latest_static(static: pl.DataFrame) -> pl.DataFrame:
    """One row per MMSI: the most recent non-null name, IMO, call sign and type."""
    if static.height == 0:
        return pl.DataFrame(schema={k: v for k, v in STATIC_SCHEMA.items() if k != "t"})
    return (
        static.sort("mmsi", "t")
        .group_by("mmsi")
        .agg(
            pl.col("name").drop_nulls().last(),
            pl.col("imo").drop_nulls().last(),
            pl.col("callsign").drop_nulls().last(),
            pl.col("ship_type").drop_nulls().last(),
            pl.col("flag").drop_nulls().last(),
        )
    )
