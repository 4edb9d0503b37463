"""Aggregated ownership by listed parties: chains, sums, cycles, unknowns, bad data."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.errors import BadInputError
from counterflow.ownership.graph import (
    Edge,
    OwnershipGraph,
    _load_edges_rows,
    load_any,
    load_edges_csv,
    normalise_key,
)
from counterflow.ownership.stake import aggregate, explain

FIX = Path(__file__).parent / "fixtures"
LISTED = {normalise_key("Listed Corp"): "list A", normalise_key("Second Listed"): "list B"}


@pytest.fixture(scope="module")
def graph() -> OwnershipGraph:
    return load_any([FIX / "edges.csv"])


def stake(graph: OwnershipGraph, name: str):  # type: ignore[no-untyped-def]
    key = graph.find(name)[0]
    return aggregate(graph, LISTED, only={key}).get(key)


def test_two_hops_multiplied(graph: OwnershipGraph) -> None:
    st = stake(graph, "Target GmbH")
    assert st.status == "blocked" and st.percent == pytest.approx(70.0)
    paths = explain(graph, graph.find("Target GmbH")[0], LISTED)
    assert [graph.name(k) for k in paths[0].nodes] == ["Listed Corp", "Holding One", "Target GmbH"]
    assert paths[0].product == pytest.approx(70.0)
    assert "-[100 %]-> Holding One -[70 %]-> Target GmbH" in paths[0].describe(graph)


def test_sum_across_listed_owners(graph: OwnershipGraph) -> None:
    st = stake(graph, "Split Co")
    assert st.percent == pytest.approx(55.0) and st.status == "blocked"
    assert {graph.name(k) for k in st.listed_owners} == {"Listed Corp", "Second Listed"}


def test_minority_and_unknown(graph: OwnershipGraph) -> None:
    assert stake(graph, "Minor Co").status == "minority"
    mystery = stake(graph, "Mystery Co")
    assert mystery.status == "unknown" and mystery.unknown and mystery.percent == 0.0


def test_blocked_intermediary_counts_in_full(graph: OwnershipGraph) -> None:
    st = stake(graph, "Deep Co")
    assert st.percent == pytest.approx(36.0)  # 60 % x 60 %
    assert st.blocked_percent == pytest.approx(60.0)  # Mid Co is itself blocked
    assert st.status == "blocked"


def test_cycles_converge_and_are_reported(graph: OwnershipGraph) -> None:
    a = stake(graph, "Loop A")
    b = stake(graph, "Loop B")
    # A = 0.5 + 0.4 B, B = 0.6 A  ->  A = 0.5 / 0.76
    assert a.percent == pytest.approx(100 * 0.5 / 0.76, rel=1e-6)
    assert b.percent == pytest.approx(60 * 0.5 / 0.76, rel=1e-6)
    assert a.in_cycle and b.in_cycle
    assert any(i.kind == "cycle" for i in graph.issues)
    assert explain(graph, graph.find("Loop B")[0], LISTED)  # paths stop at repeats


def test_bad_data_reported(graph: OwnershipGraph) -> None:
    kinds = {i.kind for i in graph.issues}
    assert {"over_100", "sum_over_100", "bad_row", "bad_percent", "unknown_percent"} <= kinds
    over = next(i for i in graph.issues if i.kind == "over_100")
    assert over.line == 14 and "150" in over.message
    summed = next(i for i in graph.issues if i.kind == "sum_over_100")
    assert "120" in summed.message
    # the rest of the file still loaded
    assert stake(graph, "Target GmbH").status == "blocked"


def test_unlisted_entities_are_clear(graph: OwnershipGraph) -> None:
    key = graph.find("Summed Co")[0]
    assert aggregate(graph, LISTED, only={key}) == {}
    assert aggregate(graph, {}, only={key}) == {}


def test_fast_and_row_loaders_agree() -> None:
    fast = load_edges_csv(FIX / "edges.csv")
    rows = _load_edges_rows(FIX / "edges.csv")
    assert fast.keys == rows.keys
    assert fast.edge_count == rows.edge_count
    assert [p if p == p else None for p in fast.pct] == [p if p == p else None for p in rows.pct]


def test_ftm_ownership() -> None:
    g = load_any([FIX / "ftm.jsonl"])
    assert g.find("Target GmbH") == ["co-target"]
    st = aggregate(g, {"co-listed": "x"}, only={"co-target"})["co-target"]
    assert st.percent == pytest.approx(70.0)
    assert any(i.kind == "bad_row" for i in g.issues)
    assert g.unknown_edges == 1


def test_missing_columns(tmp_path: Path) -> None:
    p = tmp_path / "e.csv"
    p.write_text("parent,child\na,b\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="owner"):
        load_any([p])


def test_in_memory_edges() -> None:
    g = OwnershipGraph()
    g.add_edge(Edge("L", "A", 50.0))
    g.add_edge(Edge("A", "A", 10.0))  # self-ownership is a cycle too
    assert aggregate(g, {"L": "x"})["A"].status == "blocked"
    g.check()
    assert any(i.kind == "cycle" for i in g.issues)
