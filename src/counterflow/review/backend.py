"""The one storage seam of the review layer: SQLite (default) or PostgreSQL (psycopg 3).

Everything above this module writes portable SQL with ``?`` placeholders; the PostgreSQL
backend rewrites them to ``%s``. Each thread gets its own connection. ``write()`` opens a
transaction that serialises writers (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a row lock
on ``audit_head``), so the audit chain is appended by one writer at a time and a crash
mid-write rolls the whole transaction back.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any, Protocol

from counterflow.errors import BadInputError, CounterflowError

Row = dict[str, Any]
Params = Sequence[Any]

INT64 = (-(2**63), 2**63 - 1)


def checked(params: Params) -> tuple[Any, ...]:
    """The parameters as a tuple; an integer no 64-bit column can hold (an id or offset
    typed by hand, e.g. ``99999999999999999999999``) is bad input, not a crash."""
    out = tuple(params)
    for v in out:
        if isinstance(v, int) and not INT64[0] <= v <= INT64[1]:
            raise BadInputError(f"number {str(v)[:30]} is out of range (64-bit integers only)")
    return out


class Tx(Protocol):
    """A transaction handle: run SQL, read rows."""

    def execute(self, sql: str, params: Params = ()) -> None: ...

    def one(self, sql: str, params: Params = ()) -> Row | None: ...

    def all(self, sql: str, params: Params = ()) -> list[Row]: ...


class Backend(Protocol):
    """What the review store needs from a database."""

    kind: str
    id_column: str  # DDL for an auto-increment integer primary key

    def write(self) -> AbstractContextManager[Tx]: ...

    def read(self) -> AbstractContextManager[Tx]: ...

    def close(self) -> None: ...


class _SqliteTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Params = ()) -> None:
        self.conn.execute(sql, checked(params))

    def one(self, sql: str, params: Params = ()) -> Row | None:
        cur = self.conn.execute(sql, checked(params))
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cur.description], row, strict=True))

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        cur = self.conn.execute(sql, checked(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


class SqliteBackend:
    """SQLite in WAL mode, one connection per thread, ``BEGIN IMMEDIATE`` for writes."""

    kind = "sqlite"
    id_column = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                str(self.path), timeout=60.0, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=60000")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[_SqliteTx]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield _SqliteTx(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[_SqliteTx]:
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            yield _SqliteTx(conn)
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for c in self._all:
                with suppress(sqlite3.ProgrammingError):
                    c.close()
            self._all.clear()
        self._local = threading.local()


class _PgTx:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params: Params = ()) -> None:
        self.conn.execute(self._sql(sql), checked(params))

    def one(self, sql: str, params: Params = ()) -> Row | None:
        cur = self.conn.execute(self._sql(sql), checked(params))
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d.name for d in cur.description], row, strict=True))

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        cur = self.conn.execute(self._sql(sql), checked(params))
        names = [d.name for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


class PostgresBackend:
    """PostgreSQL through psycopg 3, one connection per thread. Writers serialise on a
    row lock of ``audit_head`` (taken by the store at the start of each write)."""

    kind = "postgresql"
    id_column = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"

    def __init__(self, dsn: str) -> None:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - depends on the install
            from counterflow.errors import UsageError

            raise UsageError(
                "PostgreSQL needs psycopg 3: pip install 'counterflow[postgres]'"
            ) from exc
        self._psycopg = psycopg
        self.dsn = dsn
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            try:
                conn = self._psycopg.connect(self.dsn, autocommit=False, connect_timeout=10)
            except self._psycopg.OperationalError as exc:
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise StoreUnavailableError(
                    f"cannot connect to the PostgreSQL review store {_redact(self.dsn)}: {first}"
                ) from None
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[_PgTx]:
        conn = self._conn()
        try:
            yield _PgTx(conn)
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    @contextmanager
    def read(self) -> Iterator[_PgTx]:
        conn = self._conn()
        try:
            yield _PgTx(conn)
        finally:
            conn.rollback()

    def close(self) -> None:
        with self._lock:
            for c in self._all:
                c.close()
            self._all.clear()
        self._local = threading.local()


class StoreUnavailableError(CounterflowError):
    """The review store's server cannot be reached (a clear message, no traceback)."""


def _redact(dsn: str) -> str:
    """The DSN without its password."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", dsn)


def open_backend(target: str | Path | None = None) -> SqliteBackend | PostgresBackend:
    """``postgresql://...`` / ``postgres://...`` -> PostgreSQL; a path -> SQLite; ``None`` ->
    ``$COUNTERFLOW_DB`` or the default ``review.sqlite`` in ``COUNTERFLOW_HOME``."""
    import os

    from counterflow import config

    explicit = target is not None or bool(os.environ.get("COUNTERFLOW_DB"))
    if target is None:
        target = os.environ.get("COUNTERFLOW_DB") or config.review_db_path()
    text = str(target)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresBackend(text)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
    path = Path(text).expanduser()
    if explicit and not path.parent.is_dir():
        # a mistyped --db must not quietly start a new, empty review store
        from counterflow.errors import UsageError

        raise UsageError(
            f"--db {text}: folder {path.parent} does not exist (create it first, or give "
            "an existing review store)"
        )
    return SqliteBackend(path)
