"""The review store on a real PostgreSQL server (started by .ci/services.sh from Debian's
packages). Skips when no server is reachable. Each test runs in its own schema."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from counterflow.review.backend import PostgresBackend
from counterflow.review.recording import screen_and_record
from counterflow.review.store import ConflictError, ReviewStore

pytestmark = pytest.mark.postgres


def _dsn() -> str | None:
    dsn = os.environ.get("COUNTERFLOW_TEST_PG_DSN")
    if not dsn:
        f = Path("/tmp/counterflow-pg-dsn")
        dsn = f.read_text().strip() if f.exists() else None
    return dsn or None


@pytest.fixture()
def pg_review() -> Iterator[ReviewStore]:
    dsn = _dsn()
    if dsn is None:
        if os.environ.get("CI"):
            pytest.fail("no PostgreSQL in CI: .ci/services.sh should have started it")
        pytest.skip("no PostgreSQL: set COUNTERFLOW_TEST_PG_DSN or run .ci/services.sh")
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        admin = psycopg.connect(dsn, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL unreachable in CI: {exc}")
        pytest.skip(f"PostgreSQL at {conninfo_to_dict(dsn).get('host')} unreachable: {exc}")
    schema = "cf_test_" + secrets.token_hex(4)
    admin.execute(f"CREATE SCHEMA {schema}")
    url = make_conninfo(dsn, options=f"-c search_path={schema}")
    store = ReviewStore(PostgresBackend(url))
    try:
        yield store
    finally:
        store.close()
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


def test_postgres_full_cycle(pg_review: ReviewStore, screener, customers) -> None:
    assert pg_review.backend.kind == "postgresql"
    _, _, s = screen_and_record(pg_review, screener, customers, actor="pg")
    assert s.alerts
    a = pg_review.decide(s.alerts[0], "false_positive", "not them", "ana")
    assert a.status == "false_positive"
    _, _, s2 = screen_and_record(pg_review, screener, customers, actor="pg")
    assert s2.suppressed == 1
    with pytest.raises(ConflictError):
        pg_review.decide(s.alerts[0], "true_match", "", "eve")
    pg_review.reopen(s.alerts[0], "again", "ana")
    res = pg_review.verify_audit()
    assert res.ok and res.entries > 5


def test_postgres_concurrent_decisions(pg_review: ReviewStore, screener, customers) -> None:
    _, _, s = screen_and_record(pg_review, screener, customers, actor="pg")
    n = 10
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def worker(i: int) -> None:
        try:
            barrier.wait()
            pg_review.decide(s.alerts[0], "needs_info", f"q{i}", f"u{i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(pg_review.get_alert(s.alerts[0]).decisions) == n
    assert pg_review.verify_audit().ok


def test_open_by_url_picks_postgres() -> None:
    from counterflow.review.backend import PostgresBackend, SqliteBackend, open_backend

    assert isinstance(open_backend("postgresql://u@127.0.0.1/x"), PostgresBackend)
    assert isinstance(open_backend("/tmp/x/review.sqlite"), SqliteBackend)


def test_postgres_url_and_api(pg_review: ReviewStore, parties) -> None:
    """``--db postgresql://...`` as users pass it, and the HTTP API over PostgreSQL."""
    from urllib.parse import quote

    from fastapi.testclient import TestClient

    from counterflow.api.settings import ApiSettings
    from counterflow.review.keys import create_key
    from counterflow.service import create_app
    from fake_screener import FakeScreener

    dsn = _dsn()
    assert dsn is not None
    with pg_review.backend.read() as tx:
        schema = tx.one("SELECT current_schema() AS s")
    assert schema is not None
    url = f"{dsn}{'&' if '?' in dsn else '?'}options={quote('-c search_path=' + schema['s'])}"
    store = ReviewStore.open(url)
    assert store.backend.kind == "postgresql"
    key, _ = create_key(store, "analyst", actor="t")
    app = create_app(
        screener=FakeScreener(parties), review_db=store, settings=ApiSettings(rate_per_s=0)
    )
    h = {"Authorization": f"ApiKey {key}"}
    with TestClient(app) as c:
        r = c.post(
            "/screen/parties", json={"parties": [{"id": "c1", "name": "Ivan Petrov"}]}, headers=h
        )
        assert r.status_code == 200, r.text
        aid = r.json()["run"]["alert_ids"][0]
        r = c.post(f"/alerts/{aid}/decision", json={"decision": "true_match"}, headers=h)
        assert r.json()["status"] == "true_match"
        assert c.get("/audit", headers=h).json()["entries"][-1]["event"] == "decision"
    # The same rows through the other connection.
    assert pg_review.get_alert(aid).status == "true_match"
    store.close()
