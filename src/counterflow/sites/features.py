"""Per-pixel features of a before/after pair for the fitted change classifier.

Spectral (each date's smoothed colours), difference (change-vector magnitude at several
scales, per-band and signed grey differences, the magnitude relative to the whole pair's
median so a globally brighter scene does not look like change), texture (gradient
magnitude and local standard deviation per date and their change, the local correlation
of the two dates) and morphological building cues (white and black top-hats of each date's
grey level, which respond to compact bright or dark structures such as roofs and shadows,
and their change). Input: float32 H x W x 3 in [0, 1], the after image already matched to
the before one. Output: float32 H x W x F, names in ``FEATURE_NAMES``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage as ndi

FloatImage = NDArray[np.float32]

FEATURE_VERSION = 1
_DIFF_SCALES = (0.0, 1.0, 2.0, 4.0, 8.0)
_TOPHAT_SIZES = (9, 21)


def _g(x: FloatImage, s: float) -> FloatImage:
    if s <= 0:
        return x
    out: FloatImage = ndi.gaussian_filter(x, s, mode="reflect", truncate=3.0)
    return out


def _names() -> list[str]:
    n: list[str] = []
    n += [f"cva_s{s:g}" for s in _DIFF_SCALES]
    n += ["cva_rel_s2", "cva_s16"]
    n += [f"absdiff_{c}_s1" for c in "rgb"]
    n += ["graydiff_s1", "graydiff_s4"]
    n += [f"{d}_{c}_s1" for d in ("a", "b") for c in "rgb"]
    n += ["a_sat", "b_sat"]
    n += [f"{d}_grad_s{s:g}" for d in ("a", "b") for s in (1.0, 3.0)]
    n += ["graddiff_s1", "graddiff_s3"]
    n += ["a_std7", "b_std7", "stddiff7", "corr_s3"]
    n += [f"{d}_{k}{z}" for d in ("a", "b") for k in ("wth", "bth") for z in _TOPHAT_SIZES]
    n += [f"{k}diff{z}" for k in ("wth", "bth") for z in _TOPHAT_SIZES]
    return n


FEATURE_NAMES: tuple[str, ...] = tuple(_names())


def pixel_features(before: FloatImage, after: FloatImage) -> FloatImage:
    """The H x W x F feature stack (see the module docstring)."""
    if before.shape != after.shape or before.ndim != 3 or before.shape[2] != 3:
        raise ValueError("pixel_features needs two H x W x 3 images of the same shape")
    a = np.ascontiguousarray(before, dtype=np.float32)
    b = np.ascontiguousarray(after, dtype=np.float32)
    h, w, _ = a.shape
    out = np.empty((h, w, len(FEATURE_NAMES)), dtype=np.float32)
    k = 0

    def put(x: FloatImage) -> None:
        nonlocal k
        out[:, :, k] = x
        k += 1

    d = b - a
    a1 = np.stack([_g(a[:, :, c], 1.0) for c in range(3)], axis=-1)
    b1 = np.stack([_g(b[:, :, c], 1.0) for c in range(3)], axis=-1)
    cva = {}
    for s in _DIFF_SCALES:
        ds = d if s == 0 else np.stack([_g(d[:, :, c], s) for c in range(3)], axis=-1)
        cva[s] = np.sqrt(np.sum(ds * ds, axis=-1))
        put(cva[s])
    put(cva[2.0] / (float(np.median(cva[2.0])) + 1e-3))
    put(_g(cva[2.0], 16.0))
    for c in range(3):
        put(np.abs(b1[:, :, c] - a1[:, :, c]))
    ga = a.mean(axis=-1)
    gb = b.mean(axis=-1)
    gd = gb - ga
    put(_g(gd, 1.0))
    put(_g(gd, 4.0))
    for img in (a1, b1):
        for c in range(3):
            put(img[:, :, c])
    for img in (a1, b1):
        put(img.max(axis=-1) - img.min(axis=-1))
    grads = {}
    for name, g in (("a", ga), ("b", gb)):
        for s in (1.0, 3.0):
            grads[(name, s)] = ndi.gaussian_gradient_magnitude(g, s)
            put(grads[(name, s)])
    for s in (1.0, 3.0):
        put(np.abs(grads[("b", s)] - grads[("a", s)]))
    stds = {}
    for name, g in (("a", ga), ("b", gb)):
        m = ndi.uniform_filter(g, 7)
        m2 = ndi.uniform_filter(g * g, 7)
        stds[name] = np.sqrt(np.maximum(m2 - m * m, 0.0))
        put(stds[name])
    put(np.abs(stds["b"] - stds["a"]))
    ma, mb = _g(ga, 3.0), _g(gb, 3.0)
    cov = _g(ga * gb, 3.0) - ma * mb
    va = np.maximum(_g(ga * ga, 3.0) - ma * ma, 0.0)
    vb = np.maximum(_g(gb * gb, 3.0) - mb * mb, 0.0)
    put(cov / (np.sqrt(va * vb) + 1e-4))
    tops = {}
    for name, g in (("a", ga), ("b", gb)):
        for kind in ("wth", "bth"):
            for z in _TOPHAT_SIZES:
                if kind == "wth":
                    t = g - ndi.grey_opening(g, size=(z, z))
                else:
                    t = ndi.grey_closing(g, size=(z, z)) - g
                tops[(name, kind, z)] = t
                put(t)
    for kind in ("wth", "bth"):
        for z in _TOPHAT_SIZES:
            put(np.abs(tops[("b", kind, z)] - tops[("a", kind, z)]))
    assert k == len(FEATURE_NAMES)
    return out
