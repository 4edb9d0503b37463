"""Benchmark: order screening measured on cases written independently of its rules.

    python benchmarks/orders_eval.py [--ordinary 2000] [--seed 7] [--workdir DIR]

Detection is measured on `benchmarks/orders_eval/diversion_cases.csv`: 50 order lines
written by hand after the patterns of public enforcement actions (OFAC, EU and UK
designations, DOJ indictments, the Tri-Seal Compliance Note, FinCEN/BIS alerts): front
companies in transshipment countries, listed procurers written as an order clerk would
write them, Alabuga SEZ addresses, forwarders named as consignees, routes through a third
country, and three fronts whose single order line looks ordinary (`detectable=no`: a
screening tool cannot see them; they are counted, not hidden). Each case names its
public source in its own words.

False alerts are measured on ordinary lines built from real companies and real parts:
`customers.csv` (manufacturers, labs, universities and distributors in allied countries,
with their own addresses and a plausible end use), `hub_ems.csv` (real contract
manufacturers' plants in Malaysia, Mexico, Singapore, Thailand and China: ordinary
business in countries that the default configuration treats as transshipment risks) and
`parts.csv` (catalogue parts with their HS codes: many are CHPL items, several are
found in drones). None of these files was derived from the rule tables
(`orders/data/default_config.json`) or the order generator (`benchmarks/orders_generate.py`).

Needs ../shared/data (lists, CHPL, drone components). Prints one table.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared" / "data"
CASES = Path(__file__).resolve().parent / "orders_eval"
# Real freight forwarders an ordinary shipper names in the forwarder column.
FORWARDERS = [
    "",
    "",
    "",
    "DHL Global Forwarding GmbH",
    "Kuehne + Nagel AG & Co. KG",
    "DB Schenker",
    "Expeditors International of Washington Inc.",
    "DSV Air & Sea A/S",
    "UPS Supply Chain Solutions Inc.",
    "FedEx Trade Networks Transport & Brokerage Inc.",
]


def read(name: str) -> list[dict[str, str]]:
    with (CASES / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def ordinary_lines(n: int, seed: int) -> tuple[list[dict[str, str]], dict[str, str]]:
    """``n`` ordinary lines (about one in ten to a hub contract manufacturer) and the
    group of each order id (``allied`` or ``hub_ems``)."""
    rng = random.Random(seed)
    allied, hub, parts = read("customers.csv"), read("hub_ems.csv"), read("parts.csv")
    rows: list[dict[str, str]] = []
    group: dict[str, str] = {}
    for i in range(n):
        oid = f"O{i:05d}"
        is_hub = rng.random() < 0.1
        cust = rng.choice(hub if is_hub else allied)
        part = rng.choice(parts)
        qty = rng.choice([10, 25, 50, 100, 250, 500, 1000, 2500, 5000])
        rows.append(
            {
                "order_id": oid,
                "customer": cust["name"],
                "consignee": cust["name"],
                "freight_forwarder": rng.choice(FORWARDERS),
                "ship_to_country": cust["country"],
                "ship_to_address": cust["address"],
                "hs_code": part["hs_code"],
                "part_number": part["part_number"],
                "manufacturer": part["manufacturer"],
                "description": part["description"],
                "quantity": str(qty),
                "unit_price": part["unit_price"],
                "currency": "EUR" if cust["country"] in ("DE", "FR", "IT", "ES", "NL") else "USD",
                "end_use": cust["end_use"],
            }
        )
        group[oid] = "hub_ems" if is_hub else "allied"
    return rows, group


def run(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-4000:], file=sys.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ordinary", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    if not SHARED.is_dir():
        raise SystemExit(f"needs the shared data folder at {SHARED}")
    sys.path.insert(0, str(ROOT / "src"))
    from counterflow.orders.columns import ORDER_COLUMNS

    work = args.workdir or Path(tempfile.mkdtemp(prefix="cf-bench-orders-eval-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, COUNTERFLOW_HOME=str(work / "home"))
    exe = [sys.executable, "-m", "counterflow.cli.main"]
    run([*exe, "lists", "load", str(SHARED / "lists")], env)
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
    cases = read("diversion_cases.csv")
    ordinary, group = ordinary_lines(args.ordinary, args.seed)
    orders = work / "orders.csv"
    with orders.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, ORDER_COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(cases)
        w.writerows(ordinary)
    out = work / "screened.csv"
    t = run([*exe, "screen", "orders", str(orders), "-o", str(out), "-q"], env)
    with out.open(encoding="utf-8") as fh:
        result = {r["order_id"]: r for r in csv.DictReader(fh)}
    rows: list[tuple[str, str]] = []
    for detectable, label in (("yes", "diversion cases flagged"), ("no", "undetectable fronts")):
        subset = [c for c in cases if c["detectable"] == detectable]
        hit = [c for c in subset if result[c["order_id"]]["risk"] != "clear"]
        blocked = [c for c in hit if result[c["order_id"]]["risk"] == "block"]
        rows.append(
            (
                f"{label} (review or block)",
                f"{len(hit)} / {len(subset)} ({100 * len(hit) / len(subset):.0f} %), "
                f"{len(blocked)} block",
            )
        )
        if detectable == "yes":
            for c in subset:
                if c not in hit:
                    r = result[c["order_id"]]
                    rows.append(
                        (f"  missed {c['order_id']}", f"{c['pattern']}: {r['explanation']}")
                    )
    for g in ("allied", "hub_ems"):
        ids = [oid for oid, gg in group.items() if gg == g]
        risk = Counter(result[oid]["risk"] for oid in ids)
        flags: Counter[str] = Counter()
        for oid in ids:
            if result[oid]["risk"] != "clear":
                flags.update(result[oid]["flags"].split(";"))
        alerted = risk["review"] + risk["block"]
        rows.append(
            (
                f"ordinary {g} lines to review/block",
                f"{alerted} / {len(ids)} ({100 * alerted / max(len(ids), 1):.2f} %), "
                f"block {risk['block']}; flags: "
                + ", ".join(f"{k} {v}" for k, v in flags.most_common(4)),
            )
        )
    fp_parties = Counter(
        result[oid]["explanation"][:110]
        for oid, g in group.items()
        if g == "allied" and result[oid]["risk"] != "clear"
    )
    for text, n in fp_parties.most_common(5):
        rows.append(("  false alert", f"{n}x {text}"))
    rows.append(("screen orders wall time", f"{t:.1f} s for {len(cases) + len(ordinary)} lines"))
    width = max(len(k) for k, _ in rows)
    print(f"\n{'measure':<{width}}  value\n{'-' * width}  -----")
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    load = os.getloadavg()[0]
    print(f"\n(work folder: {work}; load average {load:.1f}; cores: {os.cpu_count()})")


if __name__ == "__main__":
    main()
