"""A small fake Screener (the match/types.py protocol) for order tests."""

from __future__ import annotations

import pytest

from counterflow.match.types import Hit, Query
from counterflow.ownership.graph import normalise_key
from fake_screener import OneByOne


class FakeScreener(OneByOne):
    """Listed names -> decision; a query hits when its normalised name equals one."""

    def __init__(self, listed: dict[str, str]) -> None:
        self.listed = {normalise_key(k): (k, v) for k, v in listed.items()}
        self.calls = 0

    def screen(self, query: Query, *, threshold: float = 0.5, limit: int = 10) -> list[Hit]:
        self.calls += 1
        found = self.listed.get(normalise_key(query.name))
        if not found:
            return []
        name, decision = found
        # "near": a hit below the review band (decision clear, score 0.70)
        score = {"match": 0.95, "review": 0.75, "near": 0.70}[decision]
        decision = "clear" if decision == "near" else decision
        return [
            Hit(
                query.id,
                score,
                decision,
                "test_list",
                name,
                f"test_list:{name}",
                name,
                name,
                "organization",
                f"name {name!r} agrees",
            )  # type: ignore[arg-type]
        ]


@pytest.fixture
def fake_screener() -> FakeScreener:
    return FakeScreener(
        {
            "LLC Drayk": "match",
            "Volga Holdings JSC": "match",
            "Nordic Radio AB": "review",
            "Geomyr LLC": "near",
        }
    )
