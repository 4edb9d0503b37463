"""Load test of the HTTP API on loopback: single-query ``POST /match/default`` requests
from a second process (wrk, or an asyncio httpx client when wrk is missing) while a
third process posts decisions to the review store. Prints requests/s, p50/p99 latency,
errors, and decisions sent / acknowledged / stored / lost.

Two servers are measured (``--mode both``):
  real  ``counterflow serve`` as shipped: the real matcher over every loaded list;
  stub  the same app and review store with a trivial 500-record token-overlap screener,
        to show what the HTTP/auth/JSON/review layer itself sustains.

    python benchmarks/api_load.py                      # loads ../shared/data/lists once
    python benchmarks/api_load.py --duration 30 --connections 32 --mode real

Only loopback traffic; every loop is bounded by --duration. Compare with yente's published
4-15 requests/s per vCPU.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _words(text: str) -> list[str]:
    return text.split()


DEFAULT_HOME = ROOT / "benchmarks" / "out" / "api_home"
DEFAULT_LISTS = ROOT / ".." / "shared" / "data" / "lists"
FIRST = _words(
    "Ivan Olga Sergei Anna Dmitri Maria Alexei Elena Mikhail Natalia Viktor Irina "
    "Yuri Tatiana Hassan Fatima Ali Leila Omar Zainab Chen Wei Li Na Kim Min Park "
    "Joon John Mary Robert Linda Pierre Claire Hans Greta Ahmed Amina Reza Parisa "
    "Juan Lucia Carlos Sofia"
)
LAST = _words(
    "Petrov Ivanova Smirnov Kuznetsova Popov Volkov Sokolov Lebedev Morozov Novikov "
    "Kozlov Hosseini Rahimi Karimi Mohammadi Tehrani Wang Zhang Liu Kim Lee Park "
    "Smith Johnson Williams Brown Martin Bernard Mueller Schmidt Garcia Lopez Haddad "
    "Khalil Nasser Trading Shipping Logistics Components Industries Holding "
    "Technologies Engineering"
)
SUFFIX = ["", "", "", " LLC", " JSC", " Ltd", " GmbH", " Co", " OOO", " FZE"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cf(home: Path, *args: str) -> str:
    env = os.environ | {"COUNTERFLOW_HOME": str(home)}
    exe = str(Path(sys.executable).parent / "counterflow")
    out = subprocess.run([exe, *args], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def prepare(home: Path, lists: Path, db: str | None) -> dict[str, Any]:
    """Lists loaded, index built, keys made, alerts seeded."""
    os.environ["COUNTERFLOW_HOME"] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    from counterflow.match import open_screener
    from counterflow.match.types import Query
    from counterflow.review.keys import create_key
    from counterflow.review.recording import record_run
    from counterflow.review.store import ReviewStore
    from counterflow.store import ListStore
    from fake_screener import FakeScreener

    with ListStore.open() as store:
        if not store.status():
            print(f"loading {lists} into {home} ...", file=sys.stderr)
            cf(home, "lists", "load", str(lists), "-q")
    with ListStore.open() as store:
        t = time.perf_counter()
        open_screener(store)  # builds / checks the persisted index before workers start
        print(f"index ready in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        sample = []
        for i, p in enumerate(store.iter_records()):
            if i % 97 == 0:
                sample.append(p)
            if len(sample) >= 40:
                break
    review = ReviewStore.open(db)
    screener_key, _ = create_key(review, "screener", label="bench-load", actor="bench")
    analyst_key, _ = create_key(review, "analyst", label="bench-decisions", actor="bench")
    queries = [Query(id=f"bench-{i}-{time.time_ns()}", name=p.name) for i, p in enumerate(sample)]
    hits = [list(h) for h in FakeScreener(sample).screen_many(queries, threshold=0.5, limit=1)]
    run = record_run(review, queries, hits, actor="bench", source="bench", list_store=None)
    review.close()
    return {"screener": screener_key, "analyst": analyst_key, "alerts": run.alerts}


def stub_app() -> Any:
    """uvicorn factory of the ``stub`` mode (imported by the worker processes)."""
    from counterflow.api.server import settings_from_env
    from counterflow.service import create_app
    from counterflow.store import ListStore
    from fake_screener import FakeScreener

    store = ListStore.open()
    records = []
    for p in store.iter_records():
        records.append(p)
        if len(records) >= 500:
            break
    return create_app(
        store=store,
        screener=FakeScreener(records),
        review_db=os.environ.get("COUNTERFLOW_DB") or None,
        settings=settings_from_env(),
    )


def start_server(mode: str, home: Path, port: int, workers: int, db: str | None) -> Any:
    env = os.environ | {
        "COUNTERFLOW_HOME": str(home),
        "COUNTERFLOW_RATE_LIMIT": "0",
    }
    if db:
        env["COUNTERFLOW_DB"] = db
    if mode == "real":
        exe = str(Path(sys.executable).parent / "counterflow")
        cmd = [exe, "serve", "--port", str(port), "--workers", str(workers), "--rate-limit", "0"]
        if db:
            cmd += ["--db", db]
    else:
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(ROOT / "benchmarks"),
            "--factory",
            "api_load:stub_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--http",
            "counterflow.api.server:NoDelayH11Protocol",
            "--log-level",
            "warning",
            "--no-access-log",
        ]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(base: str, key: str, timeout: float = 180.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        raise RuntimeError("server did not start")
    # Warm every worker (each opens the screener on first use).
    body = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Ivan Petrov"]}}}}
    h = {"Authorization": f"ApiKey {key}"}
    with httpx.Client(timeout=120) as c:
        for _ in range(8):
            r = c.post(f"{base}/match/default", json=body, headers=h)
            r.raise_for_status()


def decisions_proc(
    base: str, key: str, alerts: list[int], rate: float, seconds: float, q: Any
) -> None:
    import httpx

    sent = acked = errors = 0
    h = {"Authorization": f"ApiKey {key}"}
    interval = 1.0 / rate
    end = time.monotonic() + seconds
    nxt = time.monotonic()
    with httpx.Client(timeout=10) as c:
        i = 0
        while time.monotonic() < end:
            aid = alerts[i % len(alerts)]
            i += 1
            sent += 1
            try:
                r = c.post(
                    f"{base}/alerts/{aid}/decision",
                    json={"decision": "needs_info", "reason": f"bench question {i}"},
                    headers=h,
                )
                if r.status_code == 200:
                    acked += 1
                else:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            nxt += interval
            time.sleep(max(0.0, nxt - time.monotonic()))
    q.put({"sent": sent, "acked": acked, "errors": errors})


LUA = r"""
local first = {%FIRST%}
local last = {%LAST%}
local suffix = {%SUFFIX%}
local counter = 0
local key = "%KEY%"
function setup(thread) end
function init(args) math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000) end
request = function()
  counter = counter + 1
  local name = first[math.random(#first)] .. " " .. last[math.random(#last)] .. " " ..
               last[math.random(#last)] .. suffix[math.random(#suffix)]
  local body = '{"queries":{"q1":{"schema":"LegalEntity","properties":' ..
               '{"name":["' .. name .. '"]}}}}'
  return wrk.format("POST", "/match/default",
    {["Content-Type"] = "application/json", ["Authorization"] = "ApiKey " .. key}, body)
end
done = function(summary, latency, requests)
  io.write(string.format("JSONRESULT {\"requests\":%d,\"duration_us\":%d," ..
    "\"p50_us\":%d,\"p90_us\":%d,\"p99_us\":%d,\"max_us\":%d,\"non2xx\":%d," ..
    "\"connect\":%d,\"read\":%d,\"write\":%d,\"timeout\":%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout))
end
"""


def run_wrk(base: str, key: str, seconds: int, connections: int) -> dict[str, Any]:
    def lua_list(xs: list[str]) -> str:
        return ",".join(json.dumps(x) for x in xs)

    script = (
        LUA.replace("%FIRST%", lua_list(FIRST))
        .replace("%LAST%", lua_list(LAST))
        .replace("%SUFFIX%", lua_list(SUFFIX))
        .replace("%KEY%", key)
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
        path = f.name
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                path,
                base,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        ).stdout
    finally:
        os.unlink(path)
    m = re.search(r"JSONRESULT (\{.*\})", out)
    if not m:
        raise RuntimeError(f"wrk output not understood:\n{out}")
    d = json.loads(m.group(1))
    errors = d["non2xx"] + d["connect"] + d["read"] + d["write"] + d["timeout"]
    return {
        "tool": "wrk",
        "requests": d["requests"],
        "rps": d["requests"] / (d["duration_us"] / 1e6),
        "p50_ms": d["p50_us"] / 1000,
        "p99_ms": d["p99_us"] / 1000,
        "max_ms": d["max_us"] / 1000,
        "errors": errors,
    }


def run_httpx(base: str, key: str, seconds: int, connections: int) -> dict[str, Any]:
    import asyncio

    import httpx

    lat: list[float] = []
    errors = 0
    rnd = random.Random(7)

    async def worker(client: httpx.AsyncClient, end: float) -> None:
        nonlocal errors
        while time.monotonic() < end:
            name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)} {rnd.choice(LAST)}{rnd.choice(SUFFIX)}"
            body = {"queries": {"q1": {"schema": "LegalEntity", "properties": {"name": [name]}}}}
            t = time.perf_counter()
            try:
                r = await client.post("/match/default", json=body)
                if r.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            lat.append(time.perf_counter() - t)

    async def main() -> float:
        h = {"Authorization": f"ApiKey {key}"}
        limits = httpx.Limits(max_connections=connections)
        async with httpx.AsyncClient(base_url=base, headers=h, limits=limits, timeout=10) as c:
            t0 = time.monotonic()
            end = t0 + seconds
            await asyncio.gather(*(worker(c, end) for _ in range(connections)))
            return time.monotonic() - t0

    took = asyncio.run(main())
    lat.sort()
    return {
        "tool": "httpx",
        "requests": len(lat),
        "rps": len(lat) / took,
        "p50_ms": lat[len(lat) // 2] * 1000 if lat else 0.0,
        "p99_ms": lat[int(len(lat) * 0.99)] * 1000 if lat else 0.0,
        "max_ms": lat[-1] * 1000 if lat else 0.0,
        "errors": errors,
    }


def stored_decisions(db: str | None, home: Path) -> int:
    os.environ["COUNTERFLOW_HOME"] = str(home)
    from counterflow.review.store import ReviewStore

    r = ReviewStore.open(db)
    n = r.decisions_count()
    ok = r.verify_audit().ok
    r.close()
    if not ok:
        raise RuntimeError("audit chain broken after the load test")
    return n


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--home", type=Path, default=DEFAULT_HOME)
    ap.add_argument("--lists", type=Path, default=DEFAULT_LISTS)
    ap.add_argument("--db", default=None, help="review store (default: review.sqlite in --home)")
    ap.add_argument("--mode", choices=("real", "stub", "both"), default="both")
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--decision-rate", type=float, default=20.0, help="decisions per second")
    ap.add_argument("--client", choices=("auto", "wrk", "httpx"), default="auto")
    args = ap.parse_args(argv)
    home = args.home.resolve()
    info = prepare(home, args.lists, args.db)
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    rows = []
    for mode in ("real", "stub") if args.mode == "both" else (args.mode,):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        before = stored_decisions(args.db, home)
        srv = start_server(mode, home, port, args.workers, args.db)
        try:
            wait_ready(base, info["screener"])
            ctx = mp.get_context("spawn")
            q = ctx.Queue()
            dp = ctx.Process(
                target=decisions_proc,
                args=(base, info["analyst"], info["alerts"], args.decision_rate, args.duration, q),
            )
            dp.start()
            load = (run_wrk if use_wrk else run_httpx)(
                base, info["screener"], args.duration, args.connections
            )
            dec = q.get(timeout=args.duration + 60)
            dp.join(30)
        finally:
            srv.terminate()
            try:
                srv.wait(20)
            except subprocess.TimeoutExpired:
                srv.kill()
        stored = stored_decisions(args.db, home) - before
        rows.append(
            {
                "mode": mode,
                **load,
                **{f"dec_{k}": v for k, v in dec.items()},
                "dec_stored": stored,
                "dec_lost": dec["acked"] - stored,
            }
        )
    cpus = os.cpu_count() or 1
    print(
        f"\nPOST /match/default, single queries, {args.connections} connections, "
        f"{args.workers} uvicorn workers, {args.duration} s, {cpus} CPUs shared by server "
        f"and clients, review store {'PostgreSQL' if args.db else 'SQLite'}"
    )
    hdr = (
        f"{'mode':5} {'client':6} {'requests':>8} {'req/s':>8} {'req/s/vCPU':>10} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8} {'errors':>6} | {'dec sent':>8} {'acked':>6} "
        f"{'stored':>6} {'lost':>5} {'dec err':>7}"
    )
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print(
            f"{r['mode']:5} {r['tool']:6} {r['requests']:8d} {r['rps']:8.1f} "
            f"{r['rps'] / cpus:10.1f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} {r['max_ms']:8.1f} "
            f"{r['errors']:6d} | {r['dec_sent']:8d} {r['dec_acked']:6d} {r['dec_stored']:6d} "
            f"{r['dec_lost']:5d} {r['dec_errors']:7d}"
        )
    print(
        "yente (published): 4-15 requests/s per vCPU. Targets: >= 500 req/s, p99 <= 50 ms, "
        "0 errors, 0 lost decisions."
    )
    out = ROOT / "benchmarks" / "out" / "api_load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
