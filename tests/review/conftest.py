"""Fixtures for the review tests: a small listed-record set, a fake screener, a store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from counterflow.match.types import Query
from counterflow.records.model import Identifier, Party
from counterflow.review.store import ReviewStore
from fake_screener import FakeScreener, sample_parties


def make_parties() -> list[Party]:
    return [
        *sample_parties(),
        Party(
            dataset="us_ofac_sdn",
            source_id="99",
            kind="vessel",
            name="Sea Star",
            identifiers=[Identifier("imo", "9253325", "IMO 9253325")],
        ),
    ]


@pytest.fixture()
def parties() -> list[Party]:
    return make_parties()


@pytest.fixture()
def screener(parties: list[Party]) -> FakeScreener:
    return FakeScreener(parties)


@pytest.fixture()
def review(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ReviewStore]:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COUNTERFLOW_DB", raising=False)
    store = ReviewStore.open(tmp_path / "review.sqlite")
    yield store
    store.close()


@pytest.fixture()
def customers() -> list[Query]:
    return make_customers()


def make_customers() -> list[Query]:
    return [
        Query(id="c1", name="Alfa Komponent LLC", kind="organization", countries=["ru"]),
        Query(id="c2", name="Ivan Petrov", kind="person", birth_dates=["1970-01-02"]),
        Query(id="c3", name="Harmless Bakery GmbH", kind="organization"),
    ]
