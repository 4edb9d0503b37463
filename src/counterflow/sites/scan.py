"""One scan: two scenes -> change mask, polygons, images and summary in OUTDIR; and a
folder of dated scenes scanned pair by pair in date order.

The grid is processed in tiles of ``tile`` pixels (plus a margin for the features'
context), so memory is bounded by the tile, not the scene. Radiometric scaling and the
after->before matching are fitted once on a reduced read of the whole overlap.
Unusable pixels (outside either scene, nodata, NaN, transparent, outside the site) are
never change; their share is reported.

Large scenes and the classifier: a *CVA pre-pass* gates each window. The window is read
(as for every method) and its change-vector magnitude compared with the scene's Otsu
threshold on the overview (the CVA baseline's threshold) times ``GATE_FACTOR``, but never
below the overview's noise floor (median + ``GATE_SIGMAS`` robust standard deviations, so
a scene with almost no change does not put the gate inside the noise); only a
window holding a blob of such pixels (``GATE_MIN_PX`` after a 3 x 3 opening) is given to
the classifier, the others are no change. The gated windows' output is exactly the
ungated one; the skipped windows are counted in the summary (``prepass``). On by default
for scenes of more than ``PREPASS_MIN_TILES`` windows (``prepass=False`` or the CLI's
``--no-prepass`` turns it off), so a 20,000 x 20,000 scene with sparse change takes
minutes instead of hours.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from counterflow.errors import BadInputError, UsageError
from counterflow.sites import outputs
from counterflow.sites.baselines import cva_magnitude, pca_kmeans
from counterflow.sites.imagery import PairSource, date_from_name, open_pair
from counterflow.sites.radiometry import Matching, Scaling, fit_matching, scaling_for
from counterflow.sites.watchlist import Site

METHODS = ("classifier", "cnn", "cva", "pca-kmeans")
MODELS = ("classifier", "cnn")  # fitted: need colour, take the pre-pass
TILE = 1024
MARGIN = 64
OVERVIEW = 1024
IN_MEMORY_PIXELS = 64_000_000
PREPASS_MIN_TILES = 16
GATE_FACTOR = 0.5
GATE_SIGMAS = 6.0
GATE_MIN_PX = 16
SCENE_SUFFIXES = (".tif", ".tiff", ".png", ".jpg", ".jpeg")
NO_CHANGE, CHANGE, UNUSABLE = 0, 1, 2


@dataclass
class _Prepared:
    scale_a: Scaling
    scale_b: Scaling
    matching: Matching
    cva_threshold: float | None
    gate: float | None = None  # pre-pass: CVA magnitude that makes a window a candidate


def _to_float(
    src: PairSource, raw_a: NDArray[Any], raw_b: NDArray[Any], prep: _Prepared
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    a = prep.scale_a.apply(raw_a)
    b = prep.scale_b.apply(raw_b)
    if a.shape[2] != b.shape[2]:  # pragma: no cover - open_pair aligns bands
        a, b = a.mean(axis=2, keepdims=True), b.mean(axis=2, keepdims=True)
    return a, prep.matching.apply(b)


def _site_mask(src: PairSource, row0: int, col0: int, h: int, w: int, step: float = 1.0) -> Any:
    if src.site_geometry_grid is None:
        return True
    from affine import Affine
    from rasterio.features import geometry_mask
    from shapely.geometry import mapping

    t = src.transform * Affine.translation(col0, row0) * Affine.scale(step)
    return geometry_mask([mapping(src.site_geometry_grid)], (h, w), t, invert=True)


def _otsu_cva(a: NDArray[np.float32], b: NDArray[np.float32], valid: Any) -> float:
    from skimage.filters import threshold_otsu

    mag = cva_magnitude(a, b)[valid]
    flat = float(mag.max()) <= float(mag.min())
    return np.inf if flat else float(threshold_otsu(mag))  # type: ignore[no-untyped-call]


def _gate(a: NDArray[np.float32], b: NDArray[np.float32], valid: Any, otsu: float) -> float:
    mag = cva_magnitude(a, b)[valid]
    med = float(np.median(mag))
    floor = med + GATE_SIGMAS * 1.4826 * float(np.median(np.abs(mag - med)))
    return max(GATE_FACTOR * otsu, floor)


def _is_candidate(
    a: NDArray[np.float32], b: NDArray[np.float32], valid: NDArray[np.bool_], gate: float
) -> bool:
    """The pre-pass: does this window hold a blob of CVA magnitude above ``gate``?"""
    from scipy import ndimage as ndi

    hot = (cva_magnitude(a, b) > gate) & valid
    if np.count_nonzero(hot) < GATE_MIN_PX:
        return False
    return bool(np.count_nonzero(ndi.binary_opening(hot)) >= GATE_MIN_PX)


def _prepare(
    src: PairSource, method: str, prepass: bool = False
) -> tuple[_Prepared, tuple[Any, ...]]:
    step = max(1.0, src.height / OVERVIEW, src.width / OVERVIEW)
    oh, ow = max(1, int(src.height / step)), max(1, int(src.width / step))
    raw_a, raw_b, valid = src.read(0, 0, src.height, src.width, out_shape=(oh, ow))
    oh, ow = valid.shape
    step_r = src.height / oh
    valid = valid & _site_mask(src, 0, 0, oh, ow, step_r)
    if not valid.any():
        raise BadInputError(
            "no usable pixels: the scenes hold only nodata, NaN or transparent pixels"
            + (" inside the site" if src.site_geometry_grid is not None else ""),
            file=src.after.path,
        )
    sa = scaling_for(raw_a, valid, np.dtype(src.dtypes[0]))
    sb = scaling_for(raw_b, valid, np.dtype(src.dtypes[1]))
    a, b = sa.apply(raw_a), sb.apply(raw_b)
    matching = fit_matching(a, b, valid)
    b = matching.apply(b)
    thr = _otsu_cva(a, b, valid) if method == "cva" or prepass else None
    gate = _gate(a, b, valid, thr) if prepass and thr is not None else None
    return _Prepared(sa, sb, matching, thr if method == "cva" else None, gate), (a, b, valid)


def _detect_tile(
    a: NDArray[np.float32],
    b: NDArray[np.float32],
    valid: NDArray[np.bool_],
    method: str,
    prep: _Prepared,
    model: Any,
) -> NDArray[np.bool_]:
    if not valid.all():  # no difference where either scene is unusable
        fill = a.reshape(-1, a.shape[2])[valid.ravel()].mean(axis=0) if valid.any() else 0.5
        a = a.copy()
        b = b.copy()
        a[~valid] = fill
        b[~valid] = fill
    if method == "cva":
        assert prep.cva_threshold is not None
        out: NDArray[np.bool_] = cva_magnitude(a, b) > prep.cva_threshold
    elif method == "pca-kmeans":
        out = pca_kmeans(a, b, valid)
    else:
        out = model.predict(a, b)  # thresholded, opened, small blobs dropped
    return out & valid


def scan_pair(
    before: Path,
    after: Path,
    outdir: Path,
    *,
    site: Site | None = None,
    method: str = "cnn",
    tile: int = TILE,
    before_date: str | None = None,
    after_date: str | None = None,
    model: Any = None,
    prepass: bool | None = None,
) -> dict[str, Any]:
    """Scan one pair into ``outdir`` and return the summary (also ``summary.json``).
    ``prepass``: gate the classifier's windows by the CVA pre-pass (None: only for
    scenes of more than ``PREPASS_MIN_TILES`` windows)."""
    if method not in METHODS:
        raise UsageError(f"unknown method {method!r} (one of {', '.join(METHODS)})")
    if tile < 64:
        raise UsageError("tile must be at least 64 pixels")
    t0 = time.perf_counter()
    with open_pair(before, after, site.geometry if site else None) as src:
        warnings = list(src.warnings)
        used = method
        if src.bands == 1 and method in MODELS:
            used = "cva"
            warnings.append(
                f"single-band scene: the {method} needs colour; change vector analysis"
                " (Otsu threshold) was used instead"
            )
        if used == "classifier" and model is None:
            from counterflow.sites.model import shipped_model

            model = shipped_model()
        elif used == "cnn" and model is None:
            from counterflow.sites.cnn import shipped_cnn

            model = shipped_cnn()
        n_tiles = -(-src.height // tile) * -(-src.width // tile)
        if prepass is None:
            prepass = n_tiles > PREPASS_MIN_TILES
        prepass = prepass and used in MODELS
        prep, overview = _prepare(src, used, prepass)
        run_tiles = 0
        outdir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=outdir) as tmp:
            n = src.height * src.width
            if n > IN_MEMORY_PIXELS:
                state: NDArray[np.uint8] = np.lib.format.open_memmap(
                    Path(tmp) / "state.npy",
                    mode="w+",
                    dtype=np.uint8,
                    shape=(src.height, src.width),
                )
            else:
                state = np.zeros((src.height, src.width), dtype=np.uint8)
            site_px = changed = valid_px = 0
            for r0 in range(0, src.height, tile):
                for c0 in range(0, src.width, tile):
                    h, w = min(tile, src.height - r0), min(tile, src.width - c0)
                    er0, ec0 = max(0, r0 - MARGIN), max(0, c0 - MARGIN)
                    er1 = min(src.height, r0 + h + MARGIN)
                    ec1 = min(src.width, c0 + w + MARGIN)
                    raw_a, raw_b, valid = src.read(er0, ec0, er1 - er0, ec1 - ec0)
                    inside = _site_mask(src, er0, ec0, er1 - er0, ec1 - ec0)
                    valid = valid & inside
                    core = (slice(r0 - er0, r0 - er0 + h), slice(c0 - ec0, c0 - ec0 + w))
                    site_px += int(np.sum(inside[core])) if inside is not True else h * w
                    a, b = _to_float(src, raw_a, raw_b, prep)
                    if valid.any() and (prep.gate is None or _is_candidate(a, b, valid, prep.gate)):
                        change = _detect_tile(a, b, valid, used, prep, model)
                        run_tiles += 1
                    else:
                        change = np.zeros(valid.shape, dtype=bool)
                    s = np.where(change, CHANGE, np.where(valid, NO_CHANGE, UNUSABLE))
                    if inside is not True:
                        s = np.where(inside, s, 3)  # outside the site
                    state[r0 : r0 + h, c0 : c0 + w] = s[core]
                    changed += int(np.count_nonzero(s[core] == CHANGE))
                    valid_px += int(np.count_nonzero(s[core] <= CHANGE))
            if valid_px == 0:
                raise BadInputError(
                    "no usable pixels in the common area of the scenes", file=str(after)
                )
            if n > IN_MEMORY_PIXELS:  # the change mask as a file too: never held whole
                mask: NDArray[np.bool_] = np.lib.format.open_memmap(
                    Path(tmp) / "mask.npy", mode="w+", dtype=np.bool_, shape=state.shape
                )
                for r0 in range(0, src.height, tile):
                    mask[r0 : r0 + tile] = state[r0 : r0 + tile] == CHANGE
            else:
                mask = state == CHANGE
            outputs.write_mask(mask, outdir / "mask.png")
            feats = outputs.polygons(
                mask, transform=src.transform, crs=src.crs, pixel_area_m2=src.pixel_area_m2
            )
            a, b, v = overview
            step = max(1, int(np.ceil(max(src.height / v.shape[0], src.width / v.shape[1]))))
            small = mask[::step, ::step][: v.shape[0], : v.shape[1]]
            small_valid = (state[::step, ::step] <= CHANGE)[: v.shape[0], : v.shape[1]]
            hh, ww = small.shape
            outputs.render(a[:hh, :ww], b[:hh, :ww], small, small_valid, outdir)
            del mask, state
        outputs.write_geojson(feats, outdir / "changes.geojson", georeferenced=src.georeferenced)
        if before_date:
            src.before.date = before_date
        if after_date:
            src.after.date = after_date
        area_m2 = changed * src.pixel_area_m2 if src.pixel_area_m2 else None
        unusable = max(0, site_px - valid_px)
        summary: dict[str, Any] = {
            "changed_fraction": round(changed / valid_px, 6),
            "changed_area_m2": round(area_m2, 1) if area_m2 is not None else None,
            "polygons": len(feats),
            "method": used,
            "method_requested": method,
            "model_version": model.version if used in MODELS else None,
            "changed_px": changed,
            "valid_px": valid_px,
            "unusable_px": unusable,
            "unusable_fraction": round(unusable / site_px, 6) if site_px else 0.0,
            "grid": {
                "width": src.width,
                "height": src.height,
                "crs": src.crs,
                "transform": list(src.transform)[:6] if src.transform is not None else None,
                "pixel_area_m2": src.pixel_area_m2,
                "units": "m" if src.georeferenced else "pixels",
            },
            "before": src.before.to_dict(),
            "after": src.after.to_dict(),
            "site": None,
            "alert": None,
            "prepass": {
                "windows": n_tiles,
                "classified": run_tiles,
                "skipped": n_tiles - run_tiles,
                "gate": round(prep.gate, 5),
            }
            if prep.gate is not None
            else None,
            "warnings": warnings,
            "seconds": round(time.perf_counter() - t0, 3),
            "files": ["mask.png", "changes.geojson", "overlay.png", "before.png", "after.png"],
        }
        if site is not None:
            summary["site"] = {"name": site.name, "digest": site.digest, "origin": site.origin}
            summary["alert"] = {
                "threshold": site.threshold,
                "above": summary["changed_fraction"] >= site.threshold,
            }
    (outdir / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return summary


def dated_scenes(folder: Path) -> list[tuple[str, Path]]:
    """The scenes of ``folder`` with the date in their names, oldest first."""
    if not folder.is_dir():
        raise BadInputError("not a folder", file=str(folder))
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in SCENE_SUFFIXES)
    undated = [p.name for p in files if date_from_name(p.name) is None]
    if undated:
        raise BadInputError(
            f"{len(undated)} scene(s) have no YYYY-MM-DD or YYYYMMDD date in their name:"
            f" {', '.join(undated[:5])}",
            file=str(folder),
        )
    scenes = sorted(((date_from_name(p.name) or "", p) for p in files), key=lambda t: t)
    if len(scenes) < 2:
        raise BadInputError(
            f"{len(scenes)} dated scene(s); a folder scan needs at least two", file=str(folder)
        )
    dates = [d for d, _ in scenes]
    dup = sorted({d for d in dates if dates.count(d) > 1})
    if dup:
        raise BadInputError(f"several scenes share the date(s) {', '.join(dup)}", file=str(folder))
    return scenes
