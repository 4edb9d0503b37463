"""The two classic unsupervised change detectors, used as baselines and as fallbacks.

* ``cva_otsu``: change vector analysis (the per-pixel magnitude of the spectral difference
  between the two dates) thresholded by Otsu's method (Malila 1980; Otsu 1979).
* ``pca_kmeans``: Celik (2009), "Unsupervised change detection in satellite images using
  principal component analysis and k-means clustering": PCA of the h x h blocks of the
  difference image, each pixel's neighbourhood projected on the first S components, two
  clusters by k-means; the cluster with the larger mean difference is "change".

Both take float images in [0, 1] (H x W x C, after radiometric matching) and a validity
mask, and return a boolean change mask (invalid pixels are never change).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from skimage.filters import threshold_otsu

FloatImage = NDArray[np.float32]
BoolMask = NDArray[np.bool_]


def cva_magnitude(before: FloatImage, after: FloatImage) -> FloatImage:
    """Length of the spectral change vector per pixel."""
    diff = after.astype(np.float32) - before.astype(np.float32)
    out: FloatImage = np.sqrt(np.sum(diff * diff, axis=-1, dtype=np.float32))
    return out


def cva_otsu(before: FloatImage, after: FloatImage, valid: BoolMask) -> BoolMask:
    """Change where the CVA magnitude exceeds Otsu's threshold over the valid pixels."""
    mag = cva_magnitude(before, after)
    vals = mag[valid]
    if vals.size == 0 or float(vals.max()) <= float(vals.min()):
        return np.zeros(mag.shape, dtype=bool)
    t = threshold_otsu(vals)  # type: ignore[no-untyped-call]
    out: BoolMask = (mag > t) & valid
    return out


def pca_kmeans(
    before: FloatImage,
    after: FloatImage,
    valid: BoolMask,
    *,
    block: int = 4,
    components: int = 3,
    seed: int = 0,
    max_fit: int = 200_000,
) -> BoolMask:
    """Celik (2009) on the absolute grey-level difference image (h = ``block``, S =
    ``components``). K-means is fitted on at most ``max_fit`` pixels, then applied to all."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    diff = np.abs(after.mean(axis=-1) - before.mean(axis=-1)).astype(np.float32)
    diff[~valid] = 0.0
    h, w = diff.shape
    if h < block or w < block:
        return cva_otsu(before, after, valid)
    # Non-overlapping blocks -> eigenvector space.
    hb, wb = h // block, w // block
    blocks = (
        diff[: hb * block, : wb * block]
        .reshape(hb, block, wb, block)
        .transpose(0, 2, 1, 3)
        .reshape(-1, block * block)
    )
    s = min(components, block * block)
    pca = PCA(n_components=s, random_state=seed).fit(blocks - blocks.mean(axis=0))
    # Each pixel's h x h neighbourhood (padded at the border), projected.
    pad = block // 2
    padded = np.pad(diff, ((pad, block - pad - 1), (pad, block - pad - 1)), mode="reflect")
    win = np.lib.stride_tricks.sliding_window_view(padded, (block, block))
    feats = np.empty((h * w, s), dtype=np.float32)
    comps = pca.components_.astype(np.float32).reshape(s, block, block)
    mean = pca.mean_.astype(np.float32).reshape(block, block)
    for k in range(s):
        feats[:, k] = np.einsum("ijab,ab->ij", win, comps[k]).ravel() - float(
            np.sum(mean * comps[k])
        )
    idx = np.flatnonzero(valid.ravel())
    if idx.size < 2:
        return np.zeros((h, w), dtype=bool)
    rng = np.random.default_rng(seed)
    fit_idx = rng.choice(idx, size=min(max_fit, idx.size), replace=False)
    km = KMeans(n_clusters=2, n_init=3, random_state=seed).fit(feats[fit_idx])
    labels = km.predict(feats).reshape(h, w)
    flat = diff.ravel()
    lab = labels.ravel()
    means = [
        float(flat[(lab == c) & valid.ravel()].mean()) if np.any(lab == c) else 0.0 for c in (0, 1)
    ]
    change_label = int(np.argmax(means))
    out: BoolMask = (labels == change_label) & valid
    return out
