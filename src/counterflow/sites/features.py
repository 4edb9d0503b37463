"""Per-pixel features of a before/after pair for the fitted change classifier.

Difference (change-vector magnitude at several scales and its smoothed energy, the grey
difference after *local normalisation* of each date, signed grey and greenness change),
each date's smoothed colour, saturation and excess-green (vegetation), multi-scale
texture (gradient magnitude, local standard deviation, their change; local inter-date
correlation; the cosine between the two dates' gradient directions, which drops where a
structure appears or goes), and morphological building cues (white and black top-hats of
each date's grey level at 7, 15 and 31 px, which respond to compact bright roofs and dark
shadows, and their change). Version 3 adds building-shape cues: the structure tensor's
coherence (high along roads and field edges, low on compact roofs) and its smaller
eigenvalue (corners) at two scales per date, small white top-hats of each date's
brightness (max of the bands) and their change, a shadow map (dark, unsaturated pixels)
smoothed at two scales per date and its change, and the change magnitude outside
vegetation. Every feature is given twice: as is, and standardised within
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

FEATURE_VERSION = 3
_CVA_SCALES = (1.0, 2.0, 4.0, 8.0, 16.0)
_ENERGY_SCALES = (2.0, 6.0, 12.0)
_LNORM_SCALES = (4.0, 12.0)
_GRAD_SCALES = (1.0, 2.0, 4.0)
_STD_SCALES = (3.0, 8.0)
_COS_SCALES = (2.0, 6.0)
_TOPHAT_SIZES = (7, 15, 31)
_ST_SCALES = (2.0, 4.0)
_BRIGHT_TOPHAT_SIZES = (3, 5, 9)
_SHADOW_SCALES = (1.5, 4.0)


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
    for s in _ST_SCALES:
        n += [f"a_coh{s:g}", f"b_coh{s:g}", f"cohd{s:g}"]
        n += [f"a_corner{s:g}", f"b_corner{s:g}", f"cornerd{s:g}"]
    for z in _BRIGHT_TOPHAT_SIZES:
        n += [f"a_bwth{z}", f"b_bwth{z}", f"bwthd{z}"]
    for s in _SHADOW_SCALES:
        n += [f"a_shadow{s:g}", f"b_shadow{s:g}", f"shadowd{s:g}"]
    n += ["cva_noveg"]
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


def _structure(gray: FloatImage, s: float) -> tuple[FloatImage, FloatImage]:
    """Coherence (0 isotropic .. 1 one direction) and the square root of the smaller
    eigenvalue of the structure tensor smoothed at ``s``."""
    gx, gy = ndi.sobel(gray, 1), ndi.sobel(gray, 0)
    jxx, jyy, jxy = _g(gx * gx, s), _g(gy * gy, s), _g(gx * gy, s)
    tr = jxx + jyy
    disc = np.sqrt((jxx - jyy) ** 2 + 4.0 * jxy * jxy)
    coh: FloatImage = disc / (tr + 1e-4)
    corner: FloatImage = np.sqrt(np.maximum((tr - disc) * 0.5, 0.0))
    return coh, corner


def _shadow(x: FloatImage) -> FloatImage:
    """Dark (lowest 15 % of the scene's brightness) and unsaturated pixels."""
    v = x.max(axis=-1)
    dark = v < float(np.percentile(v[::2, ::2], 15))
    out: FloatImage = dark.astype(np.float32) * (1.0 - (v - x.min(axis=-1)))
    return out


def _shape_features(
    a: FloatImage, b: FloatImage, ga: FloatImage, gb: FloatImage
) -> list[FloatImage]:
    f: list[FloatImage] = []
    for s in _ST_SCALES:
        ca, ka = _structure(ga, s)
        cb, kb = _structure(gb, s)
        f += [ca, cb, cb - ca, ka, kb, kb - ka]
    va, vb = a.max(axis=-1), b.max(axis=-1)
    for z in _BRIGHT_TOPHAT_SIZES:
        wa = va - ndi.grey_opening(va, size=(z, z))
        wb = vb - ndi.grey_opening(vb, size=(z, z))
        f += [wa, wb, _g(wb - wa, 1.5)]
    sa, sb = _shadow(a), _shadow(b)
    for s in _SHADOW_SCALES:
        f += [_g(sa, s), _g(sb, s), _g(sb - sa, s)]
    exg_b = 2 * b[..., 1] - b[..., 0] - b[..., 2]
    d = np.sqrt(np.sum((b - a) ** 2, axis=-1))
    f.append(_g(d * (exg_b < 0.05), 2.0))
    return f


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
    return f + _shape_features(a, b, ga, gb)


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
