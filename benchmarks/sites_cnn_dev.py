"""Experiment (issue 14): a small siamese CNN change detector, measured on the DEV
protocol of ``counterflow.sites.fit`` only (grouped 3-fold out-of-fold predictions over
the fitting scenes; the held-out test scenes are never loaded into training or scoring).

    pip install torch==2.13.0   # CPU build; not a project dependency
    python benchmarks/sites_cnn_dev.py [--steps 1200] [--width 16] [--export DIR]

Prints the dev F1 per data set at the threshold chosen by the worse data set (the rule
model 4 was chosen by), for comparison with model 4's recorded dev F1. ``--export DIR``
then trains once more on every fitting scene and writes ``cnn.npz`` (batch norm folded
into the convolutions) and ``cnn.json`` (the dev threshold, the scenes, the command) for
``counterflow.sites.cnn``, after checking its numpy forward pass against PyTorch's.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from counterflow.sites.cnn import standardise  # noqa: E402  (the scan's own input step)
from counterflow.sites.fit import (  # noqa: E402
    DEV_FOLDS,
    THRESHOLDS,
    LabelledPair,
    held_out_groups,
    levir_group,
    load_pairs,
)
from counterflow.sites.model import downscale, upscale  # noqa: E402

IMAGERY = ROOT.parent / "shared" / "data" / "imagery"


def build(width: int) -> Any:
    import torch
    from torch import nn

    def block(cin: int, cout: int) -> nn.Sequential:
        return nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )

    class Siamese(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            w = width
            self.e1 = block(3, w)
            self.e2 = block(w, 2 * w)
            self.e3 = block(2 * w, 4 * w)
            self.pool = nn.MaxPool2d(2)
            self.d2 = block(4 * w + 2 * w * 2, 2 * w)
            self.d1 = block(2 * w + w * 2, w)
            self.out = nn.Conv2d(w, 1, 1)

        def encode(self, x: Any) -> tuple[Any, Any, Any]:
            f1 = self.e1(x)
            f2 = self.e2(self.pool(f1))
            f3 = self.e3(self.pool(f2))
            return f1, f2, f3

        def forward(self, a: Any, b: Any) -> Any:
            a1, a2, a3 = self.encode(a)
            b1, b2, b3 = self.encode(b)
            up = nn.functional.interpolate
            d3 = torch.abs(a3 - b3)
            x = up(d3, scale_factor=2, mode="bilinear", align_corners=False)
            x = self.d2(torch.cat([x, torch.abs(a2 - b2), a2 + b2], 1))
            x = up(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = self.d1(torch.cat([x, torch.abs(a1 - b1), a1 + b1], 1))
            return self.out(x)

    return Siamese()


def small(p: LabelledPair, scale: int) -> tuple[Any, Any, Any]:
    a = standardise(downscale(p.before, scale))
    b = standardise(downscale(p.after, scale))
    y = downscale(p.label[..., None].astype(np.float32), scale)[..., 0]
    return a, b, y


def train(data: list[tuple[Any, Any, Any]], steps: int, width: int, crop: int, seed: int) -> Any:
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = build(width)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    pos = float(np.mean(np.concatenate([d[2].ravel() for d in data])))
    pos_weight = torch.tensor([min(10.0, (1 - pos) / max(pos, 1e-3))])
    lossf = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    sizes = np.array([d[2].size for d in data], dtype=np.float64)
    net.train()
    for _ in range(steps):
        xa, xb, ys = [], [], []
        for _ in range(8):
            a, b, y = data[rng.choice(len(data), p=sizes / sizes.sum())]
            h, w = y.shape
            i = rng.integers(0, max(1, h - crop + 1))
            j = rng.integers(0, max(1, w - crop + 1))
            sa, sb, sy = (
                a[i : i + crop, j : j + crop],
                b[i : i + crop, j : j + crop],
                y[i : i + crop, j : j + crop],
            )
            k = int(rng.integers(4))
            sa, sb, sy = np.rot90(sa, k), np.rot90(sb, k), np.rot90(sy, k)
            if rng.random() < 0.5:
                sa, sb, sy = sa[:, ::-1], sb[:, ::-1], sy[:, ::-1]
            if rng.random() < 0.5:
                sa, sb = sb, sa  # change is symmetric: new or removed
            xa.append(np.ascontiguousarray(sa.transpose(2, 0, 1)))
            xb.append(np.ascontiguousarray(sb.transpose(2, 0, 1)))
            ys.append(np.ascontiguousarray(sy)[None])
        logit = net(torch.from_numpy(np.stack(xa)), torch.from_numpy(np.stack(xb)))
        loss = lossf(logit, torch.from_numpy(np.stack(ys)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    net.eval()
    return net


def predict(net: Any, p: LabelledPair, scale: int) -> np.ndarray[Any, Any]:
    import torch

    a, b, _ = small(p, scale)
    h, w = a.shape[:2]
    ph, pw = (-h) % 4, (-w) % 4
    a = np.pad(a, ((0, ph), (0, pw), (0, 0)), mode="reflect")
    b = np.pad(b, ((0, ph), (0, pw), (0, 0)), mode="reflect")
    with torch.no_grad():
        ta = torch.from_numpy(a.transpose(2, 0, 1)[None].copy())
        tb = torch.from_numpy(b.transpose(2, 0, 1)[None].copy())
        prob = torch.sigmoid(net(ta, tb))[0, 0].numpy()[:h, :w]
    return upscale(prob.astype(np.float32), scale, *p.label.shape)


def main() -> int:
    import torch

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--crop", type=int, default=64)
    ap.add_argument("--scale", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--export", type=Path, help="fit on all fitting scenes, write the model")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    pairs: list[LabelledPair] = []
    for folder in ("levir_cd", "levir_cd_1024", "whu_cd"):
        name = folder.split("_")[0]
        pairs += load_pairs(IMAGERY / folder, name, levir_group if name == "levir" else None)
    held = held_out_groups([p.group for p in pairs])
    fitting = [p for p in pairs if p.group not in held]  # test scenes dropped here
    del pairs
    groups = sorted({p.group for p in fitting})
    rng = np.random.default_rng(1)
    rng.shuffle(groups)
    folds = [set(groups[i::DEV_FOLDS]) for i in range(DEV_FOLDS)]
    cache = {id(p): small(p, args.scale) for p in fitting}
    dev: list[tuple[LabelledPair, np.ndarray[Any, Any]]] = []
    t0 = time.time()
    for k, fold in enumerate(folds):
        inner = [cache[id(p)] for p in fitting if p.group not in fold]
        net = train(inner, args.steps, args.width, args.crop, seed=k)
        dev += [(p, predict(net, p, args.scale)) for p in fitting if p.group in fold]
        print(f"[fold {k}: {time.time() - t0:.0f} s]", file=sys.stderr)
    datasets = sorted({p.dataset for p, _ in dev})
    best = (-1.0, 0.0, {})
    for t in THRESHOLDS + tuple(round(x, 2) for x in np.arange(0.82, 0.99, 0.02)):
        c = {d: np.zeros(3) for d in datasets}
        for p, prob in dev:
            m = prob >= t
            c[p.dataset] += (np.sum(m & p.label), np.sum(m & ~p.label), np.sum(~m & p.label))
        f1 = {d: 2 * v[0] / max(2 * v[0] + v[1] + v[2], 1.0) for d, v in c.items()}
        if min(f1.values()) > best[0]:
            best = (min(f1.values()), t, f1)
    params = sum(x.numel() for x in build(args.width).parameters())
    print(
        f"CNN width {args.width} ({params:,} parameters), {args.steps} steps x 8 crops of "
        f"{args.crop}^2 at 1/{args.scale}: dev F1 "
        + ", ".join(f"{d} {v:.3f}" for d, v in best[2].items())
        + f" at threshold {best[1]} (chosen by the worse data set); "
        f"{len(fitting)} fitting pairs, test scenes {sorted(held)} never loaded into "
        f"training; {time.time() - t0:.0f} s"
    )
    if args.export:
        net = train(list(cache.values()), args.steps, args.width, args.crop, seed=DEV_FOLDS)
        export(net, args, best, fitting, held)
    return 0


def folded(net: Any) -> dict[str, np.ndarray[Any, Any]]:
    """Conv + batch norm pairs as single convolutions (eval mode), numpy arrays."""
    out: dict[str, np.ndarray[Any, Any]] = {}
    for name in ("e1", "e2", "e3", "d2", "d1"):
        seq = getattr(net, name)
        for i, (ci, bi) in enumerate(((0, 1), (3, 4))):
            conv, bn = seq[ci], seq[bi]
            g = (bn.weight / (bn.running_var + bn.eps).sqrt()).detach().numpy()
            w = conv.weight.detach().numpy() * g[:, None, None, None]
            b = (conv.bias.detach().numpy() - bn.running_mean.detach().numpy()) * g
            out[f"{name}.{i}.w"] = w.astype(np.float32)
            out[f"{name}.{i}.b"] = (b + bn.bias.detach().numpy()).astype(np.float32)
    out["out.w"] = net.out.weight.detach().numpy()[:, :, 0, 0].T.astype(np.float32)
    out["out.b"] = net.out.bias.detach().numpy().astype(np.float32)
    return out


def export(net: Any, args: Any, best: Any, fitting: list[LabelledPair], held: set[str]) -> None:
    import json
    from datetime import UTC, datetime

    import torch

    from counterflow.sites.cnn import META_FILE, WEIGHTS_FILE, forward

    params = folded(net)
    a, b, _ = small(fitting[0], args.scale)
    n = min(128, min(a.shape[:2]) // 4 * 4)  # the net halves twice
    a, b = a[:n, :n], b[:n, :n]
    with torch.no_grad():
        ref = net(
            torch.from_numpy(a.transpose(2, 0, 1)[None].copy()),
            torch.from_numpy(b.transpose(2, 0, 1)[None].copy()),
        )[0, 0].numpy()
    diff = float(np.abs(forward(params, a, b) - ref).max())
    if diff > 1e-3:
        raise SystemExit(f"numpy forward differs from PyTorch by {diff}")
    args.export.mkdir(parents=True, exist_ok=True)
    np.savez(args.export / WEIGHTS_FILE, **params)
    meta = {
        "version": "cnn-1",
        "kind": "siamese CNN (numpy forward pass: counterflow.sites.cnn)",
        "width": args.width,
        "scale": args.scale,
        "threshold": float(best[1]),
        "select": "min",
        "dev_f1": {k: round(float(v), 4) for k, v in best[2].items()},
        "fitted_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "fitted_on": [f"{p.dataset}/{p.name}" for p in fitting],
        "test_groups": sorted(held),
        "numpy_vs_torch_max_abs_logit_diff": diff,
        "command": "python benchmarks/sites_cnn_dev.py"
        f" --steps {args.steps} --width {args.width} --crop {args.crop} --scale {args.scale}"
        " --export src/counterflow/sites/data",
    }
    (args.export / META_FILE).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.export / WEIGHTS_FILE} (numpy vs PyTorch logits: {diff:.2e})")


if __name__ == "__main__":
    raise SystemExit(main())
