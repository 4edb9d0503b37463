"""The SQLite schema of the list store and the connection settings (WAL, pragmas).

Tables:
- ``snapshots``: one row per dataset load (version, file sha256, counts, format).
- ``active``: which snapshot of each dataset is in force (flipped last in a load).
- ``blobs``: record JSON keyed by its content digest, shared by all snapshots, so that
  history costs only the records that changed.
- ``snapshot_records``: the records of a snapshot, in parse order (source_id, digest).
- ``issues``: skipped / orphaned / warning rows met while parsing a snapshot.
- ``entity_groups``: records of different lists that are one listed entity (``grouping``),
  for the store fingerprint in meta ``groups.fingerprint``; lone records have no row.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from counterflow.errors import CounterflowError

SCHEMA_VERSION = 1

DDL = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
    snapshot_id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset TEXT NOT NULL,
    version TEXT NOT NULL,
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    records INTEGER NOT NULL,
    person INTEGER NOT NULL,
    organization INTEGER NOT NULL,
    vessel INTEGER NOT NULL,
    aircraft INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    orphaned INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    files TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_by_dataset ON snapshots (dataset, snapshot_id);
CREATE TABLE IF NOT EXISTS active (
    dataset TEXT PRIMARY KEY,
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (snapshot_id)
);
CREATE TABLE IF NOT EXISTS blobs (
    digest TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshot_records (
    snapshot_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    source_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS snapshot_records_by_source
    ON snapshot_records (source_id, snapshot_id);
CREATE TABLE IF NOT EXISTS issues (
    snapshot_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    severity TEXT NOT NULL,
    file TEXT NOT NULL,
    line INTEGER,
    field TEXT,
    reason TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entity_groups (
    entity_id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL,
    reason TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entity_groups_by_group ON entity_groups (group_id);
"""


class StoreError(CounterflowError):
    """The store cannot be used (newer schema, corrupt file, unknown snapshot)."""


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open the store database with the settings every connection uses.

    WAL lets readers (screening, the API) go on while a load writes; ``synchronous=NORMAL``
    is safe against a killed process in WAL mode. Transactions are managed explicitly
    (``isolation_level=None``).
    """
    if readonly:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro",
            uri=True,
            isolation_level=None,
            check_same_thread=False,
            timeout=30.0,
        )
    else:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA busy_timeout = 30000")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA cache_size = -32000")
    return conn


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Create the tables on first use (one transaction); refuse a store written by a
    newer schema than this code knows."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        for stmt in DDL.split(";"):
            if stmt.strip():
                conn.execute(stmt)
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
        elif int(row[0]) > SCHEMA_VERSION:
            raise StoreError(
                f"the list store was written by a newer Counterflow (schema {row[0]}, "
                f"this version knows {SCHEMA_VERSION})"
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
