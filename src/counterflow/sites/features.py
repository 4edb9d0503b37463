"""Per-pixel features of a before/after pair for the fitted change classifier.

Difference (change-vector magnitude at several scales and its smoothed energy, the grey
difference after *local normalisation* of each date, signed grey and greenness change),
each date's smoothed colour, saturation and excess-green (vegetation), multi-scale
texture (gradient magnitude, local standard deviation, their change; local inter-date
correlation; the cosine between the two dates' gradient directions, which drops where a
structure appears or goes), and morphological building cues (white and black top-hats of
each date's grey level at 7, 15 and 31 px, which respond to compact bright roofs and dark
shadows, and their change). Every feature is given twice: as is, and standardised within
the image (minus its median, over its inter-quartile range), so a scene's own lighting,
season and sensor matter less than how a pixel stands out *in that scene*.

Input: float32 H x W x 3 in [0, 1], the after image already matched to the before one.
Output: float32 H x W x F, names in ``FEATURE_NAMES``. All filters are whole-array
scipy.ndimage calls (separable Gaussians, running min/max), no Python pixel loops.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage as ndi

FloatImage = NDArray[np.float32]

FEATURE_VERSION = 2
_CVA_SCALES = (1.0, 2.0, 4.0, 8.0, 16.0)
_ENERGY_SCALES = (2.0, 6.0, 12.0)
_LNORM_SCALES = (4.0, 12.0)
_GRAD_SCALES = (1.0, 2.0, 4.0)
_STD_SCALES = (3.0, 8.0)
_COS_SCALES = (2.0, 6.0)
_TOPHAT_SIZES = (7, 15, 31)


def _base_names() -> list[str]:
    n: list[str] = [f"cva_s{s:g}" for s in _CVA_SCALES]
    n += [f"cvaabs_s{s:g}" for s in _ENERGY_SCALES]
    n += ["cva_rel"]
    n += [f"lnorm_s{s:g}" for s in _LNORM_SCALES]
    for d in ("a", "b"):
        n += [f"{d}_{c}" for c in "rgb"] + [f"{d}_sat", f"{d}_exg", f"{d}_exg8"]
    n += ["exg_d", "gray_d2", "gray_d8"]
    for s in _GRAD_SCALES:
        n += [f"a_grad{s:g}", f"b_grad{s:g}", f"graddiff{s:g}"]
    for s in _STD_SCALES:
        n += [f"a_std{s:g}", f"b_std{s:g}", f"stdd{s:g}"]
    n += [f"corr{s:g}" for s in _STD_SCALES]
    n += [f"gcos{s:g}" for s in _COS_SCALES]
    for d in ("a", "b"):
        for z in _TOPHAT_SIZES:
            n += [f"{d}_wth{z}", f"{d}_bth{z}"]
    for k in ("wth", "bth"):
        for z in _TOPHAT_SIZES:
            n += [f"{k}d{z}", f"{k}dabs{z}"]
    return n


BASE_NAMES: tuple[str, ...] = tuple(_base_names())
FEATURE_NAMES: tuple[str, ...] = BASE_NAMES + tuple(f"z_{n}" for n in BASE_NAMES)


def _g(x: FloatImage, s: float) -> FloatImage:
    """Gaussian blur of the two spatial axes only (a colour stack is blurred per band).
    Wide blurs (sigma >= 2.5) are three passes of a running-mean box of the same variance,
    whose cost does not grow with the width."""
    sp = (s, s) + (0.0,) * (x.ndim - 2)
    if s < 2.5:
        out: FloatImage = ndi.gaussian_filter(x, sp, mode="reflect", truncate=3.0)
        return out
    w = int(np.sqrt(4.0 * s * s + 1.0) + 0.5) | 1
    out = x
    for _ in range(3):
        for ax in (0, 1):
            out = ndi.uniform_filter1d(out, w, axis=ax, mode="reflect")
    return out


def _local_std(x: FloatImage, s: float) -> FloatImage:
    m = _g(x, s)
    out: FloatImage = np.sqrt(np.maximum(_g(x * x, s) - m * m, 0.0))
    return out


def _base_features(a: FloatImage, b: FloatImage) -> list[FloatImage]:
    f: list[FloatImage] = []
    d = b - a
    ga, gb = a.mean(axis=-1), b.mean(axis=-1)
    for s in _CVA_SCALES:
        ds = _g(d, s)
        f.append(np.sqrt(np.sum(ds * ds, axis=-1)))
    ad = np.sqrt(np.sum(d * d, axis=-1))
    f += [_g(ad, s) for s in _ENERGY_SCALES]
    f.append(f[1] / (float(np.percentile(ad[::3, ::3], 75)) + 1e-3))
    for s in _LNORM_SCALES:
        za = (ga - _g(ga, s)) / (_local_std(ga, s) + 0.02)
        zb = (gb - _g(gb, s)) / (_local_std(gb, s) + 0.02)
        f.append(_g(np.abs(zb - za), 2.0))
    exg = {}
    for name, x in (("a", a), ("b", b)):
        xs = _g(x, 2.0)
        f += [xs[..., 0], xs[..., 1], xs[..., 2]]
        f.append(xs.max(axis=-1) - xs.min(axis=-1))
        exg[name] = 2 * xs[..., 1] - xs[..., 0] - xs[..., 2]
        f += [exg[name], _g(exg[name], 8.0)]
    f += [exg["b"] - exg["a"], _g(gb - ga, 2.0), _g(gb - ga, 8.0)]
    for s in _GRAD_SCALES:
        gra = ndi.gaussian_gradient_magnitude(ga, s)
        grb = ndi.gaussian_gradient_magnitude(gb, s)
        f += [gra, grb, _g(np.abs(grb - gra), 2.0)]
    for s in _STD_SCALES:
        sa, sb = _local_std(ga, s), _local_std(gb, s)
        f += [sa, sb, sb - sa]
    for s in _STD_SCALES:
        ma, mb = _g(ga, s), _g(gb, s)
        cov = _g(ga * gb, s) - ma * mb
        va = np.maximum(_g(ga * ga, s) - ma * ma, 0.0)
        vb = np.maximum(_g(gb * gb, s) - mb * mb, 0.0)
        f.append(cov / (np.sqrt(va * vb) + 1e-4))
    sa1, sb1 = _g(ga, 1.0), _g(gb, 1.0)
    ax, ay = ndi.sobel(sa1, 1), ndi.sobel(sa1, 0)
    bx, by = ndi.sobel(sb1, 1), ndi.sobel(sb1, 0)
    for s in _COS_SCALES:
        num = _g(ax * bx + ay * by, s)
        den = np.sqrt(_g(ax * ax + ay * ay, s) * _g(bx * bx + by * by, s)) + 1e-4
        f.append(num / den)
    tops: dict[tuple[str, str, int], FloatImage] = {}
    for name, x in (("a", ga), ("b", gb)):
        for z in _TOPHAT_SIZES:
            tops[(name, "wth", z)] = x - ndi.grey_opening(x, size=(z, z))
            tops[(name, "bth", z)] = ndi.grey_closing(x, size=(z, z)) - x
            f += [tops[(name, "wth", z)], tops[(name, "bth", z)]]
    for k in ("wth", "bth"):
        for z in _TOPHAT_SIZES:
            dd = tops[("b", k, z)] - tops[("a", k, z)]
            f += [dd, _g(np.abs(dd), 3.0)]
    return f


def pixel_features(before: FloatImage, after: FloatImage) -> FloatImage:
    """The H x W x F feature stack (see the module docstring)."""
    if before.shape != after.shape or before.ndim != 3 or before.shape[2] != 3:
        raise ValueError("pixel_features needs two H x W x 3 images of the same shape")
    a = np.ascontiguousarray(before, dtype=np.float32)
    b = np.ascontiguousarray(after, dtype=np.float32)
    h, w, _ = a.shape
    nb = len(BASE_NAMES)
    out = np.empty((h, w, 2 * nb), dtype=np.float32)
    base = _base_features(a, b)
    assert len(base) == nb
    for k, x in enumerate(base):
        out[:, :, k] = x
    sample = out[::3, ::3, :nb].reshape(-1, nb)
    q = np.percentile(sample, [25.0, 50.0, 75.0], axis=0).astype(np.float32)
    out[:, :, nb:] = (out[:, :, :nb] - q[1]) / (q[2] - q[0] + 1e-4)
    return out
