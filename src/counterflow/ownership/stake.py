"""Aggregated ownership by listed parties, and the paths that explain it.

For each entity: ``percent`` = the listed parties' stake, multiplied along each chain of
ownership and summed across chains (the figure the 50 % rule is about);
``blocked_percent`` = the same, except that an intermediate entity that is itself
blocked (50 %+ owned by listed parties) counts as a blocked person, so its whole stake
counts (OFAC's reading: property of a blocked entity is blocked). Status:

* ``listed``   the entity is itself listed;
* ``blocked``  ``blocked_percent`` >= 50: blocked by the 50 % rule;
* ``minority`` 0 < ``blocked_percent`` < 50: significant minority stake, review;
* ``unknown``  a chain from a listed party passes an edge whose percentage is unknown
  (reported with the lower bound; unknown is not zero).

Cycles (A owns B owns A) are resolved by fixed-point iteration inside each strongly
connected component (integrated ownership), so they neither loop nor crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from counterflow.ownership.graph import OwnershipGraph, strongly_connected

BLOCK_AT = 0.5


@dataclass(slots=True)
class Stake:
    key: str
    percent: float  # multiplied along paths, summed across paths (0..100)
    blocked_percent: float  # blocked intermediaries counted in full (0..100)
    unknown: bool  # some chain from a listed party has an unknown percentage
    status: str  # listed | blocked | minority | unknown | clear
    in_cycle: bool = False
    listed_owners: list[str] = field(default_factory=list)


def aggregate(
    graph: OwnershipGraph,
    listed: Mapping[str, str],
    only: set[str] | None = None,
) -> dict[str, Stake]:
    """Stakes of listed parties (``listed``: node key -> why it is listed) in every entity
    they reach (or only in ``only`` and what is needed to compute it). O(edges)."""
    roots = [k for k in listed if k in graph.names]
    reach = graph.descendants(roots) | set(roots)
    if only is not None:
        needed: set[str] = set()
        for k in only:
            if k in reach:
                needed.add(k)
                needed |= graph.ancestors(k)
        reach &= needed | set(roots)
    sub_out = {
        k: [e for e in graph.out_edges.get(k, []) if e.owned in reach]
        for k in reach
        if k in graph.out_edges
    }
    comps = strongly_connected(sub_out, reach)
    comp_of: dict[str, int] = {}
    for i, comp in enumerate(comps):
        for k in comp:
            comp_of[k] = i
    order = _topo_order(reach, sub_out, comp_of)
    pure: dict[str, float] = {}
    ofac: dict[str, float] = {}
    unknown: dict[str, bool] = {}
    owners_of: dict[str, set[str]] = {}

    def weight_pure(u: str) -> float:
        return 1.0 if u in listed else pure.get(u, 0.0)

    def weight_ofac(u: str) -> float:
        if u in listed:
            return 1.0
        v = ofac.get(u, 0.0)
        return 1.0 if v >= BLOCK_AT - 1e-12 else v

    def compute(v: str) -> tuple[float, float, bool, set[str]]:
        p = o = 0.0
        unk = False
        lo: set[str] = set()
        for e in graph.in_edges.get(v, ()):
            u = e.owner
            if u not in reach:
                continue
            if u in listed:
                lo.add(u)
            else:
                lo |= owners_of.get(u, set())
            if e.percent is None:
                if u in listed or pure.get(u, 0.0) > 0 or unknown.get(u, False):
                    unk = True
                continue
            share = e.percent / 100.0
            p += share * weight_pure(u)
            o += share * weight_ofac(u)
            unk = unk or unknown.get(u, False)
        return min(p, 1.0), min(o, 1.0), unk, lo

    for item in order:
        if isinstance(item, str):
            if item in listed:
                continue
            pure[item], ofac[item], unknown[item], owners_of[item] = compute(item)
            continue
        members = comps[item]
        for _ in range(100):  # fixed point inside a cycle
            delta = 0.0
            for v in members:
                if v in listed:
                    continue
                p, o, unk, lo = compute(v)
                delta = max(delta, abs(p - pure.get(v, 0.0)), abs(o - ofac.get(v, 0.0)))
                pure[v], ofac[v], unknown[v], owners_of[v] = p, o, unk, lo
            if delta < 1e-9:
                break
    out: dict[str, Stake] = {}
    for k in reach:
        if only is not None and k not in only:
            continue
        if k in listed:
            out[k] = Stake(k, 100.0, 100.0, False, "listed", k in comp_of, [k])
            continue
        p, o, unk = pure.get(k, 0.0), ofac.get(k, 0.0), unknown.get(k, False)
        if o >= BLOCK_AT - 1e-12:
            status = "blocked"
        elif o > 0:
            status = "minority"
        elif unk:
            status = "unknown"
        else:
            status = "clear"
        out[k] = Stake(
            k,
            round(p * 100, 4),
            round(o * 100, 4),
            unk,
            status,
            k in comp_of,
            sorted(owners_of.get(k, set())),
        )
    return out


def _topo_order(
    nodes: set[str], out_edges: dict[str, list], comp_of: dict[str, int]  # type: ignore[type-arg]
) -> list[str | int]:
    """Nodes in topological order, each cycle collapsed to its component index."""

    def unit(k: str) -> str | int:
        return comp_of.get(k, k)

    indeg: dict[str | int, int] = {}
    succ: dict[str | int, set[str | int]] = {}
    for k in nodes:
        indeg.setdefault(unit(k), 0)
    for k, edges in out_edges.items():
        a = unit(k)
        for e in edges:
            b = unit(e.owned)
            if a == b:
                continue
            s = succ.setdefault(a, set())
            if b not in s:
                s.add(b)
                indeg[b] = indeg.get(b, 0) + 1
    ready = [u for u, d in indeg.items() if d == 0]
    order: list[str | int] = []
    while ready:
        u = ready.pop()
        order.append(u)
        for w in succ.get(u, ()):
            indeg[w] -= 1
            if indeg[w] == 0:
                ready.append(w)
    return order


@dataclass(slots=True)
class OwnershipPath:
    """One chain from a listed party down to the entity."""

    nodes: list[str]  # listed party first, entity last
    percents: list[float | None]  # one per hop
    product: float | None  # None when a hop is unknown

    def describe(self, graph: OwnershipGraph) -> str:
        parts = [graph.name(self.nodes[0])]
        for node, pct in zip(self.nodes[1:], self.percents, strict=True):
            label = "?" if pct is None else f"{pct:g} %"
            parts.append(f"-[{label}]-> {graph.name(node)}")
        total = "unknown" if self.product is None else f"{self.product:.4g} %"
        return " ".join(parts) + f" (= {total})"


def explain(
    graph: OwnershipGraph,
    key: str,
    listed: Mapping[str, str],
    *,
    max_paths: int = 5,
    max_depth: int = 12,
    min_product: float = 0.01,
) -> list[OwnershipPath]:
    """The chains from listed parties to ``key`` (simple paths, strongest first)."""
    found: list[OwnershipPath] = []
    budget = [20000]

    def walk(node: str, chain: list[str], pcts: list[float | None], prod: float | None) -> None:
        if budget[0] <= 0:
            return
        budget[0] -= 1
        if node in listed and chain:
            found.append(
                OwnershipPath(
                    [node, *reversed(chain)],
                    list(reversed(pcts)),
                    None if prod is None else round(prod * 100, 4),
                )
            )
            return
        if len(chain) >= max_depth:
            return
        for e in graph.in_edges.get(node, ()):
            if e.owner in chain or e.owner == key:
                continue
            nprod = None if prod is None or e.percent is None else prod * e.percent / 100.0
            if nprod is not None and nprod * 100 < min_product:
                continue
            walk(e.owner, [*chain, node], [*pcts, e.percent], nprod)

    walk(key, [], [], 1.0)
    found.sort(key=lambda p: -(p.product if p.product is not None else -1.0))
    return found[:max_paths]
