"""Raising alerts: one alert per customer x listed entity.

A listed entity is a group of records of different lists that are one party
(``store.grouping``; a record in no group is an entity of its own). A screening run's
hits on any records of one entity become ONE alert for the customer, whose evidence is
every record of the entity (``alert_records``; the records that hit carry their score).
The alert is keyed by (customer id, entity); an alert for the same customer and any of
the entity's records is the same alert, even when the group grew or was renamed since.

When a run finds the pair again:
- still open / needs info: nothing new is raised (``existing``); if the customer or any
  record of the entity changed, the alert's evidence is brought up to date;
- decided and nothing changed: a false positive stays suppressed, a true match stays;
- decided and the customer or any record of the entity changed (its ``record_digest``
  is the digest over all of them): the alert is re-opened (a ``reopen`` decision by the
  run's actor, history kept; a false positive's allow-list entry is revoked).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from counterflow.match.types import Hit, Query
from counterflow.records.model import Party
from counterflow.review import audit
from counterflow.review.backend import Tx
from counterflow.review.digests import canonical_json, query_to_dict, record_digest, sha256_text
from counterflow.review.store import ReviewStore


@dataclass(slots=True)
class Member:
    """One record of a listed entity, with its hit in this run (None: it did not hit)."""

    entity_id: str
    dataset: str
    source_id: str
    record: dict[str, Any]
    digest: str
    reason: str = ""
    hit: Hit | None = None


@dataclass(slots=True)
class Finding:
    """What a run puts before an analyst for one customer: a listed entity (or, for an
    order line flagged for goods or route only, the order line itself)."""

    group_id: str
    members: list[Member]
    dataset: str
    source_id: str
    entity_name: str
    matched_name: str
    kind: str
    score: float
    band: str
    explanation: str
    features: dict[str, float] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)
    contexts: list[dict[str, Any]] = field(default_factory=list)  # order lines, per run

    @property
    def digest(self) -> str:
        return group_digest(self.members)


def group_digest(members: list[Member]) -> str:
    """The record digest of an entity: its one record's own digest, or a digest over
    every member's (changes when any member changes, joins or leaves)."""
    if len(members) == 1:
        return members[0].digest
    if not members:
        return "none"
    lines = sorted(f"{m.entity_id}:{m.digest}" for m in members)
    return sha256_text("\n".join(lines))[:32]


def _party(entity_id: str, list_store: Any) -> Party | None:
    if list_store is None:
        return None
    dataset, _, source_id = entity_id.partition(":")
    found: list[Party] = list_store.get(source_id, dataset)
    return found[0] if found else None


def entity_finding(
    group_id: str,
    hits: list[Hit],
    *,
    groups: Any,
    list_store: Any,
) -> Finding:
    """The finding for hits (best first) on records of one listed entity."""
    by_id = {h.entity_id: h for h in hits}
    ids = list(groups.members(group_id)) if groups is not None else []
    for h in hits:
        if h.entity_id not in ids:
            ids.append(h.entity_id)
    members: list[Member] = []
    for eid in ids:
        hit = by_id.get(eid)
        party = hit.party if hit is not None and hit.party is not None else None
        party = party or _party(eid, list_store)
        if party is None and hit is None:
            continue  # a member the store no longer holds
        dataset, _, source_id = eid.partition(":")
        members.append(
            Member(
                entity_id=eid,
                dataset=dataset,
                source_id=source_id,
                record=party.to_dict() if party is not None else {},
                digest=record_digest(party) if party is not None else "unknown",
                reason=groups.why(eid) if groups is not None else "",
                hit=hit,
            )
        )
    best = max(hits, key=lambda x: x.score)
    rec = next((m.record for m in members if m.entity_id == best.entity_id), {})
    return Finding(
        group_id=group_id,
        members=members,
        dataset=best.dataset,
        source_id=best.source_id,
        entity_name=best.entity_name,
        matched_name=best.matched_name,
        kind=best.kind,
        score=float(best.score),
        band="match" if any(h.decision == "match" for h in hits) else best.decision,
        explanation=best.explanation,
        features=dict(best.features),
        record=rec,
    )


def _find_existing(tx: Tx, customer_id: str, f: Finding) -> dict[str, Any] | None:
    ids = list(dict.fromkeys([f.group_id, *(m.entity_id for m in f.members)]))
    marks = ",".join("?" * len(ids))
    return tx.one(
        f"SELECT * FROM alerts WHERE customer_id = ? AND (entity_id IN ({marks}) OR id IN"
        f" (SELECT alert_id FROM alert_records WHERE current = 1 AND entity_id IN ({marks})))"
        " ORDER BY id DESC LIMIT 1",
        (customer_id, *ids, *ids),
    )


def _write_members(tx: Tx, alert_id: int, run_id: int, f: Finding) -> None:
    tx.execute("UPDATE alert_records SET current = 0 WHERE alert_id = ?", (alert_id,))
    for m in f.members:
        h = m.hit
        tx.execute(
            "INSERT INTO alert_records (alert_id, run_id, current, entity_id, dataset,"
            " source_id, record_digest, record, reason, score, matched_name, explanation)"
            " VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                alert_id,
                run_id,
                m.entity_id,
                m.dataset,
                m.source_id,
                m.digest,
                canonical_json(m.record),
                m.reason,
                None if h is None else float(h.score),
                "" if h is None else h.matched_name,
                "" if h is None else h.explanation,
            ),
        )


def _alert_values(q: Query, c_digest: str, f: Finding) -> tuple[Any, ...]:
    return (
        c_digest,
        canonical_json(query_to_dict(q)),
        f.group_id,
        f.dataset,
        f.source_id,
        f.digest,
        canonical_json(f.record),
        f.entity_name,
        f.matched_name,
        f.kind,
        f.score,
        f.band,
        f.explanation,
        canonical_json(f.features),
    )


def _changes(tx: Tx, row: dict[str, Any], c_digest: str, f: Finding) -> list[str]:
    """What differs between the alert as stored and this finding (empty: nothing)."""
    out: list[str] = []
    if row["customer_digest"] != c_digest:
        out.append(f"customer {row['customer_id']} changed")
    if row["record_digest"] != f.digest or row["entity_id"] != f.group_id:
        old = {
            r["entity_id"]: r["record_digest"]
            for r in tx.all(
                "SELECT entity_id, record_digest FROM alert_records"
                " WHERE alert_id = ? AND current = 1",
                (row["id"],),
            )
        }
        if not old:
            old = {row["entity_id"]: row["record_digest"]}
        for m in f.members:
            if m.entity_id not in old:
                out.append(f"record {m.entity_id} joined the entity")
            elif old[m.entity_id] != m.digest:
                out.append(f"listed record {m.entity_id} changed")
        gone = sorted(set(old) - {m.entity_id for m in f.members})
        out += [f"record {e} left the entity" for e in gone]
        if not out:
            out.append(f"listed entity {f.group_id} changed")
    return out


def _reopen(tx: Tx, actor: str, row: dict[str, Any], why: str, at: str) -> None:
    aid = int(row["id"])
    tx.execute(
        "INSERT INTO decisions (alert_id, at, actor, decision, reason, previous_status)"
        " VALUES (?, ?, ?, 'reopen', ?, ?)",
        (aid, at, actor, why, row["status"]),
    )
    tx.execute("UPDATE alerts SET status = 'open' WHERE id = ?", (aid,))
    audit.append(
        tx, actor, "reopen", f"alert:{aid}", {"reason": why, "previous_status": row["status"]}
    )
    for r in tx.all("SELECT id FROM allow_list WHERE alert_id = ? AND revoked_at IS NULL", (aid,)):
        tx.execute(
            "UPDATE allow_list SET revoked_at = ?, revoked_by = ? WHERE id = ?",
            (at, actor, r["id"]),
        )
        audit.append(tx, actor, "allow_list.revoke", f"alert:{aid}", {"allow_list_id": r["id"]})


def _update(
    tx: Tx,
    actor: str,
    run_id: int,
    q: Query,
    c_digest: str,
    f: Finding,
    row: dict[str, Any],
    changes: list[str],
    at: str,
) -> None:
    aid = int(row["id"])
    tx.execute(
        "UPDATE alerts SET run_id = ?, updated_at = ?, version = version + 1,"
        " customer_digest = ?, query = ?, entity_id = ?, dataset = ?, source_id = ?,"
        " record_digest = ?, record = ?, entity_name = ?, matched_name = ?, kind = ?,"
        " score = ?, band = ?, explanation = ?, features = ? WHERE id = ?",
        (run_id, at, *_alert_values(q, c_digest, f), aid),
    )
    _write_members(tx, aid, run_id, f)
    audit.append(
        tx,
        actor,
        "alert.update",
        f"alert:{aid}",
        {
            "run_id": run_id,
            "changes": changes,
            "entity_id": f.group_id,
            "record_digest": f.digest,
            "previous_record_digest": row["record_digest"],
            "records": [m.entity_id for m in f.members],
        },
    )


def _context(tx: Tx, alert_id: int, run_id: int, f: Finding, at: str) -> None:
    for ctx in f.contexts:
        tx.execute(
            "INSERT INTO alert_context (alert_id, run_id, at, context) VALUES (?, ?, ?, ?)",
            (alert_id, run_id, at, canonical_json(ctx)),
        )


def raise_alert(
    tx: Tx, actor: str, run_id: int, q: Query, c_digest: str, f: Finding, at: str
) -> tuple[str, int | None]:
    """Raise, update, re-open or suppress the alert for (customer, entity); returns the
    outcome (``raised``, ``existing``, ``reopened``, ``suppressed``) and the alert id."""
    row = _find_existing(tx, q.id, f)
    if row is None:
        if ReviewStore.is_allowed(tx, q.id, c_digest, f.group_id, f.digest):
            return "suppressed", None
        new = tx.one(
            "INSERT INTO alerts (run_id, created_at, updated_at, status, version, customer_id,"
            " customer_digest, query, entity_id, dataset, source_id, record_digest, record,"
            " entity_name, matched_name, kind, score, band, explanation, features)"
            " VALUES (?, ?, ?, 'open', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            (run_id, at, at, q.id, *_alert_values(q, c_digest, f)),
        )
        assert new is not None
        aid = int(new["id"])
        _write_members(tx, aid, run_id, f)
        _context(tx, aid, run_id, f, at)
        data: dict[str, Any] = {
            "run_id": run_id,
            "customer_id": q.id,
            "entity_id": f.group_id,
            "score": round(f.score, 4),
            "band": f.band,
        }
        if len(f.members) > 1:
            data["records"] = [m.entity_id for m in f.members]
        if f.contexts:
            data["order_ids"] = sorted({str(c.get("order_id")) for c in f.contexts})
        audit.append(tx, actor, "alert", f"alert:{aid}", data)
        return "raised", aid
    aid = int(row["id"])
    changes = _changes(tx, row, c_digest, f)
    status = str(row["status"])
    outcome = "existing"
    if status in ("open", "needs_info"):
        if changes:
            _update(tx, actor, run_id, q, c_digest, f, row, changes, at)
    elif changes:
        _reopen(tx, actor, row, "re-opened: " + "; ".join(changes), at)
        _update(tx, actor, run_id, q, c_digest, f, row, changes, at)
        outcome = "reopened"
    elif status == "false_positive":
        outcome = "suppressed"
    _context(tx, aid, run_id, f, at)
    return outcome, aid
