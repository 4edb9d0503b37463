"""Recording a screening run: input digest, list versions in force, settings, results;
hits at or above the review band become alerts unless the allow-list suppresses them.

An alert is raised for (customer, listed record) unless an active allow-list entry holds
for the same customer digest and record digest (a decided false positive), or an alert
for the very same pair and digests is already open / needs info / a true match.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from counterflow.match.types import Hit, Query, Screener
from counterflow.records.model import Party
from counterflow.review import audit
from counterflow.review.backend import Tx
from counterflow.review.digests import (
    canonical_json,
    customer_digest,
    input_digest,
    query_to_dict,
    record_digest,
)
from counterflow.review.store import ReviewStore

REVIEW_BANDS: tuple[str, ...] = ("match", "review")


@dataclass(slots=True)
class RunSummary:
    run_id: int
    n_queries: int
    n_hits: int
    alerts: list[int] = field(default_factory=list)
    suppressed: int = 0
    existing: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "queries": self.n_queries,
            "hits": self.n_hits,
            "alerts_raised": len(self.alerts),
            "alert_ids": self.alerts,
            "suppressed_by_allow_list": self.suppressed,
            "already_alerted": self.existing,
            "results": self.results,
        }


def list_versions(store: Any) -> dict[str, Any]:
    """The list versions in force (dataset -> version, sha256) from a ListStore."""
    if store is None:
        return {}
    out: dict[str, Any] = {}
    for s in store.status():
        out[s.dataset] = {"version": s.version, "sha256": s.sha256, "records": s.records}
    return out


def _hit_party(hit: Hit, list_store: Any) -> Party | None:
    if hit.party is not None:
        return hit.party
    if list_store is None:
        return None
    found: list[Party] = list_store.get(hit.source_id, hit.dataset)
    return found[0] if found else None


def _upsert_customer(tx: Tx, actor: str, q: Query, digest: str, at: str) -> None:
    row = tx.one("SELECT digest FROM customers WHERE customer_id = ?", (q.id,))
    data = canonical_json(query_to_dict(q))
    if row is None:
        tx.execute(
            "INSERT INTO customers (customer_id, digest, data, updated_at) VALUES (?, ?, ?, ?)",
            (q.id, digest, data, at),
        )
    elif row["digest"] != digest:
        tx.execute(
            "UPDATE customers SET digest = ?, data = ?, updated_at = ? WHERE customer_id = ?",
            (digest, data, at, q.id),
        )
        audit.append(
            tx,
            actor,
            "customer.changed",
            f"customer:{q.id}",
            {"old_digest": row["digest"], "new_digest": digest},
        )


def record_run(
    review: ReviewStore,
    queries: Sequence[Query],
    hits: Sequence[Sequence[Hit]],
    *,
    actor: str,
    source: str = "cli",
    kind: str = "parties",
    settings: dict[str, Any] | None = None,
    versions: dict[str, Any] | None = None,
    raw_input: bytes | None = None,
    list_store: Any = None,
    save_customers: bool = True,
) -> RunSummary:
    """Store one run and raise its alerts, in one transaction (with audit entries)."""
    if len(queries) != len(hits):
        raise ValueError("one list of hits per query")
    at = audit.now_iso()
    digest = input_digest(list(queries), raw_input)
    results: list[dict[str, Any]] = []
    n_hits = sum(len(h) for h in hits)
    summary = RunSummary(run_id=0, n_queries=len(queries), n_hits=n_hits)
    with review.backend.write() as tx:
        audit.lock_head(tx)
        row = tx.one(
            "INSERT INTO runs (created_at, actor, source, kind, input_digest, list_versions,"
            " settings, n_queries, n_hits, n_alerts, n_suppressed, n_existing, results)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, '[]') RETURNING id",
            (
                at,
                actor,
                source,
                kind,
                digest,
                canonical_json(versions or {}),
                canonical_json(settings or {}),
                len(queries),
                n_hits,
            ),
        )
        assert row is not None
        run_id = int(row["id"])
        summary.run_id = run_id
        for q, q_hits in zip(queries, hits, strict=True):
            c_digest = customer_digest(q)
            if save_customers:
                _upsert_customer(tx, actor, q, c_digest, at)
            q_results: list[dict[str, Any]] = []
            for h in q_hits:
                entry: dict[str, Any] = {
                    "entity_id": h.entity_id,
                    "score": round(h.score, 4),
                    "decision": h.decision,
                }
                if h.decision in REVIEW_BANDS:
                    outcome, alert_id = _raise(tx, actor, run_id, q, c_digest, h, list_store, at)
                    entry["review"] = outcome
                    if alert_id is not None:
                        entry["alert_id"] = alert_id
                    if outcome == "raised" and alert_id is not None:
                        summary.alerts.append(alert_id)
                    elif outcome == "suppressed":
                        summary.suppressed += 1
                    else:
                        summary.existing += 1
                q_results.append(entry)
            results.append({"query_id": q.id, "hits": q_results})
        tx.execute(
            "UPDATE runs SET n_alerts = ?, n_suppressed = ?, n_existing = ?, results = ?"
            " WHERE id = ?",
            (
                len(summary.alerts),
                summary.suppressed,
                summary.existing,
                json.dumps(results),
                run_id,
            ),
        )
        audit.append(
            tx,
            actor,
            "run",
            f"run:{run_id}",
            {
                "source": source,
                "kind": kind,
                "input_digest": digest,
                "list_versions": versions or {},
                "settings": settings or {},
                "queries": len(queries),
                "hits": n_hits,
                "alerts": len(summary.alerts),
                "suppressed": summary.suppressed,
                "existing": summary.existing,
            },
        )
    summary.results = results
    return summary


def _raise(
    tx: Tx,
    actor: str,
    run_id: int,
    q: Query,
    c_digest: str,
    h: Hit,
    list_store: Any,
    at: str,
) -> tuple[str, int | None]:
    party = _hit_party(h, list_store)
    rec = party.to_dict() if party is not None else {}
    r_digest = record_digest(party) if party is not None else "unknown"
    if ReviewStore.is_allowed(tx, q.id, c_digest, h.entity_id, r_digest):
        return "suppressed", None
    same = tx.one(
        "SELECT id FROM alerts WHERE customer_id = ? AND customer_digest = ? AND entity_id = ?"
        " AND record_digest = ? AND status IN ('open', 'needs_info', 'true_match')"
        " ORDER BY id DESC LIMIT 1",
        (q.id, c_digest, h.entity_id, r_digest),
    )
    if same is not None:
        return "existing", int(same["id"])
    row = tx.one(
        "INSERT INTO alerts (run_id, created_at, updated_at, status, version, customer_id,"
        " customer_digest, query, entity_id, dataset, source_id, record_digest, record,"
        " entity_name, matched_name, kind, score, band, explanation, features)"
        " VALUES (?, ?, ?, 'open', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            run_id,
            at,
            at,
            q.id,
            c_digest,
            canonical_json(query_to_dict(q)),
            h.entity_id,
            h.dataset,
            h.source_id,
            r_digest,
            canonical_json(rec),
            h.entity_name,
            h.matched_name,
            h.kind,
            float(h.score),
            h.decision,
            h.explanation,
            canonical_json(h.features),
        ),
    )
    assert row is not None
    alert_id = int(row["id"])
    audit.append(
        tx,
        actor,
        "alert",
        f"alert:{alert_id}",
        {
            "run_id": run_id,
            "customer_id": q.id,
            "entity_id": h.entity_id,
            "score": round(float(h.score), 4),
            "band": h.decision,
        },
    )
    return "raised", alert_id


def screen_and_record(
    review: ReviewStore,
    screener: Screener,
    queries: Iterable[Query],
    *,
    actor: str,
    threshold: float = 0.5,
    limit: int = 10,
    source: str = "cli",
    list_store: Any = None,
    raw_input: bytes | None = None,
) -> tuple[list[Query], list[list[Hit]], RunSummary]:
    """Screen ``queries`` and record the run. Returns the queries, hits and summary."""
    qs = list(queries)
    hits = [list(h) for h in screener.screen_many(qs, threshold=threshold, limit=limit)]
    summary = record_run(
        review,
        qs,
        hits,
        actor=actor,
        source=source,
        settings={"threshold": threshold, "limit": limit},
        versions=list_versions(list_store),
        raw_input=raw_input,
        list_store=list_store,
    )
    return qs, hits, summary


class Recorder:
    """Collects a streamed screening run and records it at the end (for CLI commands):

    rec = Recorder(review, actor="cli:ana", settings={...}, input_path=path)
    for query, hits in screener.screen_stream(...): ...; rec.add(query, hits)
    summary = rec.finish(list_store)
    """

    def __init__(
        self,
        review: ReviewStore,
        *,
        actor: str,
        settings: dict[str, Any] | None = None,
        input_path: Any = None,
        source: str = "cli",
        kind: str = "parties",
    ) -> None:
        self.review = review
        self.actor = actor
        self.settings = settings or {}
        self.source = source
        self.kind = kind
        self.raw: bytes | None = None
        if input_path is not None and str(input_path) != "-":
            from pathlib import Path

            self.raw = Path(input_path).read_bytes()
        self.queries: list[Query] = []
        self.hits: list[list[Hit]] = []

    def add(self, query: Query, hits: Sequence[Hit]) -> None:
        self.queries.append(query)
        self.hits.append(list(hits))

    def finish(self, list_store: Any = None) -> RunSummary:
        return record_run(
            self.review,
            self.queries,
            self.hits,
            actor=self.actor,
            source=self.source,
            kind=self.kind,
            settings=self.settings,
            versions=list_versions(list_store),
            raw_input=self.raw,
            list_store=list_store,
        )


def cli_actor() -> str:
    """``cli:<login name>`` for runs and decisions made from the command line."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"
