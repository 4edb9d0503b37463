"""Binding the review state to the audit chain, so ``audit verify`` covers the record and
not only the audit table.

Every audit entry whose subject names a row-owning object (``alert:N``, ``key:N``,
``run:N``) carries, under ``data["bound"]``, the sha256 of each row that object owns as
it stands when the entry is written: the alert, its decisions and allow-list rows; the
API key; the run. The entry is written in the same transaction as the change, and the
chain then protects those digests. ``verify`` replays the chain (the last entry binding a
row wins) and re-derives each table: a row changed, inserted or deleted outside
Counterflow (a decision edited, a key's role raised, an allow-list row inserted) no
longer matches and is reported with the audit entry it contradicts.

What binding cannot see: a chain recomputed from the start by someone who can write the
whole database, or a cut-off tail. For those, export the head (``counterflow audit head``)
to somewhere the database's writers cannot reach and verify against it
(``counterflow audit verify --anchor``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from counterflow.review.backend import Backend, Tx
from counterflow.review.digests import canonical_json, sha256_text

# table -> the SQL selecting the rows a subject owns (one ``?``: the subject's id)
OWNED: dict[str, tuple[tuple[str, str], ...]] = {
    "alert": (
        ("alerts", "SELECT * FROM alerts WHERE id = ?"),
        ("decisions", "SELECT * FROM decisions WHERE alert_id = ?"),
        ("allow_list", "SELECT * FROM allow_list WHERE alert_id = ?"),
    ),
    "key": (("api_keys", "SELECT * FROM api_keys WHERE id = ?"),),
    "run": (("runs", "SELECT * FROM runs WHERE id = ?"),),
}
BOUND_TABLES: tuple[str, ...] = ("alerts", "decisions", "allow_list", "api_keys", "runs")


def row_digest(table: str, row: dict[str, Any]) -> str:
    """sha256 of one row: every column, by name (the same on SQLite and PostgreSQL)."""
    body = {str(k): (float(v) if isinstance(v, float) else v) for k, v in row.items()}
    return sha256_text(canonical_json({"table": table, "row": body}))


def bind(tx: Tx, subject: str) -> dict[str, str]:
    """``{"table:id": digest}`` for the rows ``subject`` owns now (empty for others)."""
    kind, _, ident = subject.partition(":")
    queries = OWNED.get(kind)
    if not queries or not ident.isdigit() or len(ident) > 18:
        return {}
    out: dict[str, str] = {}
    for table, sql in queries:
        for row in tx.all(sql, (int(ident),)):
            out[f"{table}:{row['id']}"] = row_digest(table, row)
    return out


def _rows(backend: Backend, table: str, batch: int = 2000) -> Iterator[dict[str, Any]]:
    last = -1
    while True:
        with backend.read() as tx:
            rows = tx.all(f"SELECT * FROM {table} WHERE id > ? ORDER BY id LIMIT ?", (last, batch))
        if not rows:
            return
        yield from rows
        last = int(rows[-1]["id"])


def check_state(
    backend: Backend, bound: dict[str, tuple[str, int]]
) -> tuple[str, int | None] | None:
    """Compare every row of the bound tables with the digest its last audit entry bound
    (``bound``: ``"table:id" -> (digest, seq)``). The first difference as (problem, seq
    of the entry it contradicts), or None when the state is what the chain says."""
    seen: set[str] = set()
    for table in BOUND_TABLES:
        for row in _rows(backend, table):
            key = f"{table}:{row['id']}"
            seen.add(key)
            got = bound.get(key)
            if got is None:
                return (
                    f"{table} row {row['id']} is not on the record: no audit entry binds it "
                    "(inserted outside Counterflow?)",
                    None,
                )
            if row_digest(table, row) != got[0]:
                return (
                    f"{table} row {row['id']} differs from what audit entry {got[1]} recorded "
                    "(changed outside Counterflow?)",
                    got[1],
                )
    for key, (_, seq) in bound.items():
        if key not in seen:
            table, _, rid = key.partition(":")
            return (
                f"{table} row {rid}, bound by audit entry {seq}, is missing (deleted?)",
                seq,
            )
    return None
