"""Helpers for the site-watch tests: small synthetic scenes written in the real formats
(PNG, JPEG, GeoTIFF in two CRSs with nodata/NaN), built in the test's temporary folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage as ndi

from counterflow.cli.main import main

SIZE = 192
ROOF = (slice(60, 110), slice(70, 130))  # rows, cols of the new building


def ground(seed: int = 0, size: int = SIZE) -> np.ndarray:
    """A textured, field-like RGB scene in [0, 1]."""
    rng = np.random.default_rng(seed)
    base = ndi.gaussian_filter(rng.random((size, size)), 6)
    base = (base - base.min()) / (np.ptp(base) + 1e-9)
    noise = rng.normal(0, 0.02, (size, size, 3))
    rgb = np.stack([0.35 + 0.2 * base, 0.4 + 0.25 * base, 0.25 + 0.15 * base], axis=-1)
    return np.clip(rgb + noise, 0, 1)


def with_building(img: np.ndarray) -> np.ndarray:
    out = img.copy()
    out[ROOF] = np.array([0.85, 0.82, 0.8])
    r, c = ROOF
    out[r.stop : r.stop + 6, c] = 0.1  # its shadow
    return out


def save_png(img: np.ndarray, path: Path) -> Path:
    Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8)).save(path)
    return path


def save_geotiff(
    img: np.ndarray,
    path: Path,
    *,
    crs: str = "EPSG:32639",
    origin: tuple[float, float] = (400000.0, 6180000.0),
    res: float = 1.0,
    dtype: str = "uint8",
    nodata: float | None = None,
) -> Path:
    import rasterio
    from rasterio.transform import from_origin

    data = np.moveaxis(img, -1, 0)
    if dtype == "uint8":
        data = (np.clip(data, 0, 1) * 255).astype(np.uint8)
    elif dtype == "uint16":
        data = (np.clip(data, 0, 1) * 4095).astype(np.uint16)
    else:
        data = data.astype(dtype)
    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": img.shape[1],
        "height": img.shape[0],
        "count": data.shape[0],
        "dtype": dtype,
        "crs": crs,
        "transform": from_origin(origin[0], origin[1], res, res),
    }
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data)
    return path


def site_geojson(path: Path, bounds_lonlat: tuple[float, float, float, float]) -> Path:
    import json

    x0, y0, x1, y1 = bounds_lonlat
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    path.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}))
    return path


def lonlat_bounds(crs: str, bounds: tuple[float, float, float, float]) -> tuple[float, ...]:
    from rasterio.warp import transform_bounds

    return tuple(transform_bounds(crs, "EPSG:4326", *bounds))


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err
