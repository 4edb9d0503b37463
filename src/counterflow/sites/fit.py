"""Fitting the change classifier on labelled before/after pairs (``A/``, ``B/``,
``label/`` folders of same-named images, labels 0/255), as the benchmark does per
left-out image and as the shipped model was made:

    python -m counterflow.sites.fit IMAGERY/levir_cd IMAGERY/whu_cd -o src/counterflow/sites/data

Pixels are sampled at random from each training image (the natural change rate), a
LightGBM model is fitted on them, and the decision threshold is chosen by the F1 of
grouped 2-fold out-of-fold predictions *within the training images only*.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from counterflow.sites.features import FEATURE_NAMES, pixel_features
from counterflow.sites.model import ChangeModel, downscale, save_model
from counterflow.sites.radiometry import fit_matching

SCALE = 2
SAMPLES_PER_IMAGE = 2500
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.04, 0.61, 0.02))
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "num_leaves": 31,
    "learning_rate": 0.08,
    "n_estimators": 100,
    "min_child_samples": 40,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "verbose": -1,
    "n_jobs": 2,
}


@dataclass
class LabelledPair:
    dataset: str
    name: str
    group: str  # images cut from one scene share a group (left out together)
    before: NDArray[np.float32]  # matched, full resolution
    after: NDArray[np.float32]
    label: NDArray[np.bool_]
    features: NDArray[np.float32] | None = None  # at SCALE
    label_small: NDArray[np.bool_] | None = None


def read_rgb(path: Path) -> NDArray[np.float32]:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0


def load_pairs(folder: Path, dataset: str, group_of: Any = None) -> list[LabelledPair]:
    """Every ``A/x``, ``B/x``, ``label/x`` triple of ``folder``."""
    out: list[LabelledPair] = []
    for a_path in sorted((folder / "A").glob("*.png")):
        name = a_path.stem
        a = read_rgb(a_path)
        b = read_rgb(folder / "B" / a_path.name)
        with Image.open(folder / "label" / a_path.name) as im:
            y = np.asarray(im.convert("L")) > 127
        b = fit_matching(a, b, np.ones(y.shape, dtype=bool)).apply(b)
        group = group_of(name) if group_of else name
        out.append(LabelledPair(dataset, name, f"{dataset}:{group}", a, b, y))
    return out


def prepare(pairs: Sequence[LabelledPair], scale: int = SCALE) -> None:
    """Compute each pair's features and reduced label (once)."""
    for p in pairs:
        if p.features is None:
            p.features = pixel_features(downscale(p.before, scale), downscale(p.after, scale))
            y = downscale(p.label[..., None].astype(np.float32), scale)[..., 0]
            p.label_small = y > 0.5


def _sample(
    pairs: Sequence[LabelledPair], n: int, seed: int
) -> dict[str, tuple[NDArray[np.float32], NDArray[np.bool_]]]:
    rng = np.random.default_rng(seed)
    out = {}
    for p in pairs:
        assert p.features is not None and p.label_small is not None
        x = p.features.reshape(-1, len(FEATURE_NAMES))
        y = p.label_small.ravel()
        idx = rng.choice(y.size, size=min(y.size, n), replace=False)
        out[p.dataset + ":" + p.name] = (x[idx], y[idx])
    return out


def _train(rows: list[tuple[NDArray[np.float32], NDArray[np.bool_]]]) -> Any:
    import lightgbm as lgb

    x = np.concatenate([r[0] for r in rows])
    y = np.concatenate([r[1] for r in rows])
    return lgb.LGBMClassifier(**PARAMS).fit(x, y).booster_


def fit(pairs: Sequence[LabelledPair], *, scale: int = SCALE, seed: int = 0) -> tuple[Any, float]:
    """(LightGBM booster, threshold) fitted on ``pairs`` only."""
    prepare(pairs, scale)
    samples = _sample(pairs, SAMPLES_PER_IMAGE, seed)
    groups = sorted({p.group for p in pairs})
    rng = np.random.default_rng(seed + 1)
    rng.shuffle(groups)
    folds = [set(groups[i::2]) for i in range(min(2, len(groups)))]
    probs: list[NDArray[np.float64]] = []
    truth: list[NDArray[np.bool_]] = []
    for held in folds:
        inner = [samples[p.dataset + ":" + p.name] for p in pairs if p.group not in held]
        if not inner:
            continue
        booster = _train(inner)
        for p in pairs:
            if p.group in held:
                x, y = samples[p.dataset + ":" + p.name]
                probs.append(np.asarray(booster.predict(x)))
                truth.append(y)
    threshold = 0.5
    if probs:
        pr, yt = np.concatenate(probs), np.concatenate(truth)

        def f1(t: float) -> float:
            tp = float(np.sum((pr > t) & yt))
            return 2 * tp / max(float(np.sum(pr > t) + np.sum(yt)), 1.0)

        threshold = max(THRESHOLDS, key=f1)
    return _train(list(samples.values())), float(threshold)


def fitted_model(pairs: Sequence[LabelledPair], *, scale: int = SCALE) -> ChangeModel:
    booster, threshold = fit(pairs, scale=scale)
    return ChangeModel(booster=booster, threshold=threshold, scale=scale, version="cv")


def levir_group(name: str) -> str:
    """LEVIR-CD crops are named after their tile (``test_7_0256_0512`` -> ``test_7``)."""
    return "_".join(name.split("_")[:2])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("folders", nargs="+", type=Path, help="A/B/label folders")
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--version", default="1")
    args = ap.parse_args(argv)
    pairs: list[LabelledPair] = []
    for folder in args.folders:
        name = folder.name.split("_")[0]
        pairs += load_pairs(folder, name, levir_group if name == "levir" else None)
    booster, threshold = fit(pairs)
    path = save_model(
        booster,
        threshold,
        SCALE,
        args.output,
        version=args.version,
        fitted_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        fitted_on=[f"{p.dataset}/{p.name}" for p in pairs],
        command="python -m counterflow.sites.fit " + " ".join(str(f) for f in args.folders),
        params=PARAMS,
        samples_per_image=SAMPLES_PER_IMAGE,
    )
    print(f"wrote {path} (threshold {threshold}, {len(pairs)} pairs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
