"""Audit chain: verification, tamper detection, crash mid-write, concurrent decisions."""

from __future__ import annotations

import multiprocessing as mp
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from counterflow.review.recording import screen_and_record
from counterflow.review.store import ConflictError, ReviewStore
from fake_screener import FakeScreener


def _seed(review: ReviewStore, screener: FakeScreener, customers) -> list[int]:
    _, _, s = screen_and_record(review, screener, customers, actor="seed")
    return s.alerts


def test_chain_verifies_and_detects_tampering(review, screener, customers):
    ids = _seed(review, screener, customers)
    review.decide(ids[0], "false_positive", "not our customer", "ana")
    res = review.verify_audit()
    assert res.ok and res.entries >= 4
    with review.backend.write() as tx:
        tx.execute(
            "UPDATE audit SET data = ? WHERE event = 'decision'", ('{"decision":"true_match"}',)
        )
    bad = review.verify_audit()
    assert not bad.ok and "altered" in (bad.problem or "")


def test_removed_tail_entry_is_detected(review, screener, customers):
    _seed(review, screener, customers)
    with review.backend.write() as tx:
        tx.execute("DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)")
    res = review.verify_audit()
    assert not res.ok and "removed" in (res.problem or "")


def test_crash_mid_write_leaves_chain_verifiable(tmp_path: Path, review, screener, customers):
    ids = _seed(review, screener, customers)
    before = review.verify_audit()
    db = review.backend.path  # type: ignore[attr-defined]
    review.close()
    # A process dies (no commit, no rollback) after writing a decision, its audit entry
    # and the allow-list row, halfway through the transaction.
    script = textwrap.dedent(
        f"""
        import os
        from counterflow.review import audit
        from counterflow.review.store import ReviewStore
        r = ReviewStore.open({str(db)!r})
        real = audit.append
        calls = []
        def dying(*a, **k):
            calls.append(1)
            seq = real(*a, **k)
            if len(calls) == 2:
                os._exit(3)
            return seq
        audit.append = dying
        r.decide({ids[0]}, "false_positive", "dies half-way", "crasher")
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert proc.returncode == 3, proc.stderr.decode()
    again = ReviewStore.open(db)
    after = again.verify_audit()
    assert after.ok, after.problem
    assert after.entries == before.entries
    assert again.get_alert(ids[0]).status == "open"
    assert again.allow_list() == []
    again.decide(ids[0], "true_match", "ok after crash", "ana")
    assert again.verify_audit().ok
    again.close()


def test_concurrent_decisions_on_one_alert_threads(review, screener, customers):
    ids = _seed(review, screener, customers)
    alert_id = ids[0]
    n = 16
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def worker(i: int) -> None:
        try:
            barrier.wait()
            review.decide(alert_id, "needs_info", f"question {i}", f"user{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    a = review.get_alert(alert_id)
    assert len(a.decisions) == n
    assert {d["reason"] for d in a.decisions} == {f"question {i}" for i in range(n)}
    assert a.version == 1 + n
    assert review.verify_audit().ok


def test_racing_final_decisions_one_wins_none_lost(review, screener, customers):
    ids = _seed(review, screener, customers)
    alert_id = ids[1]
    results: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker(i: int) -> None:
        barrier.wait()
        try:
            review.decide(alert_id, "true_match" if i % 2 else "false_positive", f"r{i}", f"u{i}")
            out = "ok"
        except ConflictError:
            out = "conflict"
        with lock:
            results.append(out)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1 and results.count("conflict") == 7
    a = review.get_alert(alert_id)
    assert len(a.decisions) == 1 and a.status == a.decisions[0]["decision"]
    assert review.verify_audit().ok


def _proc_decide(db: str, alert_id: int, i: int, n: int) -> None:
    r = ReviewStore.open(db)
    for k in range(n):
        r.decide(alert_id, "needs_info", f"p{i}-{k}", f"proc{i}")
    r.close()


def test_concurrent_decisions_from_processes(review, screener, customers):
    ids = _seed(review, screener, customers)
    db = str(review.backend.path)  # type: ignore[attr-defined]
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_proc_decide, args=(db, ids[0], i, 10)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert all(p.exitcode == 0 for p in procs)
    a = review.get_alert(ids[0])
    assert len(a.decisions) == 40
    assert review.verify_audit().ok
