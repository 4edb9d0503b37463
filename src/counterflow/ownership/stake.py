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

The sums are computed for the whole graph at once by iterating ``x = A'w`` over the edge
arrays (numpy) until nothing changes: exact after as many rounds as the longest chain on
acyclic graphs; inside cycles (A owns B owns A) the stake converges to the integrated
ownership instead of looping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from counterflow.ownership.graph import OwnershipGraph

BLOCK_AT = 0.5
MAX_ROUNDS = 10_000


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
    they reach, or only in the entities of ``only``."""
    n = len(graph)
    if n == 0:
        return {}
    src, dst, pct = graph.arrays()
    is_listed = np.zeros(n, dtype=bool)
    for k in listed:
        i = graph.ids.get(k)
        if i is not None:
            is_listed[i] = True
    if not is_listed.any():
        return {}
    unknown_edge = np.isnan(pct)
    share = np.where(unknown_edge, 0.0, np.minimum(pct, 100.0) / 100.0)
    pure = np.zeros(n)
    ofac = np.zeros(n)
    unk = np.zeros(n, dtype=bool)
    reach = is_listed.copy()
    for _ in range(MAX_ROUNDS):
        w_pure = np.where(is_listed, 1.0, pure)
        w_ofac = np.where(is_listed | (ofac >= BLOCK_AT - 1e-12), 1.0, ofac)
        new_pure = np.minimum(np.bincount(dst, weights=share * w_pure[src], minlength=n), 1.0)
        new_ofac = np.minimum(np.bincount(dst, weights=share * w_ofac[src], minlength=n), 1.0)
        src_reach = reach[src]
        new_reach = reach.copy()
        new_reach[dst[src_reach]] = True
        carry = (unknown_edge & src_reach) | unk[src]
        new_unk = np.zeros(n, dtype=bool)
        new_unk[dst[carry]] = True
        new_pure[is_listed] = 0.0
        new_ofac[is_listed] = 0.0
        new_unk[is_listed] = False
        done = (
            np.abs(new_pure - pure).max() < 1e-12
            and np.abs(new_ofac - ofac).max() < 1e-12
            and (new_unk == unk).all()
            and (new_reach == reach).all()
        )
        pure, ofac, unk, reach = new_pure, new_ofac, new_unk, new_reach
        if done:
            break
    cyc: set[int] = set()
    if only is None or any(k in graph.ids for k in only):
        cyc = {i for comp in graph.cycles() for i in comp}
    if only is not None:
        idx = [graph.ids[k] for k in only if k in graph.ids]
        idx = [i for i in idx if reach[i]]
    else:
        idx = [int(i) for i in np.flatnonzero(reach)]
    out: dict[str, Stake] = {}
    for i in idx:
        key = graph.keys[i]
        if is_listed[i]:
            out[key] = Stake(key, 100.0, 100.0, False, "listed", i in cyc, [key])
            continue
        o = float(ofac[i])
        if o >= BLOCK_AT - 1e-12:
            status = "blocked"
        elif o > 0:
            status = "minority"
        elif unk[i]:
            status = "unknown"
        else:
            status = "clear"
        out[key] = Stake(
            key, round(float(pure[i]) * 100, 4), round(o * 100, 4), bool(unk[i]), status, i in cyc
        )
    if only is not None:
        for st in out.values():
            if st.status != "listed":
                paths = explain(graph, st.key, listed, max_paths=50)
                st.listed_owners = sorted({p.nodes[0] for p in paths})
    return out


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
        for e in graph.in_edges(node):
            if e.owner in chain or e.owner == key:
                continue
            pct = None if e.percent is None else min(e.percent, 100.0)
            nprod = None if prod is None or pct is None else prod * pct / 100.0
            if nprod is not None and nprod * 100 < min_product:
                continue
            walk(e.owner, [*chain, node], [*pcts, pct], nprod)

    walk(key, [], [], 1.0)
    found.sort(key=lambda p: -(p.product if p.product is not None else -1.0))
    return found[:max_paths]
