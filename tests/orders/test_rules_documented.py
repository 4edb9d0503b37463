"""Every rule code has a description, a source of guidance and a row in the docs."""

from __future__ import annotations

from pathlib import Path

from counterflow.orders.rules import RULES, combine

DOC = Path(__file__).resolve().parents[2] / "docs" / "goods-orders-ownership.md"


def test_rules_are_complete() -> None:
    for rule in RULES.values():
        assert rule.description and rule.guidance and 0 < rule.weight <= 1


def test_every_code_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [code for code in RULES if f"| `{code}` |" not in text]
    assert not missing


def test_combine_is_a_noisy_or() -> None:
    assert combine([]) == 0.0
    assert combine([0.5, 0.5]) == 0.75
    assert combine([1.0, 0.2]) == 1.0
