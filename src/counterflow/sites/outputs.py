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
WINDOW = 2048  # large masks are written and polygonised in windows of this many pixels
PNG_LEVEL = 1  # zlib level: fast; the evidence PNGs are small anyway


def write_mask(mask: NDArray[np.bool_], path: Path) -> None:
    """``mask`` as a 0/255 PNG. A mask larger than one window (a memory-mapped scene
    mask) is streamed: windows into a temporary tiled GeoTIFF, then GDAL's PNG writer,
    which encodes line by line, so the whole mask is never held in memory."""
    h, w = mask.shape
    if h * w <= WINDOW * WINDOW:
        img = Image.fromarray(np.where(mask, 255, 0).astype(np.uint8), mode="L")
        img.save(path, compress_level=PNG_LEVEL)
        return
    import warnings

    import rasterio
    from rasterio.errors import NotGeoreferencedWarning
    from rasterio.shutil import copy as rio_copy
    from rasterio.windows import Window

    tmp = path.with_suffix(".tmp.tif")
    profile = {"driver": "GTiff", "height": h, "width": w, "count": 1, "dtype": "uint8"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(tmp, "w", tiled=True, compress="deflate", **profile) as dst:
                for r0 in range(0, h, WINDOW):
                    rows = min(WINDOW, h - r0)
                    block = np.where(mask[r0 : r0 + rows], 255, 0).astype(np.uint8)
                    dst.write(block, 1, window=Window(0, r0, w, rows))
            rio_copy(tmp, path, driver="PNG", ZLEVEL=PNG_LEVEL)
    finally:
        tmp.unlink(missing_ok=True)
        path.with_name(path.name + ".aux.xml").unlink(missing_ok=True)


def polygons(
    mask: NDArray[np.bool_],
    *,
    transform: Any = None,
    crs: str | None = None,
    pixel_area_m2: float | None = None,
) -> list[dict[str, Any]]:
    """GeoJSON features of the connected change regions (8-connected), largest first.
    Georeferenced: WGS84 lon/lat rings with ``area_m2``; else pixel (column, row) rings.
    The mask is polygonised in windows of ``WINDOW`` pixels (a memory-mapped scene mask
    is never read whole); regions cut by a window edge are joined again."""
    from affine import Affine
    from rasterio.warp import transform_geom
    from shapely.geometry import mapping

    tr = transform if transform is not None else Affine.identity()
    feats: list[dict[str, Any]] = []
    for poly in _window_polygons(mask, tr):
        geom = mapping(poly)
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


def _window_polygons(mask: NDArray[np.bool_], tr: Any) -> list[Any]:
    from affine import Affine
    from rasterio.features import shapes
    from shapely.geometry import shape
    from shapely.ops import unary_union

    h, w = mask.shape
    whole: list[Any] = []
    cut: list[Any] = []
    for r0 in range(0, h, WINDOW):
        for c0 in range(0, w, WINDOW):
            # one pixel of overlap with the next window so that cut regions share area
            r1, c1 = min(h, r0 + WINDOW + 1), min(w, c0 + WINDOW + 1)
            win = np.ascontiguousarray(mask[r0:r1, c0:c1])
            if not win.any():
                continue
            wt = tr @ Affine.translation(c0, r0)
            for geom, _val in shapes(win.astype(np.uint8), mask=win, connectivity=8, transform=wt):
                poly = shape(geom)
                minx, miny, maxx, maxy = _pixel_bounds(poly, tr)
                at_edge = (r0 > 0 and miny <= r0 + 1) or (r1 < h and maxy >= r1 - 1)
                at_edge |= (c0 > 0 and minx <= c0 + 1) or (c1 < w and maxx >= c1 - 1)
                (cut if at_edge else whole).append(poly)
    if cut:
        merged = unary_union(cut)
        whole += list(getattr(merged, "geoms", [merged]))
    return whole


def _pixel_bounds(poly: Any, tr: Any) -> tuple[float, float, float, float]:
    """(min col, min row, max col, max row) of a polygon given in ``tr``'s coordinates."""
    inv = ~tr
    xs, ys = [], []
    x0, y0, x1, y1 = poly.bounds
    for x, y in ((x0, y0), (x1, y1)):
        c, r = inv @ (x, y)
        xs.append(c)
        ys.append(r)
    return min(xs), min(ys), max(xs), max(ys)


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
    Image.fromarray(a8, "RGB").save(outdir / "before.png", compress_level=PNG_LEVEL)
    Image.fromarray(b8, "RGB").save(outdir / "after.png", compress_level=PNG_LEVEL)
    gap = np.full((a8.shape[0], 8, 3), 255, dtype=np.uint8)
    Image.fromarray(np.concatenate([a8, gap, b8, gap, ov8], axis=1), "RGB").save(
        outdir / "overlay.png", compress_level=PNG_LEVEL
    )
