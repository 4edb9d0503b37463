"""Recording a screening run: input digest, list versions in force, settings, results;
hits at or above the review band become alerts unless the allow-list suppresses them.

One alert per customer x listed entity (``review.alerting``): the hits of a run on
records that the list store groups into one entity (``ListStore.entity_groups``) become
one alert whose evidence is every record of the entity; a second run adds nothing beside
an alert still open, and re-opens a decided one when the customer or any record changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from counterflow.match.types import Hit, Query, Screener
from counterflow.review import audit
from counterflow.review.alerting import Finding, entity_finding, raise_alert
from counterflow.review.backend import Tx
from counterflow.review.digests import (
    canonical_json,
    customer_digest,
    input_digest,
    query_to_dict,
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
    reopened: list[int] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)

    def count(self, outcome: str, alert_id: int | None) -> None:
        if outcome == "raised" and alert_id is not None:
            self.alerts.append(alert_id)
        elif outcome == "reopened" and alert_id is not None:
            self.reopened.append(alert_id)
        elif outcome == "suppressed":
            self.suppressed += 1
        else:
            self.existing += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "queries": self.n_queries,
            "hits": self.n_hits,
            "alerts_raised": len(self.alerts),
            "alert_ids": self.alerts,
            "suppressed_by_allow_list": self.suppressed,
            "already_alerted": self.existing,
            "alerts_reopened": len(self.reopened),
            "reopened_ids": self.reopened,
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


def entity_groups(list_store: Any) -> Any:
    """The list store's listed entities (``store.grouping.EntityGroups``), or None."""
    get = getattr(list_store, "entity_groups", None)
    return get() if callable(get) else None


def group_hits(hits: Sequence[Hit], groups: Any) -> dict[str, list[Hit]]:
    """Hits in the review band by listed entity (group id), best entity first."""
    out: dict[str, list[Hit]] = {}
    for h in sorted(hits, key=lambda x: -x.score):
        if h.decision in REVIEW_BANDS:
            gid = groups.group_of(h.entity_id) if groups is not None else h.entity_id
            out.setdefault(gid, []).append(h)
    return out


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
    groups: Any = None,
    findings: Sequence[Sequence[Finding]] | None = None,
) -> RunSummary:
    """Store one run and raise its alerts, in one transaction (with audit entries): one
    alert per customer x listed entity (``groups``: default the list store's). With
    ``findings`` (one list per query, e.g. order lines), those are raised instead of
    the hits' entities."""
    if len(queries) != len(hits):
        raise ValueError("one list of hits per query")
    if groups is None:
        groups = entity_groups(list_store)
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
        for n, (q, q_hits) in enumerate(zip(queries, hits, strict=True)):
            c_digest = customer_digest(q)
            if save_customers:
                _upsert_customer(tx, actor, q, c_digest, at)
            outcomes: dict[str, tuple[str, int | None]] = {}
            if findings is not None:
                q_findings = list(findings[n])
            else:
                q_findings = [
                    entity_finding(gid, g_hits, groups=groups, list_store=list_store)
                    for gid, g_hits in group_hits(q_hits, groups).items()
                ]
            for f in q_findings:
                outcome, alert_id = raise_alert(tx, actor, run_id, q, c_digest, f, at)
                summary.count(outcome, alert_id)
                outcomes[f.group_id] = (outcome, alert_id)
                for m in f.members:
                    outcomes.setdefault(m.entity_id, (outcome, alert_id))
            q_results: list[dict[str, Any]] = []
            for h in q_hits:
                gid = groups.group_of(h.entity_id) if groups is not None else h.entity_id
                entry: dict[str, Any] = {
                    "entity_id": h.entity_id,
                    "entity_group": gid,
                    "score": round(h.score, 4),
                    "decision": h.decision,
                }
                got = outcomes.get(gid) or outcomes.get(h.entity_id)
                if h.decision in REVIEW_BANDS and got is not None:
                    entry["review"] = got[0]
                    if got[1] is not None:
                        entry["alert_id"] = got[1]
                q_results.append(entry)
            extra = [
                {"entity_group": f.group_id, "review": outcomes[f.group_id][0]}
                | ({"alert_id": outcomes[f.group_id][1]} if outcomes[f.group_id][1] else {})
                for f in q_findings
                if not any(m.hit is not None for m in f.members)
            ]
            q_entry: dict[str, Any] = {"query_id": q.id, "hits": q_results}
            if extra:
                q_entry["other"] = extra
            results.append(q_entry)
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
                "reopened": len(summary.reopened),
            },
        )
    summary.results = results
    return summary


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
