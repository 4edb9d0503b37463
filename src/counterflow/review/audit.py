"""The append-only audit trail: every event with time and actor, hash-chained.

Each entry's ``hash`` is sha256 over the canonical JSON of (seq, at, actor, event,
subject, data, prev_hash); ``prev_hash`` is the previous entry's hash (64 zeros for the
first). Entries are appended inside the same transaction as the change they record, so
a crash leaves either both or neither. ``verify`` recomputes the whole chain.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from counterflow.review.backend import Backend, Tx
from counterflow.review.digests import canonical_json, sha256_text

GENESIS = "0" * 64

EVENTS = (
    "run",
    "alert",
    "decision",
    "reopen",
    "allow_list.add",
    "allow_list.revoke",
    "customer.changed",
    "list.update",
    "rescreen",
    "key.create",
    "key.revoke",
    "login",
    "logout",
    "export",
)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    seq: int, at: str, actor: str, event: str, subject: str, data: str, prev_hash: str
) -> str:
    body = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "event": event,
        "subject": subject,
        "data": data,
        "prev_hash": prev_hash,
    }
    return sha256_text(canonical_json(body))


def lock_head(tx: Tx) -> tuple[int, str]:
    """Take the writer lock (a no-op update of the head row) and read the chain head."""
    tx.execute("UPDATE audit_head SET seq = seq WHERE id = 1")
    row = tx.one("SELECT seq, hash FROM audit_head WHERE id = 1")
    assert row is not None
    return int(row["seq"]), str(row["hash"])


def append(tx: Tx, actor: str, event: str, subject: str, data: dict[str, Any] | None = None) -> int:
    """Append one entry inside the caller's write transaction; returns its seq."""
    seq, prev = lock_head(tx)
    seq += 1
    at = now_iso()
    text = canonical_json(data or {})
    h = entry_hash(seq, at, actor, event, subject, text, prev)
    tx.execute(
        "INSERT INTO audit (seq, at, actor, event, subject, data, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, actor, event, subject, text, prev, h),
    )
    tx.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, h))
    return seq


@dataclass(slots=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    event: str
    subject: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


def _entry(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        seq=int(row["seq"]),
        at=row["at"],
        actor=row["actor"],
        event=row["event"],
        subject=row["subject"],
        data=json.loads(row["data"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


def entries(
    backend: Backend,
    *,
    subject: str | None = None,
    since_seq: int = 0,
    limit: int | None = None,
    newest_first: bool = False,
) -> list[AuditEntry]:
    sql = "SELECT * FROM audit WHERE seq > ?"
    params: list[Any] = [since_seq]
    if subject is not None:
        sql += " AND subject = ?"
        params.append(subject)
    sql += " ORDER BY seq DESC" if newest_first else " ORDER BY seq"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    with backend.read() as tx:
        return [_entry(r) for r in tx.all(sql, params)]


def _iter_raw(backend: Backend, batch: int = 5000) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        with backend.read() as tx:
            rows = tx.all("SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", (last, batch))
        if not rows:
            return
        yield from rows
        last = int(rows[-1]["seq"])


@dataclass(slots=True)
class VerifyResult:
    ok: bool
    entries: int
    head: str
    problem: str | None = None
    bad_seq: int | None = None


def verify(backend: Backend) -> VerifyResult:
    """Recompute every hash and link; report the first broken entry."""
    prev = GENESIS
    expected = 1
    n = 0
    for row in _iter_raw(backend):
        seq = int(row["seq"])
        if seq != expected:
            return VerifyResult(False, n, prev, f"entry {expected} missing (found {seq})", seq)
        if row["prev_hash"] != prev:
            return VerifyResult(
                False, n, prev, f"entry {seq} does not link to entry {seq - 1}", seq
            )
        h = entry_hash(
            seq,
            row["at"],
            row["actor"],
            row["event"],
            row["subject"],
            row["data"],
            row["prev_hash"],
        )
        if h != row["hash"]:
            return VerifyResult(False, n, prev, f"entry {seq} was altered (hash mismatch)", seq)
        prev = h
        expected += 1
        n += 1
    with backend.read() as tx:
        head = tx.one("SELECT seq, hash FROM audit_head WHERE id = 1")
    if head is not None and (int(head["seq"]) != n or head["hash"] != prev):
        return VerifyResult(
            False, n, prev, f"chain head says {head['seq']} entries, found {n} (entries removed?)"
        )
    return VerifyResult(True, n, prev)
