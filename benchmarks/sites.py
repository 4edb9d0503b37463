"""Site watch benchmark: change detection on the 27 real labelled before/after pairs in
../shared/data/imagery (LEVIR-CD and WHU-CD building change, DSIFN-CD land-cover change),
and the time to scan a 1024 x 1024 pair.

    python benchmarks/sites.py [--imagery DIR] [--repeat 3]

Methods, in one run on the same radiometrically matched pairs:
  cva         change vector analysis, Otsu threshold (classic baseline)
  pca-kmeans  Celik 2009, PCA of 4x4 difference blocks + 2-means (classic baseline)
  classifier  Counterflow's LightGBM pixel classifier (spectral, texture, morphological
              features), grouped 5-fold cross-validation over the LEVIR-CD and WHU-CD
              scenes: each pair is scored by a model fitted only on the *other* folds'
              scenes (LEVIR crops are grouped with the tile they were cut from); DSIFN-CD
              is never fitted on (out of domain: land-cover change) and is scored by a
              model fitted on all LEVIR-CD and WHU-CD pairs.
Scores: precision, recall, F1 and IoU of the change class, pixels pooled per data set.
Target (issue 14): classifier F1 >= better baseline + 0.15 on LEVIR-CD and WHU-CD; a
1024 x 1024 scan under 5 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from counterflow.sites.baselines import cva_otsu, pca_kmeans  # noqa: E402
from counterflow.sites.fit import LabelledPair, fitted_model, levir_group, load_pairs  # noqa: E402
from counterflow.sites.scan import _detect_tile, _Prepared, scan_pair  # noqa: E402

DATASETS = (
    ("LEVIR-CD", "levir_cd", "levir"),
    ("LEVIR-CD", "levir_cd_1024", "levir"),
    ("WHU-CD", "whu_cd", "whu"),
    ("DSIFN-CD", "dsifn_cd", "dsifn"),
)
FIT_ON = ("levir", "whu")
FOLDS = 5
METHODS = ("cva", "pca-kmeans", "classifier")


def _counts(pred: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.array([np.sum(pred & y), np.sum(pred & ~y), np.sum(~pred & y)], dtype=np.int64)


def _scores(c: np.ndarray) -> tuple[float, float, float, float]:
    tp, fp, fn = (float(x) for x in c)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    iou = tp / (tp + fp + fn) if tp + fp + fn else 0.0
    return p, r, f, iou


def evaluate(pairs: list[LabelledPair], names: dict[str, str]) -> dict[tuple[str, str], np.ndarray]:
    counts: dict[tuple[str, str], np.ndarray] = {}
    fit_pool = [p for p in pairs if p.dataset in FIT_ON]
    groups = sorted({p.group for p in fit_pool})
    np.random.default_rng(7).shuffle(groups)
    fold_of = {g: f"fold{i % FOLDS}" for i, g in enumerate(groups)}
    models: dict[str, object] = {}
    for key in [*sorted(set(fold_of.values())), "out-of-domain"]:
        held = [p for p in pairs if fold_of.get(p.group, "out-of-domain") == key]
        train = [p for p in fit_pool if fold_of[p.group] != key]
        if key not in models:
            t0 = time.perf_counter()
            models[key] = fitted_model(train)
            print(
                f"  fitted for {key}: {len(train)} pairs, threshold"
                f" {models[key].threshold:.2f} ({time.perf_counter() - t0:.1f} s)",  # type: ignore[attr-defined]
                file=sys.stderr,
                flush=True,
            )
        model = models[key]
        for p in held:
            valid = np.ones(p.label.shape, dtype=bool)
            preds = {
                "cva": cva_otsu(p.before, p.after, valid),
                "pca-kmeans": pca_kmeans(p.before, p.after, valid),
                "classifier": _detect_tile(
                    p.before,
                    p.after,
                    valid,
                    "classifier",
                    _Prepared(None, None, None, None),
                    model,  # type: ignore[arg-type]
                ),
            }
            for m, pred in preds.items():
                k = (names[p.dataset], m)
                counts[k] = counts.get(k, np.zeros(3, dtype=np.int64)) + _counts(pred, p.label)
    return counts


def timing(imagery: Path, repeat: int) -> dict[str, float]:
    a = imagery / "levir_cd_1024" / "A" / "test_7.png"
    b = imagery / "levir_cd_1024" / "B" / "test_7.png"
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for m in METHODS:
            times = []
            for i in range(repeat + 1):
                t0 = time.perf_counter()
                scan_pair(a, b, Path(tmp) / f"{m}{i}", method=m)
                if i:  # the first run loads the model and warms caches
                    times.append(time.perf_counter() - t0)
            out[m] = statistics.median(times)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--imagery", type=Path, default=HERE.parent.parent / "shared/data/imagery")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not args.imagery.is_dir():
        print(f"no imagery at {args.imagery}", file=sys.stderr)
        return 1
    pairs: list[LabelledPair] = []
    names: dict[str, str] = {}
    for label, folder, short in DATASETS:
        pairs += load_pairs(args.imagery / folder, short, levir_group if short == "levir" else None)
        names[short] = label
    print(
        f"{len(pairs)} labelled pairs; grouped 5-fold CV by scene for the classifier",
        file=sys.stderr,
    )
    counts = evaluate(pairs, names)
    print("\n| data set | method | pairs | precision | recall | F1 | IoU |")
    print("|---|---|---:|---:|---:|---:|---:|")
    n_pairs = {lab: sum(1 for p in pairs if names[p.dataset] == lab) for lab in names.values()}
    f1: dict[tuple[str, str], float] = {}
    for lab in dict.fromkeys(names.values()):
        for m in METHODS:
            p, r, f, iou = _scores(counts[(lab, m)])
            f1[(lab, m)] = f
            print(f"| {lab} | {m} | {n_pairs[lab]} | {p:.3f} | {r:.3f} | {f:.3f} | {iou:.3f} |")
    print()
    ok = True
    for lab in ("LEVIR-CD", "WHU-CD"):
        base = max(f1[(lab, "cva")], f1[(lab, "pca-kmeans")])
        gain = f1[(lab, "classifier")] - base
        met = gain >= 0.15
        ok &= met
        print(
            f"{lab}: classifier F1 {f1[(lab, 'classifier')]:.3f} vs better baseline {base:.3f}:"
            f" {gain:+.3f} (target +0.15: {'met' if met else 'NOT met'})"
        )
    t = timing(args.imagery, args.repeat)
    load = os.getloadavg()
    print("\n| method | scan of a 1024x1024 pair (s, median) |")
    print("|---|---:|")
    for m, s in t.items():
        print(f"| {m} | {s:.2f} |")
    print(
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; target < 5 s:"
        f" {'met' if t['classifier'] < 5 else 'NOT met'}"
    )
    print("all targets met" if ok else "F1 target not met (see above)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
