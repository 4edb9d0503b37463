"""Fixtures for the deployment tests: a PostgreSQL schema of its own (the server started
by .ci/services.sh), a list file in OpenSanctions targets.simple form, and helpers to
run the ``counterflow`` command the way docs/deploy.md says."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parents[1] / "lists" / "fixtures" / "os_targets_small.csv"
NEW_ROW = (
    '"NK-test9Person","Person","KOZLOV Dmitri Alexeyevich","Козлов Дмитрий Алексеевич",'
    '"1970-02-03","ru","","","""""","","","UA-WS-EXECUTIVES","Ukraine War and Sanctions",'
    '"2026-03-20T05:41:01","2026-03-20T05:41:01","2026-03-20T05:41:01"\n'
)


def pg_dsn() -> str | None:
    dsn = os.environ.get("COUNTERFLOW_TEST_PG_DSN")
    if not dsn:
        f = Path("/tmp/counterflow-pg-dsn")
        dsn = f.read_text().strip() if f.exists() else None
    return dsn or None


@pytest.fixture()
def pg_url() -> Iterator[str]:
    """A DSN whose search_path is a fresh schema, dropped afterwards."""
    dsn = pg_dsn()
    if dsn is None:
        if os.environ.get("CI"):
            pytest.fail("no PostgreSQL in CI: .ci/services.sh should have started it")
        pytest.skip("no PostgreSQL: set COUNTERFLOW_TEST_PG_DSN or run .ci/services.sh")
    from urllib.parse import quote

    import psycopg

    admin = psycopg.connect(dsn, autocommit=True, connect_timeout=5)
    schema = "cf_deploy_" + secrets.token_hex(4)
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        # A URL (the review store takes postgresql://... URLs, anything else is a path).
        sep = "&" if "?" in dsn else "?"
        yield f"{dsn}{sep}options={quote(f'-c search_path={schema}')}"
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@pytest.fixture()
def lists_v1(tmp_path: Path) -> Path:
    d = tmp_path / "lists-v1"
    d.mkdir()
    (d / "targets.simple.csv").write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    return d


@pytest.fixture()
def lists_v2(tmp_path: Path) -> Path:
    """The same publication a week later with one person added."""
    d = tmp_path / "lists-v2"
    d.mkdir()
    text = FIXTURE.read_text(encoding="utf-8")
    (d / "targets.simple.csv").write_text(text.rstrip("\n") + "\n" + NEW_ROW, encoding="utf-8")
    return d
