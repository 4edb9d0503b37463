"""The review store: screening runs, alerts, decisions, the allow-list, customers, keys.

One object over one backend (``backend.py``). Every change runs in a single write
transaction together with its audit entry (``audit.py``). Decisions are appended, never
overwritten: an alert's status is the outcome of its latest decision, and a re-open is
itself a decision row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from counterflow.errors import BadInputError, CounterflowError
from counterflow.review import audit
from counterflow.review.backend import Backend, Tx, open_backend
from counterflow.review.schema import SCHEMA_VERSION, ddl

AlertStatus = Literal["open", "true_match", "false_positive", "needs_info"]
DECISIONS: tuple[str, ...] = ("true_match", "false_positive", "needs_info")
STATUSES: tuple[str, ...] = ("open", "true_match", "false_positive", "needs_info")
DECIDABLE: tuple[str, ...] = ("open", "needs_info")


class NotFoundError(CounterflowError):
    """No such alert / run / key."""


class ConflictError(CounterflowError):
    """The alert changed under the caller (already decided, or a stale version)."""


@dataclass(slots=True)
class Alert:
    id: int
    run_id: int
    created_at: str
    updated_at: str
    status: str
    version: int
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
    band: str
    explanation: str
    features: dict[str, float]
    decisions: list[dict[str, Any]] = field(default_factory=list)
    # Every record of the listed entity behind the alert (lead first), and the order
    # lines an orders run saw for it (``review.alerting``).
    records: list[dict[str, Any]] = field(default_factory=list)
    order_lines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def datasets(self) -> list[str]:
        """The lists the entity is on (the alert's own record's list when no group)."""
        got = list(dict.fromkeys(str(r["dataset"]) for r in self.records))
        return got or [self.dataset]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "run_id": self.run_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "status": self.status,
            "version": self.version,
            "customer_id": self.customer_id,
            "customer_digest": self.customer_digest,
            "query": self.query,
            "entity_id": self.entity_id,
            "dataset": self.dataset,
            "source_id": self.source_id,
            "record_digest": self.record_digest,
            "record": self.record,
            "entity_name": self.entity_name,
            "matched_name": self.matched_name,
            "kind": self.kind,
            "score": self.score,
            "band": self.band,
            "explanation": self.explanation,
            "features": self.features,
            "decisions": self.decisions,
            "entity_group": {
                "id": self.entity_id,
                "datasets": self.datasets,
                "records": self.records,
            },
            "order_lines": self.order_lines,
        }


def _alert(row: dict[str, Any]) -> Alert:
    return Alert(
        id=int(row["id"]),
        run_id=int(row["run_id"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=row["status"],
        version=int(row["version"]),
        customer_id=row["customer_id"],
        customer_digest=row["customer_digest"],
        query=json.loads(row["query"]),
        entity_id=row["entity_id"],
        dataset=row["dataset"],
        source_id=row["source_id"],
        record_digest=row["record_digest"],
        record=json.loads(row["record"]),
        entity_name=row["entity_name"],
        matched_name=row["matched_name"],
        kind=row["kind"],
        score=float(row["score"]),
        band=row["band"],
        explanation=row["explanation"],
        features=json.loads(row["features"]),
    )


def _records(tx: Tx, alert_ids: list[int], *, full: bool) -> dict[int, list[dict[str, Any]]]:
    """The current records of the alerts' entities (``alert_records``), by alert id;
    without ``full``, only ids, list, score and reason (for the queue)."""
    out: dict[int, list[dict[str, Any]]] = {}
    if not alert_ids:
        return out
    cols = "alert_id, entity_id, dataset, source_id, score, reason"
    if full:
        cols += ", record_digest, record, matched_name, explanation, run_id"
    for start in range(0, len(alert_ids), 500):
        part = alert_ids[start : start + 500]
        rows = tx.all(
            f"SELECT {cols} FROM alert_records WHERE current = 1 AND alert_id IN"
            f" ({','.join('?' * len(part))}) ORDER BY alert_id, id",
            part,
        )
        for r in rows:
            aid = int(r.pop("alert_id"))
            if full:
                r["record"] = json.loads(r["record"])
            r["score"] = None if r["score"] is None else float(r["score"])
            out.setdefault(aid, []).append(r)
    return out


def _contexts(tx: Tx, alert_id: int) -> list[dict[str, Any]]:
    rows = tx.all(
        "SELECT run_id, at, context FROM alert_context WHERE alert_id = ? ORDER BY id",
        (alert_id,),
    )
    return [{"run_id": int(r["run_id"]), "at": r["at"], **json.loads(r["context"])} for r in rows]


class ReviewStore:
    """Runs, alerts, decisions, allow-list and audit over SQLite or PostgreSQL."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._init_schema()

    @classmethod
    def open(cls, target: str | Path | None = None) -> ReviewStore:
        """``None``: ``$COUNTERFLOW_DB`` or ``COUNTERFLOW_HOME/review.sqlite``;
        ``postgresql://...``: PostgreSQL; else a SQLite file path."""
        return cls(open_backend(target))

    def close(self) -> None:
        self.backend.close()

    def _init_schema(self) -> None:
        with self.backend.write() as tx:
            if self.backend.kind == "postgresql":
                # Serialise concurrent first-time schema creation across processes.
                tx.execute("SELECT pg_advisory_xact_lock(7170001)")
            for stmt in ddl(self.backend.id_column):
                tx.execute(stmt)
            if tx.one("SELECT id FROM audit_head WHERE id = 1") is None:
                tx.execute(
                    "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ?)", (audit.GENESIS,)
                )
            if tx.one("SELECT value FROM meta WHERE key = 'schema_version'") is None:
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )

    # ----- meta -------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.backend.read() as tx:
            row = tx.one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str, tx: Tx | None = None) -> None:
        sql = (
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        )
        if tx is not None:
            tx.execute(sql, (key, value))
            return
        with self.backend.write() as wtx:
            wtx.execute(sql, (key, value))

    def meta_or_create(self, key: str, make: Any) -> str:
        """The value of ``key``, created once with ``make()`` if missing (race-safe)."""
        value = self.get_meta(key)
        if value is not None:
            return value
        with self.backend.write() as tx:
            audit.lock_head(tx)
            row = tx.one("SELECT value FROM meta WHERE key = ?", (key,))
            if row is not None:
                return str(row["value"])
            value = str(make())
            tx.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
            return value

    # ----- audit ------------------------------------------------------------------------

    def log(self, actor: str, event: str, subject: str, data: dict[str, Any] | None = None) -> int:
        """Append a stand-alone audit event (e.g. a list update seen by the service)."""
        with self.backend.write() as tx:
            return audit.append(tx, actor, event, subject, data)

    def note_lists(self, fingerprint: str, versions: dict[str, Any], actor: str) -> bool:
        """Audit a change of the loaded lists once (compare-and-set on meta
        ``lists.fingerprint``, safe with several processes). True when it was new."""
        with self.backend.write() as tx:
            audit.lock_head(tx)
            row = tx.one("SELECT value FROM meta WHERE key = 'lists.fingerprint'")
            if row is not None and row["value"] == fingerprint:
                return False
            self.set_meta("lists.fingerprint", fingerprint, tx)
            audit.append(
                tx,
                actor,
                "list.update",
                "lists",
                {
                    "fingerprint": fingerprint,
                    "previous": row["value"] if row else None,
                    "versions": versions,
                },
            )
            return True

    def verify_audit(self, anchor: audit.Anchor | None = None) -> audit.VerifyResult:
        return audit.verify(self.backend, anchor)

    # ----- alerts -----------------------------------------------------------------------

    def get_alert(self, alert_id: int, *, with_decisions: bool = True) -> Alert:
        with self.backend.read() as tx:
            row = tx.one("SELECT * FROM alerts WHERE id = ?", (int(alert_id),))
            if row is None:
                raise NotFoundError(f"alert {alert_id} not found")
            a = _alert(row)
            if with_decisions:
                a.decisions = tx.all(
                    "SELECT id, at, actor, decision, reason, previous_status FROM decisions"
                    " WHERE alert_id = ? ORDER BY id",
                    (a.id,),
                )
                a.records = _records(tx, [a.id], full=True).get(a.id, [])
                a.order_lines = _contexts(tx, a.id)
        return a

    def list_alerts(
        self,
        *,
        status: str | None = "open",
        limit: int = 100,
        offset: int = 0,
        customer_id: str | None = None,
        run_id: int | None = None,
    ) -> list[Alert]:
        sql = "SELECT * FROM alerts WHERE 1 = 1"
        params: list[Any] = []
        if status is not None:
            if status not in STATUSES:
                raise BadInputError(f"unknown status {status!r}", field="status")
            sql += " AND status = ?"
            params.append(status)
        if customer_id is not None:
            sql += " AND customer_id = ?"
            params.append(customer_id)
        if run_id is not None:
            sql += " AND run_id = ?"
            params.append(int(run_id))
        sql += " ORDER BY score DESC, id LIMIT ? OFFSET ?"
        params += [int(limit), int(offset)]
        with self.backend.read() as tx:
            out = [_alert(r) for r in tx.all(sql, params)]
            recs = _records(tx, [a.id for a in out], full=False)
        for a in out:
            a.records = recs.get(a.id, [])
        return out

    def count_alerts(self) -> dict[str, int]:
        with self.backend.read() as tx:
            rows = tx.all("SELECT status, COUNT(*) AS n FROM alerts GROUP BY status")
        out = dict.fromkeys(STATUSES, 0)
        out.update({r["status"]: int(r["n"]) for r in rows})
        return out

    def decide(
        self,
        alert_id: int,
        decision: str,
        reason: str,
        actor: str,
        *,
        expected_version: int | None = None,
    ) -> Alert:
        """Record a decision. ``false_positive`` needs a reason and adds the pair to the
        allow-list. Only open / needs_info alerts can be decided (re-open first)."""
        if decision not in DECISIONS:
            raise BadInputError(
                f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}",
                field="decision",
            )
        reason = (reason or "").strip()
        if decision == "false_positive" and not reason:
            raise BadInputError("a false positive needs a reason", field="reason")
        if len(reason) > 4000:
            raise BadInputError("reason longer than 4000 characters", field="reason")
        with self.backend.write() as tx:
            audit.lock_head(tx)  # serialises deciders before reading the alert
            row = tx.one("SELECT * FROM alerts WHERE id = ?", (int(alert_id),))
            if row is None:
                raise NotFoundError(f"alert {alert_id} not found")
            a = _alert(row)
            if expected_version is not None and expected_version != a.version:
                raise ConflictError(
                    f"alert {a.id} changed (version {a.version}, you saw {expected_version})"
                )
            if a.status not in DECIDABLE:
                raise ConflictError(
                    f"alert {a.id} is already decided ({a.status}); re-open it first"
                )
            at = audit.now_iso()
            tx.execute(
                "INSERT INTO decisions (alert_id, at, actor, decision, reason, previous_status)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (a.id, at, actor, decision, reason, a.status),
            )
            tx.execute(
                "UPDATE alerts SET status = ?, version = version + 1, updated_at = ? WHERE id = ?",
                (decision, at, a.id),
            )
            audit.append(
                tx,
                actor,
                "decision",
                f"alert:{a.id}",
                {"decision": decision, "reason": reason, "previous_status": a.status},
            )
            if decision == "false_positive":
                tx.execute(
                    "INSERT INTO allow_list (customer_id, customer_digest, entity_id,"
                    " record_digest, alert_id, reason, actor, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        a.customer_id,
                        a.customer_digest,
                        a.entity_id,
                        a.record_digest,
                        a.id,
                        reason,
                        actor,
                        at,
                    ),
                )
                audit.append(
                    tx,
                    actor,
                    "allow_list.add",
                    f"alert:{a.id}",
                    {
                        "customer_id": a.customer_id,
                        "customer_digest": a.customer_digest,
                        "entity_id": a.entity_id,
                        "record_digest": a.record_digest,
                    },
                )
        return self.get_alert(alert_id)

    def reopen(self, alert_id: int, reason: str, actor: str) -> Alert:
        """Re-open a decided alert (history kept); a false positive's allow-list entry is
        revoked."""
        reason = (reason or "").strip()
        if not reason:
            raise BadInputError("re-opening needs a reason", field="reason")
        with self.backend.write() as tx:
            audit.lock_head(tx)
            row = tx.one("SELECT * FROM alerts WHERE id = ?", (int(alert_id),))
            if row is None:
                raise NotFoundError(f"alert {alert_id} not found")
            a = _alert(row)
            if a.status == "open":
                raise ConflictError(f"alert {a.id} is already open")
            at = audit.now_iso()
            tx.execute(
                "INSERT INTO decisions (alert_id, at, actor, decision, reason, previous_status)"
                " VALUES (?, ?, ?, 'reopen', ?, ?)",
                (a.id, at, actor, reason, a.status),
            )
            tx.execute(
                "UPDATE alerts SET status = 'open', version = version + 1, updated_at = ?"
                " WHERE id = ?",
                (at, a.id),
            )
            audit.append(
                tx,
                actor,
                "reopen",
                f"alert:{a.id}",
                {"reason": reason, "previous_status": a.status},
            )
            revoked = tx.all(
                "SELECT id FROM allow_list WHERE alert_id = ? AND revoked_at IS NULL", (a.id,)
            )
            for r in revoked:
                tx.execute(
                    "UPDATE allow_list SET revoked_at = ?, revoked_by = ? WHERE id = ?",
                    (at, actor, r["id"]),
                )
                audit.append(
                    tx, actor, "allow_list.revoke", f"alert:{a.id}", {"allow_list_id": r["id"]}
                )
        return self.get_alert(alert_id)

    # ----- allow-list -------------------------------------------------------------------

    def allow_list(self, *, active_only: bool = True) -> list[dict[str, Any]]:
        sql = "SELECT * FROM allow_list"
        if active_only:
            sql += " WHERE revoked_at IS NULL"
        with self.backend.read() as tx:
            return tx.all(sql + " ORDER BY id")

    @staticmethod
    def is_allowed(
        tx: Tx, customer_id: str, customer_digest: str, entity_id: str, record_digest: str
    ) -> bool:
        row = tx.one(
            "SELECT id FROM allow_list WHERE customer_id = ? AND customer_digest = ?"
            " AND entity_id = ? AND record_digest = ? AND revoked_at IS NULL",
            (customer_id, customer_digest, entity_id, record_digest),
        )
        return row is not None

    # ----- runs and customers -----------------------------------------------------------

    def get_run(self, run_id: int) -> dict[str, Any]:
        with self.backend.read() as tx:
            row = tx.one("SELECT * FROM runs WHERE id = ?", (int(run_id),))
        if row is None:
            raise NotFoundError(f"run {run_id} not found")
        for k in ("list_versions", "settings", "results"):
            row[k] = json.loads(row[k])
        return row

    def list_runs(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.backend.read() as tx:
            rows = tx.all(
                "SELECT id, created_at, actor, source, kind, input_digest, n_queries, n_hits,"
                " n_alerts, n_suppressed, n_existing FROM runs ORDER BY id DESC LIMIT ?",
                (int(limit),),
            )
        return rows

    def customers(self) -> list[dict[str, Any]]:
        with self.backend.read() as tx:
            rows = tx.all("SELECT customer_id, digest, data FROM customers ORDER BY customer_id")
        for r in rows:
            r["data"] = json.loads(r["data"])
        return rows

    def decisions_between(self, since: str | None, until: str | None) -> list[dict[str, Any]]:
        """Every decision (and re-open) with its alert, ``since <= at < until`` (ISO)."""
        sql = (
            "SELECT d.id AS decision_id, d.at, d.actor, d.decision, d.reason,"
            " d.previous_status, a.id AS alert_id, a.run_id, a.customer_id, a.query,"
            " a.entity_id, a.dataset, a.source_id, a.entity_name, a.matched_name, a.score,"
            " a.band, a.record_digest, a.customer_digest"
            " FROM decisions d JOIN alerts a ON a.id = d.alert_id WHERE 1 = 1"
        )
        params: list[Any] = []
        if since:
            sql += " AND d.at >= ?"
            params.append(since)
        if until:
            sql += " AND d.at < ?"
            params.append(until)
        with self.backend.read() as tx:
            rows = tx.all(sql + " ORDER BY d.id", params)
        for r in rows:
            q = json.loads(r.pop("query"))
            r["customer_name"] = q.get("name", "")
        return rows

    def decisions_count(self) -> int:
        with self.backend.read() as tx:
            row = tx.one("SELECT COUNT(*) AS n FROM decisions")
        return int(row["n"]) if row else 0
