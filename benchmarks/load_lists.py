"""Benchmark: load every public list in ../shared/data/lists into a fresh store.

Prints, per publication, the records and the seconds spent parsing and storing, then
the total wall time, the time to stream every record back (``iter_records``) and the
peak resident memory of the process. Target (issue 2): all lists in under 20 s and
under 1 GB on the 2-core machine.

    python benchmarks/load_lists.py [LISTS_FOLDER]
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

DEFAULT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "lists"


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not folder.is_dir():
        print(f"no lists folder at {folder} (needs ../shared/data beside the repo)")
        return 1
    home = tempfile.mkdtemp(prefix="counterflow-bench-")
    os.environ["COUNTERFLOW_HOME"] = home

    from counterflow.lists.registry import sniff
    from counterflow.store import ListStore
    from counterflow.store.loader import store_result

    table = Table(title=f"load_lists: {folder.resolve()}", title_justify="left")
    for col in ("dataset", "format", "version", "files", "records", "issues", "parse s", "store s"):
        table.add_column(
            col, justify="right" if col in ("records", "issues") or " s" in col else "left"
        )

    t0 = time.perf_counter()
    sniffed = sniff([folder])
    total_records = 0
    failures: list[str] = []
    with ListStore.open() as store:
        for g in sniffed.groups:
            t1 = time.perf_counter()
            try:
                result = g.parse()
            except Exception as exc:  # report and go on: a benchmark, not a loader
                failures.append(f"{g.label}: {type(exc).__name__}: {exc}")
                continue
            t2 = time.perf_counter()
            out = store_result(store, result, g)
            t3 = time.perf_counter()
            if out.error:
                failures.append(out.error)
            total_records += len(result.records)
            table.add_row(
                result.dataset,
                g.format,
                result.version,
                str(len(g.files)),
                f"{len(result.records):,}",
                f"{len(result.issues):,}",
                f"{t2 - t1:.2f}",
                f"{t3 - t2:.2f}",
            )
        load_s = time.perf_counter() - t0
        t4 = time.perf_counter()
        streamed = sum(1 for _ in store.iter_records())
        iter_s = time.perf_counter() - t4
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    db_mb = (Path(home) / "lists.sqlite").stat().st_size / 1e6

    console = Console(width=140)
    console.print(table)
    console.print(
        f"total load: {load_s:.1f} s for {total_records:,} records "
        f"({len(sniffed.groups)} publications); target < 20 s"
    )
    console.print(f"iter_records: {streamed:,} active records streamed in {iter_s:.2f} s")
    console.print(f"peak RSS: {peak_mb:,.0f} MB (target < 1024 MB); store file {db_mb:.1f} MB")
    console.print(f"cores available: {len(os.sched_getaffinity(0))}")
    for u in sniffed.unrecognised:
        console.print(f"not recognised: {u.describe()}", highlight=False)
    for f in failures:
        console.print(f"FAILED: {f}", highlight=False)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
