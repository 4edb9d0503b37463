"""Radiometric normalisation: scale any bit depth to [0, 1] and match the after scene's
per-band distribution to the before scene's (quantile mapping over the pixels valid in
both), so that a change of sun, season, sensor gain or bit depth is not read as change.

The mapping is computed once (on the whole overlap, or a decimated read of it for large
scenes) and then applied window by window, so tiled processing stays consistent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatImage = NDArray[np.float32]
N_QUANTILES = 257


@dataclass(frozen=True, slots=True)
class Scaling:
    """Per-band linear scaling of raw values to [0, 1] (low -> 0, high -> 1, clipped)."""

    low: tuple[float, ...]
    high: tuple[float, ...]

    def apply(self, raw: NDArray[np.generic]) -> FloatImage:
        x = raw.astype(np.float32, copy=True)
        lo = np.asarray(self.low, dtype=np.float32)
        hi = np.asarray(self.high, dtype=np.float32)
        x = (x - lo) / np.maximum(hi - lo, 1e-12)
        out: FloatImage = np.clip(x, 0.0, 1.0, out=x)
        return out


def scaling_for(raw: NDArray[np.generic], valid: NDArray[np.bool_], dtype: np.dtype) -> Scaling:
    """8-bit data: the full 0..255 range. Anything else (12/16-bit counts, float
    reflectance): the 0.5 and 99.5 percentiles of the valid pixels of each band."""
    bands = raw.shape[-1]
    if dtype == np.uint8:
        return Scaling(low=(0.0,) * bands, high=(255.0,) * bands)
    lows: list[float] = []
    highs: list[float] = []
    for c in range(bands):
        v = raw[..., c][valid].astype(np.float64)
        v = v[np.isfinite(v)]
        if v.size == 0:
            lows.append(0.0)
            highs.append(1.0)
            continue
        lo, hi = np.percentile(v, [0.5, 99.5])
        lows.append(float(lo))
        highs.append(float(hi) if hi > lo else float(lo) + 1.0)
    return Scaling(low=tuple(lows), high=tuple(highs))


@dataclass(frozen=True, slots=True)
class Matching:
    """Per-band quantile mapping of the after image onto the before image."""

    src: tuple[tuple[float, ...], ...]  # per band: quantiles of the after image
    dst: tuple[tuple[float, ...], ...]  # per band: the same quantiles of the before image

    def apply(self, after: FloatImage) -> FloatImage:
        out = np.empty_like(after, dtype=np.float32)
        for c in range(after.shape[-1]):
            src = np.asarray(self.src[c])
            dst = np.asarray(self.dst[c])
            src, keep = np.unique(src, return_index=True)
            out[..., c] = np.interp(after[..., c], src, dst[keep]).astype(np.float32)
        return out


def fit_matching(before: FloatImage, after: FloatImage, valid: NDArray[np.bool_]) -> Matching:
    """Quantile mapping after -> before over ``valid`` pixels (both images in [0, 1])."""
    qs = np.linspace(0.0, 1.0, N_QUANTILES)
    src: list[tuple[float, ...]] = []
    dst: list[tuple[float, ...]] = []
    for c in range(before.shape[-1]):
        a = before[..., c][valid]
        b = after[..., c][valid]
        if a.size == 0:
            src.append((0.0, 1.0))
            dst.append((0.0, 1.0))
            continue
        src.append(tuple(float(x) for x in np.quantile(b, qs)))
        dst.append(tuple(float(x) for x in np.quantile(a, qs)))
    return Matching(src=tuple(src), dst=tuple(dst))
