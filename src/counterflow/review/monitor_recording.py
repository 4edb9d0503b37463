"""What the monitors (vessel evidence cards, site scans) share when they record: a run
row of their kind, the open alert that already holds the same finding, and a new
``review`` alert in the ordinary alerts table with its audit entry. Each caller says what
its run, alert and audit entries carry; this module only writes them, inside the
caller's transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from counterflow.review import audit
from counterflow.review.digests import canonical_json


def insert_run(
    tx: Any,
    at: str,
    actor: str,
    source: str,
    kind: str,
    input_digest: str,
    settings: dict[str, Any],
    n_queries: int,
    n_hits: int,
) -> int:
    """A run row (counts of alerts filled in by ``finish_run``); returns its id."""
    row = tx.one(
        "INSERT INTO runs (created_at, actor, source, kind, input_digest, list_versions,"
        " settings, n_queries, n_hits, n_alerts, n_suppressed, n_existing, results)"
        " VALUES (?, ?, ?, ?, ?, '{}', ?, ?, ?, 0, 0, 0, '[]') RETURNING id",
        (at, actor, source, kind, input_digest, canonical_json(settings), n_queries, n_hits),
    )
    assert row is not None
    return int(row["id"])


def open_alert(tx: Any, customer_id: str, entity_id: str, record_digest: str) -> int | None:
    """The newest alert still under review with the same customer, entity and record."""
    same = tx.one(
        "SELECT id FROM alerts WHERE customer_id = ? AND entity_id = ?"
        " AND record_digest = ? AND status IN ('open', 'needs_info', 'true_match')"
        " ORDER BY id DESC LIMIT 1",
        (customer_id, entity_id, record_digest),
    )
    return None if same is None else int(same["id"])


@dataclass(frozen=True, slots=True)
class Finding:
    """One monitor alert's row (band ``review``, status ``open``)."""

    customer_id: str
    customer_digest: str
    query: dict[str, Any]
    entity_id: str
    dataset: str
    source_id: str
    record_digest: str
    record: dict[str, Any]
    entity_name: str
    matched_name: str
    kind: str
    score: float
    explanation: str
    features: dict[str, Any]


def insert_alert(
    tx: Any, run_id: int, at: str, actor: str, f: Finding, audit_extra: dict[str, Any]
) -> int:
    """The alert row and its audit entry (run, customer, entity, kind, band and
    ``audit_extra``, whose ``score`` is the one the caller shows); returns its id."""
    row = tx.one(
        "INSERT INTO alerts (run_id, created_at, updated_at, status, version, customer_id,"
        " customer_digest, query, entity_id, dataset, source_id, record_digest, record,"
        " entity_name, matched_name, kind, score, band, explanation, features)"
        " VALUES (?, ?, ?, 'open', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'review', ?, ?)"
        " RETURNING id",
        (
            run_id,
            at,
            at,
            f.customer_id,
            f.customer_digest,
            canonical_json(f.query),
            f.entity_id,
            f.dataset,
            f.source_id,
            f.record_digest,
            canonical_json(f.record),
            f.entity_name,
            f.matched_name,
            f.kind,
            f.score,
            f.explanation,
            canonical_json(f.features),
        ),
    )
    assert row is not None
    alert_id = int(row["id"])
    entry: dict[str, Any] = {
        "run_id": run_id,
        "customer_id": f.customer_id,
        "entity_id": f.entity_id,
        "kind": f.kind,
    }
    score = audit_extra.get("score")
    entry["score"] = score
    entry["band"] = "review"
    entry.update({k: v for k, v in audit_extra.items() if k != "score"})
    audit.append(tx, actor, "alert", f"alert:{alert_id}", entry)
    return alert_id


def finish_run(
    tx: Any, run_id: int, n_alerts: int, n_existing: int, results: list[dict[str, Any]]
) -> None:
    tx.execute(
        "UPDATE runs SET n_alerts = ?, n_existing = ?, results = ? WHERE id = ?",
        (n_alerts, n_existing, json.dumps(results), run_id),
    )
