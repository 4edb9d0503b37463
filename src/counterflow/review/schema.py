"""The review store's tables, in SQL that SQLite and PostgreSQL both accept.

``{ID}`` is the backend's auto-increment primary key. Times are ISO 8601 UTC text; JSON
documents are text. Nothing is ever deleted: decisions, allow-list revocations and key
revocations are new rows or timestamps, and every change is also an audit entry.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

TABLES: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS audit_head (
        id INTEGER PRIMARY KEY,
        seq BIGINT NOT NULL,
        hash TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS audit (
        seq BIGINT PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        event TEXT NOT NULL,
        subject TEXT NOT NULL,
        data TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS runs (
        id {ID},
        created_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        source TEXT NOT NULL,
        kind TEXT NOT NULL,
        input_digest TEXT NOT NULL,
        list_versions TEXT NOT NULL,
        settings TEXT NOT NULL,
        n_queries INTEGER NOT NULL,
        n_hits INTEGER NOT NULL,
        n_alerts INTEGER NOT NULL,
        n_suppressed INTEGER NOT NULL,
        n_existing INTEGER NOT NULL,
        results TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS customers (
        customer_id TEXT PRIMARY KEY,
        digest TEXT NOT NULL,
        data TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS alerts (
        id {ID},
        run_id BIGINT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        status TEXT NOT NULL,
        version INTEGER NOT NULL,
        customer_id TEXT NOT NULL,
        customer_digest TEXT NOT NULL,
        query TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        dataset TEXT NOT NULL,
        source_id TEXT NOT NULL,
        record_digest TEXT NOT NULL,
        record TEXT NOT NULL,
        entity_name TEXT NOT NULL,
        matched_name TEXT NOT NULL,
        kind TEXT NOT NULL,
        score DOUBLE PRECISION NOT NULL,
        band TEXT NOT NULL,
        explanation TEXT NOT NULL,
        features TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS alerts_status ON alerts (status, id)",
    "CREATE INDEX IF NOT EXISTS alerts_pair ON alerts (customer_id, entity_id)",
    """CREATE TABLE IF NOT EXISTS decisions (
        id {ID},
        alert_id BIGINT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        decision TEXT NOT NULL,
        reason TEXT NOT NULL,
        previous_status TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS decisions_alert ON decisions (alert_id, id)",
    "CREATE INDEX IF NOT EXISTS decisions_at ON decisions (at)",
    """CREATE TABLE IF NOT EXISTS allow_list (
        id {ID},
        customer_id TEXT NOT NULL,
        customer_digest TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        record_digest TEXT NOT NULL,
        alert_id BIGINT NOT NULL,
        reason TEXT NOT NULL,
        actor TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        revoked_by TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS allow_pair ON allow_list (customer_id, entity_id)",
    # One alert per customer x listed entity (store.grouping): every record of the entity
    # behind an alert, as it stood when the alert was raised or last updated (current = 1)
    # and before (current = 0); ``score`` is NULL for a record that did not hit itself.
    """CREATE TABLE IF NOT EXISTS alert_records (
        id {ID},
        alert_id BIGINT NOT NULL,
        run_id BIGINT NOT NULL,
        current INTEGER NOT NULL,
        entity_id TEXT NOT NULL,
        dataset TEXT NOT NULL,
        source_id TEXT NOT NULL,
        record_digest TEXT NOT NULL,
        record TEXT NOT NULL,
        reason TEXT NOT NULL,
        score DOUBLE PRECISION,
        matched_name TEXT NOT NULL,
        explanation TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS alert_records_alert ON alert_records (alert_id, current)",
    "CREATE INDEX IF NOT EXISTS alert_records_entity ON alert_records (entity_id, alert_id)",
    # What a run saw for an alert beyond the listed record: an order line's context
    # (order id, customer, ship-to, part, flags) for alerts raised by an orders run.
    """CREATE TABLE IF NOT EXISTS alert_context (
        id {ID},
        alert_id BIGINT NOT NULL,
        run_id BIGINT NOT NULL,
        at TEXT NOT NULL,
        context TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS alert_context_alert ON alert_context (alert_id, id)",
    """CREATE TABLE IF NOT EXISTS api_keys (
        id {ID},
        key_hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        role TEXT NOT NULL,
        label TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        revoked_at TEXT
    )""",
)


def ddl(id_column: str) -> list[str]:
    """The CREATE statements for a backend whose auto-increment key is ``id_column``."""
    return [t.replace("{ID}", id_column) for t in TABLES]
