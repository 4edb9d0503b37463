"""The small siamese CNN change detector, run in numpy (no deep-learning library at run
time): a shared encoder over the before and after images at a reduced scale, the
absolute difference and sum of their features at three scales, a small decoder, P(change)
per pixel.

Weights are a plain ``.npz`` (no pickle) written by ``benchmarks/sites_cnn_dev.py
--export`` (PyTorch, CPU) with batch normalisation folded into the convolutions, after it
checks this forward pass against PyTorch's logits; ``cnn.json`` beside it records the
version, scale, threshold, the scenes it was fitted on and the command. ``tests/sites``
checks the pieces (convolution, pooling, upsampling) against plain references.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from counterflow.errors import CounterflowError
from counterflow.sites.model import downscale, segment, upscale

F32 = NDArray[np.float32]
WEIGHTS_FILE = "cnn.npz"
META_FILE = "cnn.json"
BLOCKS = ("e1", "e2", "e3", "d2", "d1")
_ROWS = 48  # rows per convolution chunk (bounds the im2col copy)


def conv3x3(x: F32, w: F32, b: F32) -> F32:
    """3x3 convolution, zero padding 1, on an H x W x Cin array; ``w`` is
    Cout x Cin x 3 x 3 (PyTorch's layout)."""
    h, wd, cin = x.shape
    cout = w.shape[0]
    k = np.ascontiguousarray(w.transpose(2, 3, 1, 0).reshape(9 * cin, cout))
    xp = np.pad(x, ((1, 1), (1, 1), (0, 0)))
    out = np.empty((h, wd, cout), dtype=np.float32)
    for r0 in range(0, h, _ROWS):
        r1 = min(h, r0 + _ROWS)
        win = sliding_window_view(xp[r0 : r1 + 2], (3, 3), axis=(0, 1))  # R x W x C x 3 x 3
        cols = win.transpose(0, 1, 3, 4, 2).reshape((r1 - r0) * wd, 9 * cin)
        out[r0:r1] = (cols @ k + b).reshape(r1 - r0, wd, cout)
    return out


def block(x: F32, p: dict[str, F32], name: str) -> F32:
    """Two 3x3 convolutions (batch norm folded in), each followed by ReLU."""
    x = np.maximum(conv3x3(x, p[f"{name}.0.w"], p[f"{name}.0.b"]), 0.0)
    return np.maximum(conv3x3(x, p[f"{name}.1.w"], p[f"{name}.1.b"]), 0.0)


def maxpool2(x: F32) -> F32:
    h, w, c = x.shape
    out: F32 = x.reshape(h // 2, 2, w // 2, 2, c).max(axis=(1, 3))
    return out


def _up_axis(x: F32, axis: int) -> F32:
    n = x.shape[axis]
    src = np.maximum(np.arange(2 * n, dtype=np.float64) / 2.0 - 0.25, 0.0)
    i0 = np.floor(src).astype(np.intp)
    i1 = np.minimum(i0 + 1, n - 1)
    frac = (src - i0).astype(np.float32)
    shape = [1] * x.ndim
    shape[axis] = 2 * n
    frac = frac.reshape(shape)
    out: F32 = np.take(x, i0, axis=axis) * (1 - frac) + np.take(x, i1, axis=axis) * frac
    return out


def upsample2(x: F32) -> F32:
    """Bilinear x2, as PyTorch's ``interpolate(..., align_corners=False)``."""
    return _up_axis(_up_axis(x, 0), 1)


def standardise(x: F32) -> F32:
    """Zero mean, unit deviation per band (over the image)."""
    flat = x.reshape(-1, x.shape[-1])
    out: F32 = ((x - flat.mean(0)) / (flat.std(0) + 1e-3)).astype(np.float32)
    return out


def forward(p: dict[str, F32], a: F32, b: F32) -> F32:
    """Logit of change per pixel of two H x W x 3 standardised images (H, W multiples
    of 4)."""

    def encode(x: F32) -> tuple[F32, F32, F32]:
        f1 = block(x, p, "e1")
        f2 = block(maxpool2(f1), p, "e2")
        f3 = block(maxpool2(f2), p, "e3")
        return f1, f2, f3

    a1, a2, a3 = encode(a)
    b1, b2, b3 = encode(b)
    x = upsample2(np.abs(a3 - b3))
    x = block(np.concatenate([x, np.abs(a2 - b2), a2 + b2], axis=2), p, "d2")
    x = upsample2(x)
    x = block(np.concatenate([x, np.abs(a1 - b1), a1 + b1], axis=2), p, "d1")
    out: F32 = (x @ p["out.w"] + p["out.b"])[..., 0]
    return out


@dataclass
class CnnChangeModel:
    """P(change) from the CNN, thresholded (no morphology: the decoder draws shapes)."""

    params: dict[str, F32]
    threshold: float
    scale: int
    version: str
    meta: dict[str, Any] = field(default_factory=dict)

    def probability(self, before: F32, after: F32) -> F32:
        h, w = before.shape[:2]
        a = standardise(downscale(before, self.scale))
        b = standardise(downscale(after, self.scale))
        sh, sw = a.shape[:2]
        ph, pw = (-sh) % 4, (-sw) % 4
        if ph or pw:
            a = np.pad(a, ((0, ph), (0, pw), (0, 0)), mode="reflect")
            b = np.pad(b, ((0, ph), (0, pw), (0, 0)), mode="reflect")
        logit = forward(self.params, a, b)[:sh, :sw]
        prob = (1.0 / (1.0 + np.exp(-logit))).astype(np.float32)
        return upscale(prob, self.scale, h, w)

    def predict(self, before: F32, after: F32) -> NDArray[np.bool_]:
        return segment(self.probability(before, after), self.threshold, 0.0, 0, 0)


def load_cnn_from(folder: Path) -> CnnChangeModel:
    """The model in ``folder``; a missing, damaged or incomplete file is a clear error
    naming the folder."""
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        threshold, scale = float(meta["threshold"]), int(meta["scale"])
        with np.load(folder / WEIGHTS_FILE, allow_pickle=False) as z:
            params = {k: np.asarray(z[k], dtype=np.float32) for k in z.files}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CounterflowError(f"cannot load the CNN change model from {folder} ({exc})") from exc
    names = [f"{n}.{i}.{t}" for n in BLOCKS for i in (0, 1) for t in "wb"] + ["out.w", "out.b"]
    if missing := [k for k in names if k not in params]:
        raise CounterflowError(f"the CNN change model in {folder} lacks {', '.join(missing)}")
    return CnnChangeModel(params, threshold, scale, str(meta.get("version", "?")), meta)


@lru_cache(maxsize=1)
def shipped_cnn() -> CnnChangeModel:
    """The CNN in the package's ``data/`` folder."""
    return load_cnn_from(Path(str(resources.files("counterflow.sites").joinpath("data"))))
