# ruff: noqa: E501
"""Spark engine and bounded-memory AIS benchmark, one table (issue 12).

    POLARS_MAX_THREADS=2 python benchmarks/spark.py [--queries 100000] [--copies 28]
        [--skip-parties] [--skip-ais] [--spark-ais]

Parties: the same N queries (yente's synthetic negatives, global and US, plus the UN and
US Congress cases; names the matcher was not built from) screened against every shared
list by the local engine (2 processes) and by Spark ``local[2]`` through the CLI's job
code; queries/s, Spark's overhead as a ratio, and peak memory of the driver and of the
executors (the JVM and its Python workers, sampled from /proc every 0.2 s).

AIS: the real GFW tracks replicated ``--copies`` times (benchmarks/ais.py's method: new
MMSIs, shifted times), written as one GFW-style CSV (28 copies: 10.4 M positions, about
1 GB; every time moved back 8 years (``PAST_S``) so that no copy lies in the future, which
cleaning drops by the wall clock); ``ais events`` today (everything in memory) vs the
bounded engine (MMSI groups, streamed encounters), each in its own process: wall time,
positions/s, peak RSS, and whether the events are the same rows. ``--spark-ais`` adds
the Spark engine on the same file (same rows checked too).

Then, on paper: rows/hour on a stated cluster from the measured per-core rates.
The machine is shared (2 cores, other jobs): load averages are printed with the table.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "2")

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent / ".." / "shared" / "data"
NAMES = SHARED / "benchmarks" / "names"


def load_avg() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


# ------------------------------------------------------------------ memory sampling
def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    return kids


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as fh:
            return fh.read().strip()
    except OSError:
        return ""


class TreeSampler:
    """Peak RSS of this process (the driver), of the JVM, and of the Python workers
    (sum at any moment, and the largest single worker)."""

    def __init__(self) -> None:
        self.peak = {"driver": 0, "jvm": 0, "workers_sum": 0, "worker_max": 0}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            kids = _children()
            stack, jvm, workers = list(kids.get(me, [])), 0, []
            while stack:
                pid = stack.pop()
                stack.extend(kids.get(pid, []))
                name = _comm(pid)
                if name == "java":
                    jvm += _rss(pid)
                elif name.startswith("python"):
                    workers.append(_rss(pid))
            p = self.peak
            p["driver"] = max(p["driver"], _rss(me))
            p["jvm"] = max(p["jvm"], jvm)
            p["workers_sum"] = max(p["workers_sum"], sum(workers))
            p["worker_max"] = max(p["worker_max"], max(workers, default=0))
            time.sleep(0.2)

    def __enter__(self) -> TreeSampler:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB"


# ------------------------------------------------------------------ parties
def write_queries(path: Path, n: int) -> int:
    rows = []
    for name in (
        "yente_cgb_positives_un_untreated.csv",
        "yente_cgb_positives_us_congress_untreated.csv",
        "yente_cgb_negatives_global.csv",
        "yente_cgb_negatives_us.csv",
    ):
        with open(NAMES / name, encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                rows.append(
                    [
                        f"q{len(rows)}",
                        r["full_name"],
                        "person",
                        r["nationality"],
                        r["date_of_birth"],
                    ]
                )
    rows = (rows * (n // len(rows) + 1))[:n]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "kind", "country", "birth_date"])
        w.writerows(rows)
    return len(rows)


def bench_parties(n: int, home: Path) -> dict[str, object]:
    from counterflow.cli.main import main as cli

    os.environ["COUNTERFLOW_HOME"] = str(home)
    from counterflow.store import ListStore

    with ListStore.open() as store:
        loaded = bool(store.status())
    if not loaded:
        print(f"loading the shared lists into {home} ...", flush=True)
        try:
            cli(["lists", "load", str(SHARED / "lists")])
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise
    qpath = home / "bench-queries.csv"
    n = write_queries(qpath, n)
    out: dict[str, object] = {"queries": n}

    # local engine: a fresh process, as a user runs it (index opened, 2 workers)
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-c", _LOCAL_CODE, str(qpath), str(home / "local.csv")],
        check=True,
        capture_output=True,
        text=True,
    )
    out["local_s"] = time.perf_counter() - t0
    out.update(json.loads(r.stdout.strip().splitlines()[-1]))
    out["local_load"] = load_avg()

    from counterflow.spark.jobs import screen_parties_job
    from counterflow.spark.session import session

    with TreeSampler() as samp:
        t0 = time.perf_counter()
        spark = session("local[2]", app_name="counterflow-bench")
        out["spark_start_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        s = screen_parties_job(
            str(qpath), str(home / "spark.csv"), threshold=0.7, limit=10, master="local[2]"
        )
        out["spark_s"] = time.perf_counter() - t1
        out["spark_total_s"] = time.perf_counter() - t0
    out["spark_hits"] = s.hits
    out["spark_mem"] = dict(samp.peak)
    out["spark_load"] = load_avg()
    spark.stop()
    local_rows = (home / "local.csv").read_text(encoding="utf-8").splitlines()[1:]
    spark_rows = (home / "spark.csv").read_text(encoding="utf-8").splitlines()[1:]
    out["same_rows"] = sorted(local_rows) == sorted(spark_rows)
    return out


# A child's ru_maxrss starts at its parent's RSS when forked (Linux carries the high-water
# mark across exec), so each process reports its own VmHWM instead.
_HWM = """
def hwm():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) * 1024 for l in fh if l.startswith("VmHWM:"))
"""
_LOCAL_CODE = (
    _HWM
    + """
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from counterflow.cli.main import main
try:
    main(["screen", "parties", sys.argv[1], "-o", sys.argv[2], "--threshold", "0.7", "--limit", "10", "-q"])
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
me = hwm()
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"local_inner_s": time.perf_counter() - t0, "local_peak": me, "local_worker_peak": kids}))
"""
)


# ------------------------------------------------------------------ AIS
_AIS_CODE = (
    _HWM
    + """
import json, os, sys, time
from pathlib import Path
os.environ.setdefault("POLARS_MAX_THREADS", "2")
from counterflow.maritime.ports import load_ports
ports = load_ports([Path(sys.argv[3])])
t0 = time.perf_counter()
mode, path = sys.argv[1], Path(sys.argv[2])
if mode == "today":
    from counterflow.maritime.detect import detect_all
    from counterflow.maritime.ingest import load
    d = load([path])
    n = d.positions.height
    ev = detect_all(d.positions, ports).events
    del d
else:
    from counterflow.maritime.partition import events_by_mmsi_groups
    r = events_by_mmsi_groups([path], ports)
    n, ev = r.positions, r.detection.events
dt = time.perf_counter() - t0
ev.sort(ev.columns, nulls_last=True).write_parquet(sys.argv[4])
print(json.dumps({"s": dt, "positions": n, "events": ev.height, "peak": hwm()}))
"""
)


def same_events(a: Path, b: Path) -> bool:
    import polars as pl

    return pl.read_parquet(a).equals(pl.read_parquet(b))


PAST_S = 8 * 365 * 86400  # 28 copies (97 days apart) would reach past today: 8 years back


def write_ais_csv(path: Path, copies: int) -> int:
    sys.path.insert(0, str(HERE))
    import polars as pl

    from ais import replicate  # benchmarks/ais.py
    from counterflow.maritime.ingest import load

    files = sorted((SHARED / "ais" / "gfw_tracks").glob("*.csv"))
    pos = replicate(load(files).positions, copies).with_columns(pl.col("t") - PAST_S)
    pos.select(
        "lon",
        "lat",
        pl.col("cog").alias("course"),
        pl.from_epoch("t", time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%S.000Z").alias("timestamp"),
        pl.col("sog").alias("speed"),
        (pl.col("mmsi").cast(pl.Utf8) + "-seg").alias("seg_id"),
    ).write_csv(path)
    return pos.height


def bench_ais(copies: int, tmp: Path, spark_ais: bool) -> dict[str, object]:
    path = tmp / "replicated_gfw.csv"
    # in a process of its own, so that this one (the Spark driver below) stays small
    code = f"import sys; sys.path.insert(0, {str(HERE)!r}); from spark import write_ais_csv; print(write_ais_csv(__import__('pathlib').Path(sys.argv[1]), {copies}))"
    r = subprocess.run(
        [sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True
    )
    n = int(r.stdout.strip().splitlines()[-1])
    out: dict[str, object] = {"positions_in": n, "csv_bytes": path.stat().st_size}
    ports = str(SHARED / "ais" / "ports")
    for mode in ("today", "bounded"):
        r = subprocess.run(
            [sys.executable, "-c", _AIS_CODE, mode, str(path), ports, str(tmp / f"{mode}.pq")],
            check=True,
            capture_output=True,
            text=True,
        )
        out[mode] = json.loads(r.stdout.strip().splitlines()[-1])
        out[f"{mode}_load"] = load_avg()
        print(f"AIS {mode}: {out[mode]} load {out[f'{mode}_load']}", flush=True)
    out["same_rows"] = same_events(tmp / "today.pq", tmp / "bounded.pq")
    if spark_ais:
        try:
            out["spark"] = bench_spark_ais(path, ports, tmp)
        except Exception as exc:  # report what was measured, and why this part was not
            out["spark_error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            print(f"AIS spark failed: {out['spark_error']}", flush=True)
        out["spark_load"] = load_avg()
    return out


def bench_spark_ais(path: Path, ports: str, tmp: Path) -> dict[str, object]:
    from counterflow.maritime.ports import load_ports
    from counterflow.spark.ais import detect_events_spark
    from counterflow.spark.session import session

    with TreeSampler() as samp:
        t0 = time.perf_counter()
        spark = session("local[2]", app_name="counterflow-bench-ais")
        res = detect_events_spark(spark, [path], load_ports([Path(ports)]))
        dt = time.perf_counter() - t0
    ev = res.detection.events
    ev.sort(ev.columns, nulls_last=True).write_parquet(tmp / "spark.pq")
    spark.stop()
    r = {
        "s": dt,
        "positions": res.positions,
        "events": ev.height,
        "mem": dict(samp.peak),
        "same_rows": same_events(tmp / "today.pq", tmp / "spark.pq"),
    }
    print(f"AIS spark: {r} load {load_avg()}", flush=True)
    return r


# ------------------------------------------------------------------ report
def report(p: dict[str, object] | None, a: dict[str, object] | None) -> None:
    print(f"\nload average now {load_avg()} (1/5/15 min); {os.cpu_count()} cores, shared\n")
    print("| measure | local (today) | local bounded / Spark local[2] | target |")
    print("|---|---|---|---|")
    rates: dict[str, float] = {}
    if p:
        n = int(p["queries"])  # type: ignore[call-overload]
        lq = n / float(p["local_s"])  # type: ignore[arg-type]
        sq = n / float(p["spark_total_s"])  # type: ignore[arg-type]
        sq_job = n / float(p["spark_s"])  # type: ignore[arg-type]
        mem = p["spark_mem"]
        assert isinstance(mem, dict)
        rates["party_core"] = sq_job / 2
        print(
            f"| parties: {n:,} queries, queries/s (end to end) | {lq:,.0f} (2 processes; load {p['local_load']}) | Spark {sq:,.0f} incl. start, {sq_job:,.0f} job only (load {p['spark_load']}) | |"
        )
        print(
            f"| Spark overhead (local time / Spark time) | 1.00 | {float(p['local_s']) / float(p['spark_total_s']):.2f}x incl. JVM start ({float(p['spark_start_s']):.1f} s); {float(p['local_s']) / float(p['spark_s']):.2f}x job only | |"
        )  # type: ignore[arg-type]
        print(
            f"| parties: peak memory | {gb(float(p['local_peak']))} main + {gb(float(p['local_worker_peak']))} largest worker | driver {gb(mem['driver'])}, JVM {gb(mem['jvm'])}, Python workers {gb(mem['workers_sum'])} together ({gb(mem['worker_max'])} largest) | bounded |"
        )  # type: ignore[arg-type]
        print(
            f"| parties: same rows as local (sorted) | | {'yes' if p['same_rows'] else 'NO'} | yes |"
        )
    if a:
        t, b = a["today"], a["bounded"]
        assert isinstance(t, dict) and isinstance(b, dict)
        rates["ais_core"] = b["positions"] / b["s"] / 2
        size = float(a["csv_bytes"])  # type: ignore[arg-type]
        print(
            f"| AIS: {int(a['positions_in']):,} positions, {size / 1e9:.2f} GB CSV, positions/s | {t['positions'] / t['s']:,.0f} ({t['s']:.1f} s; load {a['today_load']}) | bounded {b['positions'] / b['s']:,.0f} ({b['s']:.1f} s; load {a['bounded_load']}); {t['s'] / b['s']:.2f}x today's speed | within 1.5x |"
        )
        print(f"| AIS: peak memory | {gb(t['peak'])} | bounded {gb(b['peak'])} | <= 1 GB |")
        print(
            f"| AIS: events, same rows | {t['events']:,} | bounded {b['events']:,}: {'same rows' if a['same_rows'] else 'NOT the same rows'} | same |"
        )
        if "spark_error" in a:
            print(f"| AIS on Spark local[2] | | failed: {a['spark_error']} | same rows |")
        if "spark" in a:
            s = a["spark"]
            assert isinstance(s, dict)
            m = s["mem"]
            print(
                f"| AIS on Spark local[2] | | {s['positions'] / s['s']:,.0f} positions/s incl. JVM start ({s['s']:.1f} s; load {a['spark_load']}); {s['events']:,} events, {'same rows' if s['same_rows'] else 'NOT the same rows'}; driver {gb(m['driver'])}, JVM {gb(m['jvm'])}, workers {gb(m['workers_sum'])} together ({gb(m['worker_max'])} largest) | same rows |"
            )
    # on paper
    cores, eff = 128, 0.7
    print(
        f"\nOn paper: a cluster of 16 executors x 8 cores = {cores} cores (e.g. 16 x m6i.2xlarge, "
        f"32 GB each), {eff:.0%} of the measured per-core rate kept (shuffle, skew, stragglers, "
        "task start); rates per core are the 2-core local[2] / bounded rates halved."
    )
    if "party_core" in rates:
        rh = rates["party_core"] * cores * eff * 3600
        print(
            f"- parties: {rates['party_core']:,.0f} q/s per core -> {rh / 1e6:,.0f} M rows/hour; 100 M parties in {1e8 / rh:.1f} h (index shipped once per executor: 29 MB)"
        )
    if "ais_core" in rates:
        rh = rates["ais_core"] * cores * eff * 3600
        print(
            f"- AIS: {rates['ais_core']:,.0f} positions/s per core -> {rh / 1e9:,.1f} B positions/hour; 5 B positions in {5e9 / rh:.1f} h, plus reading the input (Parquet from object storage) and the encounter stage, which runs on the driver over the slow-run candidates (the part that does not scale out)"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--queries", type=int, default=100_000)
    ap.add_argument("--copies", type=int, default=28)
    ap.add_argument("--skip-parties", action="store_true")
    ap.add_argument("--skip-ais", action="store_true")
    ap.add_argument("--spark-ais", action="store_true")
    ap.add_argument("--home", type=Path, default=None, help="store with the lists loaded (reused)")
    args = ap.parse_args()
    print(f"load average at start {load_avg()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="counterflow-bench-spark-") as tmp:
        home = args.home or Path(tmp) / "home"
        home.mkdir(parents=True, exist_ok=True)
        p = None if args.skip_parties else bench_parties(args.queries, home)
        a = None if args.skip_ais else bench_ais(args.copies, Path(tmp), args.spark_ais)
        report(p, a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
