"""The append-only audit trail: every event with time and actor, hash-chained.

Each entry's ``hash`` is sha256 over the canonical JSON of (seq, at, actor, event,
subject, data, prev_hash); ``prev_hash`` is the previous entry's hash (64 zeros for the
first). Entries are appended inside the same transaction as the change they record, so
a crash leaves either both or neither. Each entry also binds the rows its subject owns
(``review.binding``: alerts, decisions, allow-list rows, API keys, runs), and ``verify``
recomputes the whole chain, then re-derives those tables from it; ``verify(anchor=...)``
also checks the chain against a head exported earlier (``head``), which catches a
truncated or wholly recomputed chain.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from counterflow.review import binding
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
    body = dict(data or {})
    bound = binding.bind(tx, subject)
    if bound:
        body["bound"] = bound
    text = canonical_json(body)
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


@dataclass(frozen=True, slots=True)
class Anchor:
    """A head exported for safekeeping: entry ``seq`` had hash ``hash``."""

    seq: int
    hash: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """``SEQ:HASH`` or the JSON that ``audit head`` prints."""
        text = text.strip()
        try:
            if text.startswith("{"):
                d = json.loads(text)
                seq, h = int(d["seq"]), str(d["hash"])
            else:
                s, _, h = text.partition(":")
                seq = int(s)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"not an anchor (SEQ:HASH or audit head JSON): {exc}") from None
        if seq < 0 or len(h) != 64 or any(c not in "0123456789abcdef" for c in h):
            raise ValueError("an anchor is SEQ:HASH with a 64-hex-digit sha256")
        return cls(seq, h)

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash}


def head(backend: Backend) -> Anchor:
    """The chain head now: export it (print, mail, store elsewhere) as an anchor."""
    with backend.read() as tx:
        row = tx.one("SELECT seq, hash FROM audit_head WHERE id = 1")
    return Anchor(int(row["seq"]), str(row["hash"])) if row else Anchor(0, GENESIS)


def verify(backend: Backend, anchor: Anchor | None = None, *, state: bool = True) -> VerifyResult:
    """Recompute every hash and link, then (``state``) re-derive the bound tables from the
    chain, then (``anchor``) check that the chain still holds the anchored entry with
    the anchored hash; report the first problem."""
    prev = GENESIS
    expected = 1
    n = 0
    bound: dict[str, tuple[str, int]] = {}
    anchored = anchor is None or anchor.seq == 0
    if anchor is not None and anchor.seq == 0 and anchor.hash != GENESIS:
        return VerifyResult(False, 0, prev, "the anchor names entry 0 with a wrong hash", 0)
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
        if anchor is not None and seq == anchor.seq:
            if h != anchor.hash:
                return VerifyResult(
                    False,
                    n,
                    prev,
                    f"entry {seq} does not have the anchored hash: the chain was rewritten "
                    "since the anchor was taken",
                    seq,
                )
            anchored = True
        if state:
            try:
                for key, digest in (json.loads(row["data"]).get("bound") or {}).items():
                    bound[str(key)] = (str(digest), seq)
            except (ValueError, AttributeError):
                return VerifyResult(False, n, prev, f"entry {seq} has unreadable data", seq)
        prev = h
        expected += 1
        n += 1
    with backend.read() as tx:
        top = tx.one("SELECT seq, hash FROM audit_head WHERE id = 1")
    if top is not None and (int(top["seq"]) != n or top["hash"] != prev):
        return VerifyResult(
            False, n, prev, f"chain head says {top['seq']} entries, found {n} (entries removed?)"
        )
    if not anchored:
        assert anchor is not None
        return VerifyResult(
            False,
            n,
            prev,
            f"the chain has {n} entries but the anchor names entry {anchor.seq}: "
            "entries were removed since the anchor was taken",
            anchor.seq,
        )
    if state:
        problem = binding.check_state(backend, bound)
        if problem is not None:
            return VerifyResult(False, n, prev, problem[0], problem[1])
    return VerifyResult(True, n, prev)
