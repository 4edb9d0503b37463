"""Fixtures for the web page tests: an app with records, a fake screener, one key per role,
some alerts raised, and helpers to log in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from counterflow.api.settings import ApiSettings
from counterflow.lists.base import ParseResult
from counterflow.match.types import Query
from counterflow.records.model import Alias, Party
from counterflow.review.keys import create_key
from counterflow.review.recording import screen_and_record
from counterflow.review.store import ReviewStore
from counterflow.service import create_app
from counterflow.store import ListStore
from fake_screener import FakeScreener, sample_parties

EVIL_NAME = '<script>alert("x")</script> Petrov'


def web_parties() -> list[Party]:
    parties = sample_parties()
    petrov = parties[1]
    petrov.aliases.append(Alias(EVIL_NAME))
    petrov.remarks = "<img src=x onerror=alert(1)>"
    return parties


class Web:
    def __init__(self, app, client: TestClient, keys: dict[str, str], review: ReviewStore):
        self.app = app
        self.client = client
        self.keys = keys
        self.review = review

    def login_csrf(self) -> str:
        """The login form's CSRF token (the form also sets its login cookie)."""
        html = self.client.get("/ui/login").text
        m = re.search(r'name="login_csrf" value="([0-9a-f]+)"', html)
        assert m, html[:500]
        return m.group(1)

    def login(self, role: str) -> TestClient:
        c = self.client
        c.cookies.clear()
        token = self.login_csrf()
        r = c.post(
            "/ui/login",
            data={"api_key": self.keys[role], "next": "/ui/", "login_csrf": token},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return c

    def csrf(self, path: str = "/ui/") -> str:
        html = self.client.get(path).text
        m = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
        assert m, html[:500]
        return m.group(1)


def seed(review: ReviewStore, parties: list[Party]) -> list[int]:
    qs = [
        Query(
            id="c1",
            name="Alfa Komponent LLC",
            kind="organization",
            countries=["ru"],
            identifiers=["INN7701234567"],
        ),
        Query(id="c2<b>", name=EVIL_NAME, kind="person", birth_dates=["1970-01-02"]),
    ]
    _, _, s = screen_and_record(review, FakeScreener(parties), qs, actor="seed")
    return s.alerts


def build(tmp_path: Path, settings: ApiSettings | None = None) -> tuple[Web, ListStore]:
    parties = web_parties()
    store = ListStore.open(tmp_path / "lists.sqlite")
    for ds in {p.dataset for p in parties}:
        store.load(
            ParseResult(
                dataset=ds,
                version="2026-01-01",
                records=[p for p in parties if p.dataset == ds],
                files=[],
            )
        )
    review = ReviewStore.open(tmp_path / "review.sqlite")
    keys = {
        r: create_key(review, r, label=f"web-{r}", actor="test")[0]
        for r in ("screener", "analyst", "admin")
    }
    seed(review, parties)
    app = create_app(
        store=store,
        screener=FakeScreener(parties),
        review_db=review,
        settings=settings or ApiSettings(rate_per_s=0),
    )
    return Web(app, TestClient(app), keys, review), store


@pytest.fixture()
def web(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COUNTERFLOW_DB", raising=False)
    w, store = build(tmp_path)
    with w.client:
        yield w
    store.close()
    w.review.close()


@pytest.fixture()
def web_builder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """``web_builder(settings)`` -> a Web with those settings (closed after the test)."""
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COUNTERFLOW_DB", raising=False)
    made: list[tuple[Web, ListStore]] = []

    def make(settings: ApiSettings | None = None) -> Web:
        sub = tmp_path / f"w{len(made)}"
        sub.mkdir()
        w, store = build(sub, settings)
        made.append((w, store))
        return w

    yield make
    for w, store in made:
        store.close()
        w.review.close()
