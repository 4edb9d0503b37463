"""Fit the calibrated scorer's parameters on the fit split of the development benchmark
(``devset``) and write ``src/counterflow/match/calibration_v1.json``.

    python benchmarks/fit_scorer.py [--home DIR] [--dry-run]

A logistic model over ``counterflow.match.calibration.FEATURES`` with each weight held
to its sign (monotone: more agreement never lowers a score), fitted by L-BFGS-B
(scipy) on the log-loss plus a small L2 penalty. Labelled pairs: a query's truth
records (1), its candidates with conflicting identifiers (0), and every candidate of a
real company or person name (0). The dev split reports the fit; the test split is never
read here.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import devset
from screening import load_store

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "counterflow" / "match" / "calibration_v1.json"


def labelled_rows(
    screener: Any, cases: list[devset.Case], limit: int = 10
) -> tuple[list[dict[str, float]], list[int], list[int]]:
    """(features, label, case number) of every labelled candidate of ``cases``."""
    index = screener.index
    pidx_of = {f"{m.dataset}:{m.source_id}": k for k, m in enumerate(index.parties)}
    feats: list[dict[str, float]] = []
    labels: list[int] = []
    owners: list[int] = []
    for n, case in enumerate(cases):
        hits = screener.screen(case.query, threshold=0.0, limit=limit + 5, attach_party=False)
        hits = [h for h in hits if h.dataset != case.own][:limit]
        for h in hits:
            if case.group == "listed":
                if h.entity_id in case.truth:
                    y = 1
                elif devset.conflicts(case, index.evidence(pidx_of[h.entity_id]).ids):
                    y = 0
                else:
                    continue
            else:
                y = 0
            feats.append(h.features)
            labels.append(y)
            owners.append(n)
    return feats, labels, owners


def matrix(feats: list[dict[str, float]], names: list[str]) -> np.ndarray[Any, Any]:
    x = np.zeros((len(feats), len(names)), dtype=np.float64)
    col = {k: i for i, k in enumerate(names)}
    for r, f in enumerate(feats):
        for k, v in f.items():
            c = col.get(k)
            if c is not None:
                x[r, c] = v
    return x


def fit(
    x: np.ndarray[Any, Any], y: np.ndarray[Any, Any], signs: list[int], l2: float = 1e-5
) -> tuple[float, np.ndarray[Any, Any]]:
    from scipy.optimize import minimize

    n, d = x.shape

    def loss(theta: np.ndarray[Any, Any]) -> tuple[float, np.ndarray[Any, Any]]:
        b, w = theta[0], theta[1:]
        z = b + x @ w
        p = 1.0 / (1.0 + np.exp(-z))
        eps = 1e-12
        ll = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)) + l2 * np.sum(w * w)
        g = p - y
        grad = np.concatenate([[g.mean()], x.T @ g / n + 2 * l2 * w])
        return float(ll), grad

    bounds = [(None, None)] + [(0.0, None) if s > 0 else (None, 0.0) for s in signs]
    res = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return float(res.x[0]), res.x[1:]


def ece(p: np.ndarray[Any, Any], y: np.ndarray[Any, Any], bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for a, b in itertools.pairwise(edges):
        m = (p >= a) & ((p < b) if b < 1 else (p <= b))
        if m.any():
            total += m.sum() / len(p) * abs(p[m].mean() - y[m].mean())
    return total


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--home", type=Path)
    ap.add_argument("--dry-run", action="store_true", help="fit and report, write nothing")
    args = ap.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix="cf-fit-"))
    load_store(home)
    from counterflow.match.calibration import FEATURES
    from counterflow.match.screener import open_screener
    from counterflow.store import ListStore

    store = ListStore.open()
    screener = open_screener(store)
    cases = devset.build(store.iter_records())
    names = list(FEATURES)
    signs = [FEATURES[k][0] for k in names]
    out: dict[str, Any] = {}
    data = {}
    for split in ("fit", "dev"):
        sub = [c for c in cases if c.split == split]
        f, y, _ = labelled_rows(screener, sub)
        data[split] = (matrix(f, names), np.asarray(y, dtype=np.float64))
        print(f"[{split}: {len(sub)} cases, {len(y)} labelled pairs, {int(sum(y))} true]")
    b, w = fit(*data["fit"], signs)
    for split, (x, y) in data.items():
        p = 1.0 / (1.0 + np.exp(-(b + x @ w)))
        print(f"{split}: ECE {ece(p, y):.4f}")
    out = {
        "format": "counterflow-calibration/1",
        "version": "1",
        "fitted_on": "benchmarks/devset.py fit split (fit_scorer.py)",
        "bias": round(b, 4),
        "weights": {k: round(float(v), 4) for k, v in zip(names, w, strict=True) if v != 0.0},
    }
    print(json.dumps(out, indent=1))
    if not args.dry_run:
        OUT.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
        print(f"written {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
