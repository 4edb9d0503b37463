"""Run every benchmark one after the other, each printing its own table.

    python benchmarks/run_all.py [--quick] [--only NAME ...]

Each benchmark is its own script (see the README's benchmark section for the targets);
this runner only starts them in turn so that no two compete for the 2 cores, and prints
how long each took. ``--quick`` passes each script's own quick/smaller options.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    # name: (full arguments, quick arguments)
    "load_lists": ([], []),
    "kinds": ([], []),
    "screening": ([], ["--quick"]),
    "screening_dev": ([], ["--no-peers"]),
    "orders": ([], ["--lines", "100000", "--edges", "100000"]),
    "orders_eval": ([], ["--ordinary", "500"]),
    "ais": ([], ["--copies", "4"]),
    "gap_eval": ([], ["--per-vessel", "4"]),
    "ais_typologies": ([], ["--copies", "4"]),
    "api_load": ([], ["--duration", "10"]),
    "sites": ([], ["--repeat", "1"]),
    "sites_memory": ([], ["--size", "6000", "--classifier-size", "2048"]),
    "alerts": ([], ["--quick"]),
    "spark": ([], ["--queries", "10000", "--copies", "4"]),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller runs")
    ap.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), help="run only these")
    args = ap.parse_args()
    names = args.only or list(BENCHMARKS)
    env = dict(os.environ, POLARS_MAX_THREADS=os.environ.get("POLARS_MAX_THREADS", "2"))
    failed: list[str] = []
    for name in names:
        full, quick = BENCHMARKS[name]
        cmd = [sys.executable, str(HERE / f"{name}.py"), *(quick if args.quick else full)]
        print(f"\n=== {name}: {' '.join(cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call(cmd, env=env)
        print(f"=== {name}: exit {rc} in {time.perf_counter() - t0:.1f} s", flush=True)
        if rc != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
