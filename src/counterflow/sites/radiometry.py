"""Radiometric normalisation: scale any bit depth to [0, 1] and match the after scene's
per-band level and contrast to the before scene's (a robust gain and offset from the
medians and inter-quartile ranges of the pixels valid in both), so that a change of
sun, haze, sensor gain or bit depth is not read as change.

The mapping is computed once (on the whole overlap, or a decimated read of it for large
scenes) and then applied window by window, so tiled processing stays consistent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatImage = NDArray[np.float32]
QUANTILES = (0.25, 0.5, 0.75)


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
    """Per-band gain and offset that map the after image onto the before image."""

    gain: tuple[float, ...]
    offset: tuple[float, ...]

    def apply(self, after: FloatImage) -> FloatImage:
        g = np.asarray(self.gain, dtype=np.float32)
        o = np.asarray(self.offset, dtype=np.float32)
        out: FloatImage = np.clip(after * g + o, 0.0, 1.0).astype(np.float32, copy=False)
        return out


def fit_matching(before: FloatImage, after: FloatImage, valid: NDArray[np.bool_]) -> Matching:
    """Robust linear matching over ``valid`` pixels: the after band's median and
    inter-quartile range are mapped onto the before band's. Unlike full histogram
    matching, a large real change (a new bright roof over a tenth of the scene) is not
    squeezed away; a change of sun, haze or gain is removed."""
    gains: list[float] = []
    offsets: list[float] = []
    for c in range(before.shape[-1]):
        a = before[..., c][valid]
        b = after[..., c][valid]
        if a.size == 0:
            gains.append(1.0)
            offsets.append(0.0)
            continue
        qa = np.quantile(a, QUANTILES)
        qb = np.quantile(b, QUANTILES)
        spread_a, spread_b = float(qa[2] - qa[0]), float(qb[2] - qb[0])
        gain = spread_a / spread_b if spread_b > 1e-4 else 1.0
        gain = float(np.clip(gain, 0.2, 5.0))
        gains.append(gain)
        offsets.append(float(qa[1]) - gain * float(qb[1]))
    return Matching(gain=tuple(gains), offset=tuple(offsets))
