"""`audit verify` covers the record: state changed in the database behind Counterflow's
back (a decision, an alert, a key's role, an allow-list row, a run) is caught by
re-deriving it from the chain; a truncated or recomputed chain is caught by an anchor
exported earlier (`audit head`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from counterflow.cli.main import main
from counterflow.review import audit
from counterflow.review.digests import canonical_json
from counterflow.review.keys import create_key, revoke_key
from counterflow.review.recording import screen_and_record
from counterflow.review.store import ReviewStore
from fake_screener import FakeScreener


def _record(review: ReviewStore, screener: FakeScreener, customers) -> list[int]:
    _, _, s = screen_and_record(review, screener, customers, actor="seed")
    review.decide(s.alerts[0], "false_positive", "not our customer", "ana")
    if len(s.alerts) > 1:
        review.decide(s.alerts[1], "true_match", "same person", "ana")
    create_key(review, "screener", label="bot", actor="admin")
    _, old = create_key(review, "analyst", label="left", actor="admin")
    revoke_key(review, old.id, actor="admin")
    return s.alerts


TAMPER = {
    "decision edited": "UPDATE decisions SET decision = 'true_match' WHERE id = 1",
    "decision reason edited": "UPDATE decisions SET reason = 'x' WHERE id = 1",
    "alert status edited": "UPDATE alerts SET status = 'false_positive' WHERE id = "
    "(SELECT MAX(id) FROM alerts)",
    "alert score edited": "UPDATE alerts SET score = 0.1",
    "key role raised": "UPDATE api_keys SET role = 'admin'",
    "key un-revoked": "UPDATE api_keys SET revoked_at = NULL",
    "allow-list row inserted": "INSERT INTO allow_list (customer_id, customer_digest, "
    "entity_id, record_digest, alert_id, reason, actor, created_at) VALUES "
    "('c9', 'd', 'us_ofac_sdn:36', 'r', 1, 'x', 'ana', '2026-01-01')",
    "allow-list row revoked": "UPDATE allow_list SET revoked_at = '2026-01-01'",
    "decision deleted": "DELETE FROM decisions WHERE id = 1",
    "run results edited": "UPDATE runs SET n_alerts = 0",
}


@pytest.mark.parametrize("what", sorted(TAMPER))
def test_state_changed_outside_counterflow_is_caught(review, screener, customers, what):
    _record(review, screener, customers)
    ok = review.verify_audit()
    assert ok.ok, ok.problem
    with review.backend.write() as tx:
        tx.execute(TAMPER[what])
    bad = review.verify_audit()
    assert not bad.ok, what
    assert "outside Counterflow" in (bad.problem or "") or "missing" in (bad.problem or "")


def test_changes_made_by_counterflow_keep_verifying(review, screener, customers):
    ids = _record(review, screener, customers)
    review.reopen(ids[0], "new facts", "ana")
    review.decide(ids[0], "needs_info", "ask the bank", "ana")
    _, info = create_key(review, "analyst", label="x", actor="admin")
    revoke_key(review, info.id, actor="admin")
    res = review.verify_audit()
    assert res.ok, res.problem


def _recompute_chain(review: ReviewStore, keep: int | None = None) -> None:
    """What an attacker with write access to the whole database can do: cut the tail or
    rewrite entries and recompute every hash so the chain is self-consistent again."""
    with review.backend.write() as tx:
        rows = tx.all("SELECT * FROM audit ORDER BY seq")
        if keep is not None:
            tx.execute("DELETE FROM audit WHERE seq > ?", (keep,))
            rows = rows[:keep]
        prev = audit.GENESIS
        for r in rows:
            data = json.loads(r["data"])
            if r["event"] == "decision":
                data["reason"] = "rewritten"
            text = canonical_json(data)
            h = audit.entry_hash(
                r["seq"], r["at"], r["actor"], r["event"], r["subject"], text, prev
            )
            tx.execute(
                "UPDATE audit SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                (text, prev, h, r["seq"]),
            )
            prev = h
        tx.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (len(rows), prev))


def test_anchor_catches_a_recomputed_chain(review, screener, customers):
    _record(review, screener, customers)
    anchor = audit.head(review.backend)
    assert review.verify_audit(anchor).ok
    _recompute_chain(review)
    assert review.verify_audit().ok  # self-consistent: only the anchor can tell
    bad = review.verify_audit(anchor)
    assert not bad.ok and "anchored hash" in (bad.problem or "")


def test_anchor_catches_a_cut_tail(review, screener, customers):
    _record(review, screener, customers)
    anchor = audit.head(review.backend)
    # Cut the last entry (a key revocation) and undo it, then make the chain consistent.
    with review.backend.write() as tx:
        tx.execute("UPDATE api_keys SET revoked_at = NULL")
    _recompute_chain(review, keep=anchor.seq - 1)
    bad = review.verify_audit(anchor)
    assert not bad.ok and "removed since the anchor" in (bad.problem or "")


def _cli(argv: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out + err


def test_cli_head_and_verify_with_anchor(tmp_path: Path, review, screener, customers, capsys):
    _record(review, screener, customers)
    db = str(tmp_path / "review.sqlite")
    head_file = tmp_path / "head.json"
    code, out = _cli(["audit", "head", "--db", db, "-o", str(head_file)], capsys)
    assert code == 0, out
    anchor = json.loads(head_file.read_text())
    assert anchor["seq"] == audit.head(review.backend).seq
    code, out = _cli(["audit", "verify", "--db", db, "--anchor", str(head_file)], capsys)
    assert code == 0 and "anchor" in out, out
    code, out = _cli(["audit", "verify", "--db", db, "--anchor", "12:nothex"], capsys)
    assert code == 1
    with review.backend.write() as tx:
        tx.execute("UPDATE api_keys SET role = 'admin'")
    code, out = _cli(["audit", "verify", "--db", db], capsys)
    assert code == 1 and "api_keys row" in out
