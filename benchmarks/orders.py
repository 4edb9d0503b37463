"""Benchmark: `counterflow screen orders` on a generated file of ordinary + planted risky
order lines, and ownership aggregation over a large synthetic graph.

    python benchmarks/orders.py [--lines 1000000] [--edges 1000000] [--lists ua|all]

Needs ../shared/data (lists, CHPL, drone components). Prints a table: lines/s, planted
cases flagged per kind, ordinary lines sent to review/block, ownership seconds.
Targets (issue 4): 1,000,000 lines <= 5 min on 2 cores; every planted case flagged;
<= 1 % of ordinary lines to review; a 1,000,000-edge graph <= 30 s.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared" / "data"


def alabuga_suppliers(path: Path) -> list[str]:
    names = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = (row["sanctions"] + " " + row["addresses"]).lower()
            if "alabuga" in text and row["schema"] in ("LegalEntity", "Company", "Organization"):
                names.append(row["name"])
    return names


def run(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-4000:], file=sys.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    sys.stderr.write(proc.stderr[-3000:])
    return dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--edges", type=int, default=1_000_000)
    ap.add_argument("--planted", type=int, default=300, help="planted lines of each kind")
    ap.add_argument("--lists", choices=["ua", "all"], default="all")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--skip-orders", action="store_true")
    args = ap.parse_args()
    if not SHARED.is_dir():
        raise SystemExit(f"needs the shared data folder at {SHARED}")
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from orders_generate import write_orders, write_ownership_graph

    work = args.workdir or Path(tempfile.mkdtemp(prefix="cf-bench-orders-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, COUNTERFLOW_HOME=str(work / "home"))
    exe = [sys.executable, "-m", "counterflow.cli.main"]
    rows: list[tuple[str, str]] = []
    ua = SHARED / "lists" / "opensanctions_ua_war_sanctions_targets.simple_2026-03-13.csv"
    if not args.skip_orders:
        lists = [str(SHARED / "lists")] if args.lists == "all" else [str(ua)]
        t_lists = run([*exe, "lists", "load", *lists], env)
        trade = SHARED / "trade"
        run(
            [
                *exe,
                "goods",
                "load",
                str(trade / "chpl_hs6_tiers_2024-02-23.csv"),
                str(trade / "hs_nomenclature_datasets-harmonized-system.csv"),
                str(SHARED / "drones" / "gur_components_dedup.csv"),
            ],
            env,
        )
        suppliers = alabuga_suppliers(ua)
        orders, edges, hist = work / "orders.csv", work / "edges.csv", work / "history.csv"
        t0 = time.perf_counter()
        gen = write_orders(
            orders,
            args.lines,
            listed_names=suppliers,
            planted_each=args.planted,
            n_customers=20000,
            edges_path=edges,
            history_path=hist,
            listed_owner="ALABUGA OEZ PPT JSC",
        )
        t_gen = time.perf_counter() - t0
        run([*exe, "ownership", "load", str(edges)], env)
        out = work / "screened.csv"
        t_screen = run(
            [
                *exe,
                "screen",
                "orders",
                str(orders),
                "-o",
                str(out),
                "--history",
                str(hist),
            ],
            env,
        )
        planted_ids = {oid: kind for kind, ids in gen.planted.items() for oid in ids}
        flagged: Counter[str] = Counter()
        ordinary: Counter[str] = Counter()
        ord_flags: Counter[str] = Counter()
        examples: list[str] = []
        with out.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                kind = planted_ids.get(row["order_id"])
                if kind:
                    if row["risk"] != "clear":
                        flagged[kind] += 1
                    elif len(examples) < 5:
                        examples.append(f"missed {row['order_id']}: {row['explanation'][:200]}")
                else:
                    ordinary[row["risk"]] += 1
                    if row["risk"] != "clear":
                        ord_flags.update(row["flags"].split(";"))
        n_ord = sum(ordinary.values())
        rows += [
            ("lists loaded", f"{args.lists} in {t_lists:.1f} s"),
            ("order lines generated", f"{gen.lines:,} in {t_gen:.1f} s"),
            ("screen orders wall time", f"{t_screen:.1f} s"),
            ("lines/s (end to end)", f"{gen.lines / t_screen:,.0f}"),
        ]
        for kind, ids in sorted(gen.planted.items()):
            rows.append((f"planted {kind} flagged", f"{flagged[kind]} / {len(ids)}"))
        rows.append(
            (
                "ordinary lines to review/block",
                f"{ordinary['review'] + ordinary['block']} / {n_ord} "
                f"({100 * (ordinary['review'] + ordinary['block']) / max(n_ord, 1):.3f} %)",
            )
        )
        rows.append(
            (
                "flags on those ordinary lines",
                ", ".join(f"{k} {v}" for k, v in ord_flags.most_common(6)),
            )
        )
        for e in examples:
            rows.append(("example miss", e))
    # ownership over a large graph (in process: load + aggregate)
    from counterflow.ownership.graph import load_any
    from counterflow.ownership.stake import aggregate

    gpath = work / "graph.csv"
    listed_names = write_ownership_graph(gpath, args.edges)
    t0 = time.perf_counter()
    graph = load_any([gpath])
    t_load = time.perf_counter() - t0
    listed = {k: "synthetic" for k in listed_names if k in graph}
    t0 = time.perf_counter()
    stakes = aggregate(graph, listed)
    t_agg = time.perf_counter() - t0
    status = Counter(s.status for s in stakes.values())
    issues = Counter(i.kind for i in graph.issues)
    rows += [
        ("ownership graph", f"{graph.edge_count:,} edges, {len(graph):,} entities"),
        ("ownership load + checks", f"{t_load:.1f} s ({dict(issues)})"),
        ("ownership aggregate (all entities)", f"{t_agg:.1f} s, {len(listed)} listed roots"),
        ("ownership total", f"{t_load + t_agg:.1f} s"),
        ("stake status", ", ".join(f"{k} {v:,}" for k, v in status.most_common())),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"\n{'measure':<{width}}  value\n{'-' * width}  -----")
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    print(f"\n(work folder: {work}; cores: {os.cpu_count()})")


if __name__ == "__main__":
    main()
