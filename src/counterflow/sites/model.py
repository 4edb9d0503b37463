"""The fitted change classifier: a LightGBM model over ``features.pixel_features`` of
the pair at a reduced scale, its decision threshold and where it came from.

Shipped as two small files in ``data/``: ``change_model.txt`` (LightGBM's own text
format, no pickle) and ``change_model.json`` (version, feature names, scale, threshold,
the images it was fitted on, the command that fitted it: ``python -m
counterflow.sites.fit``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage as ndi

from counterflow.errors import CounterflowError
from counterflow.sites.features import FEATURE_NAMES, FEATURE_VERSION, pixel_features

FloatImage = NDArray[np.float32]
MODEL_FILE = "change_model.txt"
META_FILE = "change_model.json"


@dataclass
class ChangeModel:
    booster: Any  # lightgbm.Booster
    threshold: float
    scale: int
    version: str
    meta: dict[str, Any] = field(default_factory=dict)
    threads: int = 2
    opening: int = 0  # binary opening iterations after thresholding
    min_area: int = 0  # connected regions (8-connected, full-resolution px) below are dropped
    hysteresis: float = 0.0  # > 0: a region over ``threshold`` must reach threshold + this
    fill_holes: bool = False  # fill enclosed holes of each region (roof interiors)

    def probability(self, before: FloatImage, after: FloatImage) -> FloatImage:
        """P(change) per pixel of the full-resolution grid (H x W)."""
        h, w = before.shape[:2]
        a, b = downscale(before, self.scale), downscale(after, self.scale)
        x = pixel_features(a, b)
        p = self.booster.predict(x.reshape(-1, x.shape[-1]), num_threads=self.threads)
        prob = np.asarray(p, dtype=np.float32).reshape(a.shape[:2])
        prob = ndi.gaussian_filter(prob, 1.0)
        return upscale(prob, self.scale, h, w)

    def predict(self, before: FloatImage, after: FloatImage) -> NDArray[np.bool_]:
        """The change mask: probability over the threshold (hysteresis: each region must
        also reach the high threshold somewhere), holes filled, opened, small blobs
        dropped (the settings were chosen together on held-out fitting images)."""
        return segment(
            self.probability(before, after),
            self.threshold,
            self.hysteresis,
            self.opening,
            self.min_area,
            self.fill_holes,
        )


def threshold_mask(prob: FloatImage, threshold: float, hysteresis: float) -> NDArray[np.bool_]:
    """``prob > threshold``; with ``hysteresis`` > 0 only the connected regions of it that
    hold a pixel over ``threshold + hysteresis`` (skimage's hysteresis thresholding)."""
    if hysteresis <= 0:
        out: NDArray[np.bool_] = prob > threshold
        return out
    from skimage.filters import apply_hysteresis_threshold

    high = min(threshold + hysteresis, 0.999)
    out = apply_hysteresis_threshold(prob, threshold, high)  # type: ignore[no-untyped-call]
    return out


def segment(
    prob: FloatImage,
    threshold: float,
    hysteresis: float,
    opening: int,
    min_area: int,
    fill_holes: bool = False,
) -> NDArray[np.bool_]:
    mask = threshold_mask(prob, threshold, hysteresis)
    return clean_mask(mask, opening, min_area, fill_holes)


def clean_mask(
    mask: NDArray[np.bool_], opening: int, min_area: int, fill_holes: bool = False
) -> NDArray[np.bool_]:
    """Object-level clean-up: holes enclosed by a region filled (``fill_holes``: a roof
    whose flat interior scored low is marked whole), morphological opening (``opening``
    iterations, 3x3 cross), and 8-connected regions smaller than ``min_area`` pixels
    dropped."""
    if fill_holes:
        mask = ndi.binary_fill_holes(mask)
    if opening:
        mask = ndi.binary_opening(mask, iterations=opening)
    if min_area > 1 and mask.any():
        labels, n = ndi.label(mask, structure=np.ones((3, 3), dtype=bool))
        keep = np.bincount(labels.ravel(), minlength=n + 1) >= min_area
        keep[0] = False
        mask = keep[labels]
    out: NDArray[np.bool_] = mask
    return out


def downscale(x: FloatImage, s: int) -> FloatImage:
    """Block mean by ``s`` (edge-padded up to a multiple of ``s``)."""
    if s == 1:
        return x
    h, w = x.shape[:2]
    ph, pw = (-h) % s, (-w) % s
    if ph or pw:
        x = np.pad(x, ((0, ph), (0, pw), (0, 0)), mode="edge")
    hh, ww = x.shape[0] // s, x.shape[1] // s
    out: FloatImage = x.reshape(hh, s, ww, s, x.shape[2]).mean(axis=(1, 3), dtype=np.float32)
    return out


def upscale(p: FloatImage, s: int, h: int, w: int) -> FloatImage:
    """Bilinear back to ``h`` x ``w`` (pixel centres aligned with ``downscale``)."""
    if s == 1:
        return p[:h, :w]
    out: FloatImage = ndi.zoom(p, s, order=1, mode="nearest", grid_mode=True)[:h, :w]
    return out.astype(np.float32, copy=False)


def save_model(booster: Any, threshold: float, scale: int, folder: Path, **meta: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(folder / MODEL_FILE))
    doc = {
        "version": meta.pop("version", "1"),
        "feature_version": FEATURE_VERSION,
        "features": list(FEATURE_NAMES),
        "scale": scale,
        "threshold": round(float(threshold), 4),
        "opening": int(meta.pop("opening", 0)),
        "min_area": int(meta.pop("min_area", 0)),
        "hysteresis": round(float(meta.pop("hysteresis", 0.0)), 4),
        "fill_holes": bool(meta.pop("fill_holes", False)),
        **meta,
    }
    (folder / META_FILE).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return folder / META_FILE


def load_model_from(folder: Path) -> ChangeModel:
    import lightgbm as lgb

    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        booster = lgb.Booster(model_file=str(folder / MODEL_FILE))
    except (OSError, ValueError, lgb.basic.LightGBMError) as exc:
        raise CounterflowError(f"cannot load the change model from {folder} ({exc})") from exc
    if meta.get("feature_version") != FEATURE_VERSION or meta.get("features") != list(
        FEATURE_NAMES
    ):
        raise CounterflowError(
            f"the change model in {folder} was fitted on other features; refit it with"
            " `python -m counterflow.sites.fit`"
        )
    return ChangeModel(
        booster=booster,
        threshold=float(meta["threshold"]),
        scale=int(meta["scale"]),
        version=str(meta.get("version", "?")),
        meta=meta,
        opening=int(meta.get("opening", 0)),
        min_area=int(meta.get("min_area", 0)),
        hysteresis=float(meta.get("hysteresis", 0.0)),
        fill_holes=bool(meta.get("fill_holes", False)),
    )


@lru_cache(maxsize=1)
def shipped_model() -> ChangeModel:
    """The model in the package's ``data/`` folder."""
    folder = Path(str(resources.files("counterflow.sites").joinpath("data")))
    return load_model_from(folder)
