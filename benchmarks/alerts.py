"""Queue volume before/after listed-entity grouping, and certificate size / verify time.

    python benchmarks/alerts.py [--home DIR] [--quick]

Definitions
* Lists: every file of ../shared/data/lists in the store of ``--home`` (default: a fresh
  temporary home, loaded here); screening by the real matcher at the review band, top 10.
* before = one alert per customer x list record (no grouping: what the review store did
  before issue 15); after = one alert per customer x listed entity (``store.grouping``).
  Both record the very same hits, into two fresh review stores.
* UN positives (yente candidate-generation benchmark, untreated and treated): each row is
  one UN-listed person, so each query has exactly one true match: alerts per true match =
  alerts / queries with any alert. Congress members (not listed) and the demo parties
  (examples/parties.csv, each customer one party) are counted the same way.
* Certificates: a run certificate of the UN-positives run (results inline) and of the
  demo run, a decision certificate; sizes as JSON and PDF; verify = signature check of
  the JSON in process (mean of 200) and ``counterflow certificate verify`` end to end.
* Grouping: ``compute_groups`` over all records in force (what a load adds).
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared" / "data"
NAMES = SHARED / "benchmarks" / "names"


def _queries(name: str, limit: int | None) -> list[Any]:
    from counterflow.match.types import Query

    out = []
    with open(NAMES / name, encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            if limit is not None and i >= limit:
                break
            dob = (row.get("date_of_birth") or "").strip()
            out.append(
                Query(
                    id=f"q{i}",
                    name=row["full_name"],
                    kind="person",
                    birth_dates=[dob] if dob else [],
                )
            )
    return out


def _demo() -> list[Any]:
    from counterflow.match.csvio import ReadStats, read_queries

    _, qs = read_queries(ROOT / "examples" / "parties.csv", ReadStats())
    return list(qs)


def _volume(
    label: str, queries: list[Any], screener: Any, store: Any, tmp: Path
) -> tuple[list[str], Any]:
    from counterflow.match.bands import REVIEW
    from counterflow.review.recording import list_versions, record_run
    from counterflow.review.store import ReviewStore
    from counterflow.store.grouping import EntityGroups

    hits = [list(h) for h in screener.screen_many(queries, threshold=REVIEW, limit=10)]
    versions = list_versions(store)
    counts = {}
    keep = None
    for mode, groups in (("before", EntityGroups()), ("after", store.entity_groups())):
        review = ReviewStore.open(tmp / f"{label}-{mode}.sqlite")
        s = record_run(
            review,
            queries,
            hits,
            actor="bench",
            versions=versions,
            list_store=store,
            groups=groups,
        )
        alerted = len({a.customer_id for a in review.list_alerts(status=None, limit=10**6)})
        counts[mode] = (len(s.alerts), alerted)
        if mode == "after":
            keep = (review, s)
        else:
            review.close()
    (b, qb), (a, qa) = counts["before"], counts["after"]
    row = [
        label,
        str(len(queries)),
        str(qa),
        f"{b} ({b / qb:.2f})" if qb else "0",
        f"{a} ({a / qa:.2f})" if qa else "0",
        f"{100.0 * (b - a) / b:.0f} %" if b else "-",
    ]
    return row, keep


def _table(head: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--home", type=Path, help="COUNTERFLOW_HOME with the lists loaded")
    ap.add_argument("--quick", action="store_true", help="first 200 queries of each set")
    args = ap.parse_args()
    tmpdir = tempfile.TemporaryDirectory()
    tmp = Path(tmpdir.name)
    home = args.home or tmp / "home"
    os.environ["COUNTERFLOW_HOME"] = str(home)
    from counterflow.match import open_screener
    from counterflow.store import ListStore
    from counterflow.store.loader import load_paths

    store = ListStore.open()
    if not store.status():
        print(f"loading ../shared/data/lists into {home} ...", file=sys.stderr)
        load_paths([SHARED / "lists"], store)
    t = time.perf_counter()
    from counterflow.store.grouping import compute_groups

    groups = compute_groups(store.iter_records())
    t_group = time.perf_counter() - t
    n_records = sum(s.records for s in store.status())
    screener = open_screener(store)
    limit = 200 if args.quick else None
    sets = [
        ("demo (examples/parties.csv)", _demo()),
        ("UN positives, untreated", _queries("yente_cgb_positives_un_untreated.csv", limit)),
        ("UN positives, treated", _queries("yente_cgb_positives_un_treated.csv", limit)),
        (
            "US Congress (not listed)",
            _queries("yente_cgb_positives_us_congress_untreated.csv", limit),
        ),
    ]
    rows = []
    kept: dict[str, Any] = {}
    for label, qs in sets:
        row, keep = _volume(label.split(" (")[0].replace(" ", "_"), qs, screener, store, tmp)
        row[0] = label
        rows.append(row)
        kept[label] = keep
    load = os.getloadavg()
    print(f"\nQueue volume (load average {load[0]:.1f} / {load[1]:.1f})\n")
    _table(
        [
            "queries",
            "n",
            "customers alerted",
            "alerts before (per true match)",
            "alerts after (per true match)",
            "fewer",
        ],
        rows,
    )
    print(
        f"\ngrouping: {len(groups):,} listed entities join {len(groups.group):,} of "
        f"{n_records:,} records; compute_groups {t_group:.1f} s"
    )

    # ----- certificates
    from counterflow.review.certificate_pdf import certificate_pdf
    from counterflow.review.certificates import issue, load_signing_key, to_json, verify

    os.environ["COUNTERFLOW_SIGNING_KEY"] = str(tmp / "signing.pem")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pk = Ed25519PrivateKey.generate()
    (tmp / "signing.pem").write_bytes(
        pk.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key = load_signing_key()
    crows = []
    for label in ("demo (examples/parties.csv)", "UN positives, untreated"):
        review, summary = kept[label]
        certs = [("run: " + label, issue(review, "run", summary.run_id, actor="bench", key=key))]
        if label.startswith("demo") and summary.alerts:
            review.decide(summary.alerts[0], "true_match", "bench", "bench")
            certs.append(
                (
                    "decision: demo alert",
                    issue(review, "decision", summary.alerts[0], actor="bench", key=key),
                )
            )
        for name, signed in certs:
            js = to_json(signed).encode("utf-8")
            pdf = certificate_pdf(signed)
            t = time.perf_counter()
            for _ in range(200):
                verify(signed)
            per = (time.perf_counter() - t) / 200 * 1000
            path = tmp / "c.pdf"
            path.write_bytes(pdf)
            t = time.perf_counter()
            rc = subprocess.call(
                [sys.executable, "-m", "counterflow.cli.main", "certificate", "verify", str(path)],
                stdout=subprocess.DEVNULL,
            )
            cli = time.perf_counter() - t
            crows.append(
                [
                    name,
                    f"{len(js) / 1024:.1f} KiB",
                    f"{len(pdf) / 1024:.1f} KiB",
                    f"{per:.2f} ms",
                    f"{cli:.2f} s" + ("" if rc == 0 else f" (exit {rc})"),
                ]
            )
    load = os.getloadavg()
    print(f"\nCertificates (load average {load[0]:.1f} / {load[1]:.1f})\n")
    _table(
        ["certificate", "JSON", "PDF", "verify (in process)", "verify PDF (CLI, end to end)"], crows
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
