"""Writing a scan's results: ``mask.png``, ``changes.geojson``, ``overlay.png`` (before /
after / change side by side), ``before.png`` and ``after.png`` (the rendered scenes the
evidence page shows) and ``summary.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

MAX_PANEL = 1024  # overlay panels are reduced to at most this many pixels a side


def write_mask(mask: NDArray[np.bool_], path: Path) -> None:
    Image.fromarray(np.where(mask, 255, 0).astype(np.uint8), mode="L").save(path)


def polygons(
    mask: NDArray[np.bool_],
    *,
    transform: Any = None,
    crs: str | None = None,
    pixel_area_m2: float | None = None,
) -> list[dict[str, Any]]:
    """GeoJSON features of the connected change regions (8-connected), largest first.
    Georeferenced: WGS84 lon/lat rings with ``area_m2``; else pixel (column, row) rings."""
    from affine import Affine
    from rasterio.features import shapes
    from rasterio.warp import transform_geom
    from shapely.geometry import mapping, shape

    if not mask.any():
        return []
    feats: list[dict[str, Any]] = []
    tr = transform if transform is not None else Affine.identity()
    m8 = mask.astype(np.uint8)
    for geom, _val in shapes(m8, mask=mask, connectivity=8, transform=tr):
        poly = shape(geom)
        px = float(poly.area) / (abs(tr.a * tr.e) if transform is not None else 1.0)
        props: dict[str, Any] = {"area_px": round(px)}
        if transform is not None and crs is not None:
            props["area_m2"] = round(float(poly.area), 2)
            c = poly.centroid
            out_geom = transform_geom(crs, "EPSG:4326", geom, precision=7)
            cg = transform_geom(crs, "EPSG:4326", mapping(c), precision=7)
            props["centroid"] = list(cg["coordinates"])
        else:
            out_geom = geom
            c = poly.centroid
            props["centroid_px"] = [round(c.x, 1), round(c.y, 1)]
        feats.append({"type": "Feature", "geometry": out_geom, "properties": props})
    feats.sort(key=lambda f: -int(f["properties"]["area_px"]))
    for i, f in enumerate(feats, 1):
        f["properties"] = {"id": i, **f["properties"]}
    return feats


def write_geojson(feats: list[dict[str, Any]], path: Path, *, georeferenced: bool) -> None:
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": feats}
    if not georeferenced:
        doc["counterflow_units"] = "pixels (x = column, y = row of the after image)"
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")


def to_uint8(x: NDArray[np.float32]) -> NDArray[np.uint8]:
    x = np.nan_to_num(x, nan=0.0)
    out: NDArray[np.uint8] = (np.clip(x, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return out


def _rgb(x: NDArray[np.float32]) -> NDArray[np.float32]:
    return np.repeat(x, 3, axis=2) if x.shape[2] == 1 else x[:, :, :3]


def render(
    before: NDArray[np.float32],
    after: NDArray[np.float32],
    mask: NDArray[np.bool_],
    valid: NDArray[np.bool_],
    outdir: Path,
) -> None:
    """before.png, after.png and overlay.png (before | after | after with change in red,
    unusable pixels hatched grey). Inputs may already be reduced."""
    a, b = _rgb(before), _rgb(after)
    a8, b8 = to_uint8(a), to_uint8(b)
    ov = b8.astype(np.float32) * 0.6
    ov[mask] = ov[mask] * 0.3 + np.array([255.0, 0.0, 0.0]) * 0.7
    bad = ~valid
    yy, xx = np.nonzero(bad)
    ov[yy, xx] = np.where(((yy + xx) % 8 < 4)[:, None], 160.0, 90.0)
    ov8 = ov.astype(np.uint8)
    Image.fromarray(a8, "RGB").save(outdir / "before.png")
    Image.fromarray(b8, "RGB").save(outdir / "after.png")
    gap = np.full((a8.shape[0], 8, 3), 255, dtype=np.uint8)
    Image.fromarray(np.concatenate([a8, gap, b8, gap, ov8], axis=1), "RGB").save(
        outdir / "overlay.png"
    )
