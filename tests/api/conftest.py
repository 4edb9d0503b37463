"""Fixtures for the API tests: a list store with a few records, a fake screener, an app
with one key per role, and a TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from counterflow.api.settings import ApiSettings
from counterflow.lists.base import ParseResult
from counterflow.records.model import Party
from counterflow.review.keys import create_key
from counterflow.review.store import ReviewStore
from counterflow.service import create_app
from counterflow.store import ListStore
from fake_screener import FakeScreener, sample_parties

# lists published yesterday: in force and not stale (see test_api_stale for stale ones)
FRESH = (date.today() - timedelta(days=1)).isoformat()


def api_parties() -> list[Party]:
    return [
        *sample_parties(),
        Party(
            dataset="gb_hmt_sanctions",
            source_id="777",
            kind="organization",
            name="Alfa Komponent Trading",
        ),
    ]


class Env:
    def __init__(self, client: TestClient, keys: dict[str, str], review: ReviewStore) -> None:
        self.client = client
        self.keys = keys
        self.review = review

    def h(self, role: str) -> dict[str, str]:
        return {"Authorization": f"ApiKey {self.keys[role]}"}


def build_env(
    tmp_path: Path, settings: ApiSettings | None = None, parties: list[Party] | None = None
) -> tuple[Env, ListStore]:
    parties = parties if parties is not None else api_parties()
    store = ListStore.open(tmp_path / "lists.sqlite")
    by_ds: dict[str, list[Party]] = {}
    for p in parties:
        by_ds.setdefault(p.dataset, []).append(p)
    for ds, recs in by_ds.items():
        store.load(ParseResult(dataset=ds, version=FRESH, records=recs, files=[]))
    review = ReviewStore.open(tmp_path / "review.sqlite")
    keys = {
        role: create_key(review, role, label=f"test-{role}", actor="test")[0]
        for role in ("screener", "analyst", "admin")
    }
    app = create_app(
        store=store,
        screener=FakeScreener(parties),
        review_db=review,
        settings=settings or ApiSettings(rate_per_s=0),
        records_screener=FakeScreener,
    )
    return Env(TestClient(app), keys, review), store


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COUNTERFLOW_DB", raising=False)
    e, store = build_env(tmp_path)
    with e.client:
        yield e
    store.close()
    e.review.close()


@pytest.fixture()
def env_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Build an Env with custom settings / parties: ``env_factory(settings=..., parties=...)``."""
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COUNTERFLOW_DB", raising=False)
    made: list[tuple[Env, ListStore]] = []

    def make(settings: ApiSettings | None = None, parties: list[Party] | None = None) -> Env:
        sub = tmp_path / f"env{len(made)}"
        sub.mkdir()
        e, store = build_env(sub, settings, parties)
        made.append((e, store))
        return e

    yield make
    for e, store in made:
        store.close()
        e.review.close()
