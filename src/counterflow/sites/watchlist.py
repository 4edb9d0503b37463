"""Watched sites: the default list shipped with the package (``data/watchlist.geojson``,
each polygon with its public sources) plus the user's own, kept in
``$COUNTERFLOW_HOME/sites.json``. A user site of the same name replaces the default one.

A site is a WGS84 (lon/lat) polygon or multipolygon with a note, its sources and an alert
threshold: the changed fraction of the site above which a scan raises a ``site`` alert.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape

from counterflow.config import home
from counterflow.errors import BadInputError

DEFAULT_THRESHOLD = 0.01
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


@dataclass(slots=True)
class Site:
    name: str
    geometry: shapely.Geometry
    note: str = ""
    sources: list[str] = field(default_factory=list)
    threshold: float = DEFAULT_THRESHOLD
    origin: str = "default"  # default | user
    added_at: str = ""

    @property
    def digest(self) -> str:
        """sha256 of the polygon's canonical GeoJSON (recorded with every scan)."""
        doc = json.dumps(mapping(self.geometry), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(doc.encode()).hexdigest()

    def area_km2(self) -> float:
        from pyproj import Geod

        geod = Geod(ellps="WGS84")
        return abs(float(geod.geometry_area_perimeter(self.geometry)[0])) / 1e6

    def to_dict(self, *, geometry: bool = True) -> dict[str, Any]:
        minx, miny, maxx, maxy = self.geometry.bounds
        c = self.geometry.centroid
        out: dict[str, Any] = {
            "name": self.name,
            "note": self.note,
            "sources": list(self.sources),
            "threshold": self.threshold,
            "origin": self.origin,
            "added_at": self.added_at,
            "centroid": [round(c.x, 6), round(c.y, 6)],
            "bbox": [round(minx, 6), round(miny, 6), round(maxx, 6), round(maxy, 6)],
            "area_km2": round(self.area_km2(), 3),
            "digest": self.digest,
        }
        if geometry:
            out["geometry"] = mapping(self.geometry)
        return out


def sites_path() -> Path:
    return home() / "sites.json"


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise BadInputError(
            f"site name {name!r}: use letters, digits, '.', '_' or '-' (at most 80)",
            field="NAME",
        )
    return name


def geometry_from_geojson(doc: Any, *, file: str = "geojson") -> shapely.Geometry:
    """The (multi)polygon of a GeoJSON geometry, Feature or FeatureCollection (several
    polygons are unioned). Coordinates are WGS84 longitude, latitude."""
    geoms: list[Any] = []
    if not isinstance(doc, dict):
        raise BadInputError("not a GeoJSON object", file=file)
    kind = doc.get("type")
    if kind == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list) or not feats:
            raise BadInputError("FeatureCollection without features", file=file, field="features")
        geoms = [f.get("geometry") if isinstance(f, dict) else None for f in feats]
    elif kind == "Feature":
        geoms = [doc.get("geometry")]
    else:
        geoms = [doc]
    polys: list[shapely.Geometry] = []
    for i, g in enumerate(geoms):
        where = f"feature {i}" if len(geoms) > 1 else "geometry"
        if not isinstance(g, dict) or g.get("type") not in ("Polygon", "MultiPolygon"):
            got = g.get("type") if isinstance(g, dict) else type(g).__name__
            raise BadInputError(
                f"{where} is {got!r}; a site needs a Polygon or MultiPolygon", file=file
            )
        try:
            geom = shape(g)
        except Exception as exc:  # shapely raises several kinds on malformed rings
            raise BadInputError(f"{where}: malformed coordinates ({exc})", file=file) from exc
        minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise BadInputError(
                f"{where}: coordinates outside longitude/latitude range (bounds {geom.bounds});"
                " GeoJSON sites are WGS84 lon/lat",
                file=file,
            )
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        if geom.is_empty or geom.area <= 0:
            raise BadInputError(f"{where}: the polygon has no area", file=file)
        polys.append(geom)
    out: shapely.Geometry = shapely.union_all(polys)
    return out


def _defaults() -> dict[str, Site]:
    text = resources.files("counterflow.sites").joinpath("data/watchlist.geojson").read_text()
    doc = json.loads(text)
    out: dict[str, Site] = {}
    for f in doc["features"]:
        p = f["properties"]
        out[p["name"]] = Site(
            name=p["name"],
            geometry=shape(f["geometry"]),
            note=p.get("note", ""),
            sources=list(p.get("sources", [])),
            threshold=float(p.get("threshold", DEFAULT_THRESHOLD)),
            origin="default",
            added_at=str(doc.get("version", "")),
        )
    return out


def _user_doc() -> dict[str, Any]:
    path = sites_path()
    if not path.exists():
        return {"sites": []}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInputError(f"cannot read the watch list ({exc})", file=str(path)) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sites"), list):
        raise BadInputError("watch list file is not {'sites': [...]}", file=str(path))
    return doc


def load_sites() -> dict[str, Site]:
    """All watched sites by name: defaults, then the user's (which replace defaults)."""
    sites = _defaults()
    for i, s in enumerate(_user_doc()["sites"]):
        try:
            sites[s["name"]] = Site(
                name=s["name"],
                geometry=shape(s["geometry"]),
                note=s.get("note", ""),
                sources=list(s.get("sources", [])),
                threshold=float(s.get("threshold", DEFAULT_THRESHOLD)),
                origin="user",
                added_at=s.get("added_at", ""),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BadInputError(
                f"site entry {i} is malformed ({exc})", file=str(sites_path())
            ) from exc
    return sites


def get_site(name: str) -> Site:
    sites = load_sites()
    if name not in sites:
        raise BadInputError(
            f"no watched site {name!r} (known: {', '.join(sorted(sites))})", field="--site"
        )
    return sites[name]


def add_site(
    name: str,
    geojson: Path,
    *,
    note: str = "",
    sources: list[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    replace: bool = False,
) -> Site:
    """Add (or with ``replace`` overwrite) a user site from a GeoJSON file."""
    check_name(name)
    if not 0.0 < threshold <= 1.0:
        raise BadInputError("threshold is a changed fraction in (0, 1]", field="--threshold")
    try:
        doc = json.loads(geojson.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInputError(f"cannot read ({exc.strerror or exc})", file=str(geojson)) from exc
    except ValueError as exc:
        raise BadInputError(f"not JSON ({exc})", file=str(geojson)) from exc
    geom = geometry_from_geojson(doc, file=str(geojson))
    existing = load_sites()
    if name in existing and not replace:
        raise BadInputError(
            f"site {name!r} exists ({existing[name].origin}); use --replace to overwrite it",
            field="NAME",
        )
    site = Site(
        name=name,
        geometry=geom,
        note=note,
        sources=list(sources or [f"user file {geojson.name}"]),
        threshold=threshold,
        origin="user",
        added_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    user = _user_doc()
    user["sites"] = [s for s in user["sites"] if s.get("name") != name]
    user["sites"].append(
        {
            "name": name,
            "geometry": mapping(geom),
            "note": note,
            "sources": site.sources,
            "threshold": threshold,
            "added_at": site.added_at,
        }
    )
    path = sites_path()
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(user, indent=1), encoding="utf-8")
    tmp.replace(path)
    return site
