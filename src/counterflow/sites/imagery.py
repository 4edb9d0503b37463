"""Reading scenes: GeoTIFF (any CRS, any bit depth, nodata/NaN/alpha honoured) through
rasterio, plain PNG/JPEG (or a TIFF without georeference) through Pillow/rasterio in pixel
units. Every failure to read becomes a ``BadInputError`` naming the file.

``open_pair`` returns a ``PairSource``: the common grid of the two scenes (for GeoTIFFs a
UTM grid clipped to the site and to both footprints, at the coarser of the two native
resolutions, with both scenes warped onto it by ``rasterio.vrt.WarpedVRT``; for plain
images the after image's pixel grid) and a ``read(window)`` that returns both scenes' raw
bands and the validity mask for one window only, so a huge scene is never read whole.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from counterflow.errors import BadInputError

MAX_PLAIN_PIXELS = 64_000_000  # a plain image larger than this: use a (tiled) GeoTIFF
MAX_GRID_PIXELS = 1_000_000_000  # the common grid of a georeferenced pair
_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)")


@dataclass(slots=True)
class SceneInfo:
    """What the record keeps of one input scene."""

    path: str
    sha256: str
    bytes: int
    format: str  # geotiff | png | jpeg | tiff
    width: int
    height: int
    bands: int
    dtype: str
    crs: str | None = None
    resolution_m: float | None = None
    date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "bands": self.bands,
            "dtype": self.dtype,
            "crs": self.crs,
            "resolution_m": self.resolution_m,
            "date": self.date,
        }


def file_sha256(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            n += len(chunk)
    return h.hexdigest(), n


def date_from_name(name: str) -> str | None:
    """``YYYY-MM-DD`` from a file name holding ``YYYY-MM-DD`` or ``YYYYMMDD``, else None."""
    m = _DATE.search(name)
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else None


def _sniff(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except FileNotFoundError as exc:
        raise BadInputError("no such file", file=str(path)) from exc
    except OSError as exc:
        raise BadInputError(f"cannot read ({exc.strerror or exc})", file=str(path)) from exc
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if not head:
        raise BadInputError("empty file", file=str(path))
    raise BadInputError("not a GeoTIFF, TIFF, PNG or JPEG image", file=str(path))


def _rgb_indexes(ds: Any) -> list[int]:
    """1-based band indexes to use: red, green, blue by colour interpretation, else the
    first three bands, else the single band."""
    from rasterio.enums import ColorInterp

    ci = list(ds.colorinterp)
    want = [ColorInterp.red, ColorInterp.green, ColorInterp.blue]
    if all(c in ci for c in want):
        return [ci.index(c) + 1 for c in want]
    data = [i + 1 for i, c in enumerate(ci) if c != ColorInterp.alpha]
    return data[:3] if len(data) >= 3 else data[:1]


@dataclass
class PairSource:
    """Two scenes on one grid. ``read(row0, col0, h, w)`` -> (before, after, valid) raw
    arrays (H x W x C, their own dtypes) for that window of the grid."""

    before: SceneInfo
    after: SceneInfo
    height: int
    width: int
    bands: int
    georeferenced: bool
    crs: str | None = None
    transform: Any = None  # affine.Affine of the grid (georeferenced only)
    pixel_area_m2: float | None = None
    dtypes: tuple[str, str] = ("uint8", "uint8")
    site_geometry_grid: shapely.Geometry | None = None  # in the grid CRS
    warnings: list[str] = field(default_factory=list)
    _arrays: tuple[NDArray[Any], NDArray[Any], NDArray[np.bool_]] | None = None
    _vrts: tuple[Any, Any] | None = None
    _idx: tuple[list[int], list[int]] = ([], [])
    _vrt_kw: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
    _stack: ExitStack = field(default_factory=ExitStack)

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> PairSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(
        self, row0: int, col0: int, h: int, w: int, out_shape: tuple[int, int] | None = None
    ) -> tuple[NDArray[Any], NDArray[Any], NDArray[np.bool_]]:
        if self._arrays is not None:
            a, b, v = self._arrays
            sl = (slice(row0, row0 + h), slice(col0, col0 + w))
            a, b, v = a[sl], b[sl], v[sl]
            if out_shape is not None:
                step = max(1, int(np.ceil(max(h / out_shape[0], w / out_shape[1]))))
                a, b, v = a[::step, ::step], b[::step, ::step], v[::step, ::step]
            return a, b, v
        assert self._vrts is not None
        from rasterio.windows import Window

        if out_shape is not None and (row0, col0, h, w) == (0, 0, self.height, self.width):
            return self._overview(out_shape)
        win = Window(col0, row0, w, h)
        reads = []
        for vrt, idx in zip(self._vrts, self._idx, strict=True):
            shape = None if out_shape is None else (len(idx), *out_shape)
            data = vrt.read(indexes=idx, window=win, out_shape=shape)
            mshape = None if out_shape is None else out_shape
            reads.append((data, vrt.dataset_mask(window=win, out_shape=mshape) > 0))
        return _pair_of(reads)

    def _overview(
        self, out_shape: tuple[int, int]
    ) -> tuple[NDArray[Any], NDArray[Any], NDArray[np.bool_]]:
        """The whole grid reduced to ``out_shape``, warped straight onto the coarse grid
        (nearest source pixel: an unbiased sample of the pixel values for the statistics).
        A decimated read of the fine WarpedVRT is far slower (about a minute for a
        2,048^2 scene), since GDAL warps it block by block at full resolution."""
        from affine import Affine
        from rasterio.enums import Resampling
        from rasterio.vrt import WarpedVRT

        assert self._vrts is not None
        oh, ow = out_shape
        tr = self.transform * Affine.scale(self.width / ow, self.height / oh)
        reads = []
        for vrt, idx, kw in zip(self._vrts, self._idx, self._vrt_kw, strict=True):
            with WarpedVRT(
                vrt.src_dataset,
                crs=self.crs,
                transform=tr,
                width=ow,
                height=oh,
                resampling=Resampling.nearest,
                **kw,
            ) as coarse:
                reads.append((coarse.read(indexes=idx), coarse.dataset_mask() > 0))
        return _pair_of(reads)


def _pair_of(
    reads: list[tuple[NDArray[Any], NDArray[np.bool_]]],
) -> tuple[NDArray[Any], NDArray[Any], NDArray[np.bool_]]:
    """(before, after, valid) from each date's (bands, mask) read: bands last, and a
    pixel valid only where both masks hold and every float band is finite."""
    parts = []
    valid: NDArray[np.bool_] | None = None
    for data, mask in reads:
        fin = np.all(np.isfinite(data), axis=0) if data.dtype.kind == "f" else True
        m = mask & fin
        valid = m if valid is None else valid & m
        parts.append(np.moveaxis(data, 0, -1))
    assert valid is not None
    return parts[0], parts[1], valid


def _plain_array(path: Path, fmt: str) -> tuple[NDArray[Any], NDArray[np.bool_], str]:
    """(H x W x C raw, valid, dtype) of a plain image; C is 3 (RGB) or 1 (grey)."""
    if fmt == "tiff":
        return _tiff_array(path)
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PLAIN_PIXELS
    try:
        with Image.open(path) as im:
            im.load()
            mode = im.mode
            valid: NDArray[np.bool_] | None
            if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in im.info):
                rgba = im.convert("RGBA" if mode != "LA" else "LA")
                arr = np.asarray(rgba)
                valid = arr[..., -1] > 0
                data = arr[..., :-1]
            elif mode in ("I;16", "I;16B", "I;16L", "I", "F"):
                data = np.asarray(im)[..., None]
                valid = np.isfinite(data[..., 0]) if data.dtype.kind == "f" else None
            elif mode == "L" or mode == "1":
                data = np.asarray(im.convert("L"))[..., None]
                valid = None
            else:
                data = np.asarray(im.convert("RGB"))
                valid = None
    except Image.DecompressionBombError as exc:
        raise BadInputError(
            f"image larger than {MAX_PLAIN_PIXELS:,} pixels; supply it as a GeoTIFF"
            " (processed in windows)",
            file=str(path),
        ) from exc
    except UnidentifiedImageError as exc:
        raise BadInputError("not a readable image", file=str(path)) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise BadInputError(f"corrupt or truncated image ({exc})", file=str(path)) from exc
    if data.ndim == 2:
        data = data[..., None]
    if data.shape[-1] == 2:
        data = data[..., :1]
    if valid is None:
        valid = np.ones(data.shape[:2], dtype=bool)
    return data, valid, str(data.dtype)


def _tiff_array(path: Path) -> tuple[NDArray[Any], NDArray[np.bool_], str]:
    import rasterio
    from rasterio.errors import RasterioError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with rasterio.open(path) as ds:
                if ds.width * ds.height > MAX_PLAIN_PIXELS:
                    raise BadInputError(
                        f"TIFF without georeference larger than {MAX_PLAIN_PIXELS:,} pixels;"
                        " georeference it so it can be processed in windows",
                        file=str(path),
                    )
                idx = _rgb_indexes(ds)
                data = np.moveaxis(ds.read(indexes=idx), 0, -1)
                valid = ds.dataset_mask() > 0
    except RasterioError as exc:
        raise BadInputError(f"corrupt or unreadable TIFF ({exc})", file=str(path)) from exc
    if data.dtype.kind == "f":
        valid &= np.all(np.isfinite(data), axis=-1)
    return data, valid, str(data.dtype)


def _open_raster(path: Path, stack: ExitStack) -> Any:
    import rasterio
    from rasterio.errors import RasterioError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = stack.enter_context(rasterio.open(path))
    except RasterioError as exc:
        raise BadInputError(f"corrupt or unreadable TIFF ({exc})", file=str(path)) from exc
    return ds


def _info(path: Path, fmt: str, width: int, height: int, bands: int, dtype: str) -> SceneInfo:
    digest, size = file_sha256(path)
    return SceneInfo(
        path=str(path),
        sha256=digest,
        bytes=size,
        format=fmt,
        width=width,
        height=height,
        bands=bands,
        dtype=dtype,
        date=date_from_name(path.name),
    )


def _is_georeferenced(ds: Any) -> bool:
    return ds.crs is not None and not ds.transform.is_identity


GDAL_CACHE_MB = 128


def open_pair(before: Path, after: Path, site: shapely.Geometry | None = None) -> PairSource:
    """The two scenes on one grid (see the module docstring). ``site``: WGS84 polygon."""
    fmts = (_sniff(before), _sniff(after))
    stack = ExitStack()
    try:
        import rasterio

        # GDAL's block cache defaults to 5 % of the machine's memory; bound it (MiB) so a
        # large scene read in windows stays small.
        stack.enter_context(rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB))
        dss = [
            _open_raster(p, stack) if f == "tiff" else None
            for p, f in zip((before, after), fmts, strict=True)
        ]
        geo = [ds is not None and _is_georeferenced(ds) for ds in dss]
        if geo[0] and geo[1]:
            return _geo_pair(before, after, dss[0], dss[1], site, stack)
        if geo[0] != geo[1]:
            which = before if not geo[0] else after
            raise BadInputError(
                "one scene is georeferenced and the other is not; give both as GeoTIFFs"
                " or both as plain images of the same size",
                file=str(which),
            )
        stack.close()
        return _plain_pair(before, after, fmts, site)
    except BaseException:
        stack.close()
        raise


def _plain_pair(
    before: Path, after: Path, fmts: tuple[str, str], site: shapely.Geometry | None
) -> PairSource:
    a, va, da = _plain_array(before, fmts[0])
    b, vb, db = _plain_array(after, fmts[1])
    infos = [
        _info(p, "tiff" if f == "tiff" else f, arr.shape[1], arr.shape[0], arr.shape[2], d)
        for p, f, arr, d in ((before, fmts[0], a, da), (after, fmts[1], b, db))
    ]
    if a.shape[:2] != b.shape[:2]:
        raise BadInputError(
            f"the scenes differ in size ({a.shape[1]}x{a.shape[0]} before,"
            f" {b.shape[1]}x{b.shape[0]} after) and carry no georeference to co-register"
            " them; supply GeoTIFFs or crop both to the same area and size",
            file=str(after),
        )
    warn: list[str] = []
    if site is not None:
        warn.append(
            "plain images carry no georeference: the site polygon cannot clip them;"
            " the whole image was compared (pixel units)"
        )
    bands = min(a.shape[2], b.shape[2])
    if a.shape[2] != b.shape[2]:
        warn.append("one scene is single-band: both were compared as grey levels")
        a, b = _grey(a), _grey(b)
        bands = 1
    if da != db:
        warn.append(f"bit depths differ ({da} before, {db} after): both scaled to [0, 1]")
    src = PairSource(
        before=infos[0],
        after=infos[1],
        height=a.shape[0],
        width=a.shape[1],
        bands=bands,
        georeferenced=False,
        dtypes=(da, db),
        warnings=warn,
    )
    src._arrays = (a, b, va & vb)
    return src


def _grey(x: NDArray[Any]) -> NDArray[Any]:
    if x.shape[2] == 1:
        return x
    out: NDArray[Any] = x.astype(np.float32).mean(axis=2, keepdims=True)
    return out


def _utm_for(lon: float, lat: float) -> str:
    zone = int((lon + 180) // 6) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def _native_res_m(ds: Any, dst_crs: str) -> float:
    from rasterio.warp import calculate_default_transform

    t, _w, _h = calculate_default_transform(ds.crs, dst_crs, ds.width, ds.height, *ds.bounds)
    return float(max(abs(t.a), abs(t.e)))


def _footprint_wgs84(ds: Any) -> shapely.Geometry:
    from rasterio.warp import transform_bounds

    return shapely.box(*transform_bounds(ds.crs, "EPSG:4326", *ds.bounds, densify_pts=21))


def _geo_pair(
    before: Path,
    after: Path,
    da: Any,
    db: Any,
    site: shapely.Geometry | None,
    stack: ExitStack,
) -> PairSource:
    from affine import Affine
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT
    from rasterio.warp import transform_geom
    from shapely.geometry import mapping, shape

    fa, fb = _footprint_wgs84(da), _footprint_wgs84(db)
    infos = []
    for p, ds in ((before, da), (after, db)):
        info = _info(p, "geotiff", ds.width, ds.height, ds.count, str(ds.dtypes[0]))
        info.crs = str(ds.crs)
        infos.append(info)
    area = fa.intersection(fb)
    if area.is_empty or area.area == 0:
        raise BadInputError(
            f"the two scenes do not overlap (before covers {tuple(round(x, 5) for x in fa.bounds)},"
            f" after {tuple(round(x, 5) for x in fb.bounds)}, lon/lat)",
            file=str(after),
        )
    warn: list[str] = []
    if site is not None:
        for p, f in ((before, fa), (after, fb)):
            if not f.intersects(site):
                raise BadInputError(
                    f"the scene does not overlap the site (scene lon/lat bounds"
                    f" {tuple(round(x, 5) for x in f.bounds)}, site"
                    f" {tuple(round(x, 5) for x in site.bounds)})",
                    file=str(p),
                )
        covered = site.intersection(area)
        frac = float(covered.area / site.area) if site.area > 0 else 0.0
        if frac < 0.999:
            warn.append(
                f"the scenes cover {frac:.1%} of the site; the rest is reported as unusable"
            )
        area = covered
    c = area.centroid
    crs = _utm_for(c.x, c.y)
    res = max(_native_res_m(da, crs), _native_res_m(db, crs))
    area_utm = shape(transform_geom("EPSG:4326", crs, mapping(area)))
    minx, miny, maxx, maxy = area_utm.bounds
    minx, miny = np.floor(minx / res) * res, np.floor(miny / res) * res
    width = int(np.ceil((maxx - minx) / res))
    height = int(np.ceil((maxy - miny) / res))
    if width < 1 or height < 1:
        raise BadInputError("the overlap of the scenes and the site is under one pixel")
    if width * height > MAX_GRID_PIXELS:
        raise BadInputError(
            f"the common grid would be {width}x{height} pixels at {res:.2f} m; give a smaller"
            " site or crop the scenes",
            file=str(after),
        )
    transform = Affine(res, 0.0, minx, 0.0, -res, miny + height * res)
    idx = (_rgb_indexes(da), _rgb_indexes(db))
    if len(idx[0]) != len(idx[1]):
        warn.append("one scene is single-band: both were compared as grey levels")
        idx = (idx[0][:1], idx[1][:1])
    if da.dtypes[0] != db.dtypes[0]:
        warn.append(
            f"bit depths differ ({da.dtypes[0]} before, {db.dtypes[0]} after): both scaled"
            " to [0, 1]"
        )
    vrts = []
    kws: list[dict[str, Any]] = []
    for ds in (da, db):
        kw: dict[str, Any] = {}
        if ds.nodata is None and np.dtype(ds.dtypes[0]).kind == "f":
            kw["src_nodata"] = float("nan")  # NaN marks missing data in float scenes
            kw["nodata"] = float("nan")
        elif ds.nodata is None and not any(str(ci) == "ColorInterp.alpha" for ci in ds.colorinterp):
            kw["add_alpha"] = True
        kws.append(kw)
        vrts.append(
            stack.enter_context(
                WarpedVRT(
                    ds,
                    crs=crs,
                    transform=transform,
                    width=width,
                    height=height,
                    resampling=Resampling.bilinear,
                    **kw,
                )
            )
        )
    for info, ds in zip(infos, (da, db), strict=True):
        info.resolution_m = round(_native_res_m(ds, crs), 4)
    src = PairSource(
        before=infos[0],
        after=infos[1],
        height=height,
        width=width,
        bands=len(idx[0]),
        georeferenced=True,
        crs=crs,
        transform=transform,
        pixel_area_m2=res * res,
        dtypes=(str(da.dtypes[0]), str(db.dtypes[0])),
        site_geometry_grid=(
            shape(transform_geom("EPSG:4326", crs, mapping(site))) if site is not None else None
        ),
        warnings=warn,
        _stack=stack,
    )
    src._vrts = (vrts[0], vrts[1])
    src._idx = idx
    src._vrt_kw = (kws[0], kws[1])
    return src
