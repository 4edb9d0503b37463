"""The ownership graph: nodes (entities by id or name), owner -> owned edges with a
percentage (``None`` = unknown, never zero), and the problems met loading it
(percentages above 100, stakes summing above 100, cycles, unreadable rows).

Loaders: ``load_edges_csv`` (``owner,owned,percent[,source]``; ``owner_name`` /
``owned_name`` columns optional when owner/owned are ids) and ``load_ftm`` (FollowTheMoney
JSON lines: ``Ownership`` entities with ``owner``/``asset``/``percentage``; names from the
other entities in the same files).
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from counterflow.errors import BadInputError

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")
_PCT = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*%?\s*$")


def normalise_key(text: str) -> str:
    """Node key of a name: NFKC, case-folded, punctuation dropped, spaces collapsed."""
    t = unicodedata.normalize("NFKC", text).casefold()
    t = _PUNCT.sub(" ", t)
    return _SPACES.sub(" ", t).strip()


@dataclass(frozen=True, slots=True)
class Edge:
    owner: str
    owned: str
    percent: float | None  # 0..100; None = unknown
    source: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class GraphIssue:
    """A problem in the ownership data: ``kind`` is one of ``bad_row``, ``bad_percent``,
    ``over_100``, ``sum_over_100``, ``cycle``, ``unknown_percent``."""

    kind: str
    message: str
    file: str | None = None
    line: int | None = None
    nodes: tuple[str, ...] = ()

    def describe(self) -> str:
        loc = ""
        if self.file:
            loc = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{self.kind}: {loc}{self.message}"


@dataclass(slots=True)
class OwnershipGraph:
    """Owner -> owned edges. Node keys are ids (FtM, list entity ids) or normalised names."""

    names: dict[str, str] = field(default_factory=dict)  # key -> display name
    in_edges: dict[str, list[Edge]] = field(default_factory=dict)
    out_edges: dict[str, list[Edge]] = field(default_factory=dict)
    by_name: dict[str, list[str]] = field(default_factory=dict)  # normalised name -> keys
    issues: list[GraphIssue] = field(default_factory=list)
    edge_count: int = 0

    # -- building -------------------------------------------------------------
    def add_node(self, key: str, name: str | None = None) -> None:
        if name and (key not in self.names or self.names[key] == key):
            self.names[key] = name
            self.by_name.setdefault(normalise_key(name), [])
            if key not in self.by_name[normalise_key(name)]:
                self.by_name[normalise_key(name)].append(key)
        elif key not in self.names:
            self.names[key] = key
            self.by_name.setdefault(normalise_key(key), [])
            if key not in self.by_name[normalise_key(key)]:
                self.by_name[normalise_key(key)].append(key)

    def add_edge(self, edge: Edge) -> None:
        self.add_node(edge.owner)
        self.add_node(edge.owned)
        self.in_edges.setdefault(edge.owned, []).append(edge)
        self.out_edges.setdefault(edge.owner, []).append(edge)
        self.edge_count += 1

    # -- queries --------------------------------------------------------------
    def name(self, key: str) -> str:
        return self.names.get(key, key)

    def find(self, query: str) -> list[str]:
        """Node keys for an id or a name (exact key first, then normalised name)."""
        if query in self.names:
            return [query]
        return list(self.by_name.get(normalise_key(query), []))

    def ancestors(self, key: str) -> set[str]:
        """Every direct or indirect owner of ``key`` (``key`` itself excluded unless in a cycle)."""
        seen: set[str] = set()
        stack = [key]
        while stack:
            cur = stack.pop()
            for e in self.in_edges.get(cur, ()):
                if e.owner not in seen:
                    seen.add(e.owner)
                    stack.append(e.owner)
        return seen

    def descendants(self, keys: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        stack = list(keys)
        while stack:
            cur = stack.pop()
            for e in self.out_edges.get(cur, ()):
                if e.owned not in seen:
                    seen.add(e.owned)
                    stack.append(e.owned)
        return seen

    # -- checks ---------------------------------------------------------------
    def check(self) -> list[GraphIssue]:
        """Stakes summing above 100 % and cycles (added to ``issues`` and returned)."""
        found: list[GraphIssue] = []
        for owned, edges in self.in_edges.items():
            total = sum(min(e.percent, 100.0) for e in edges if e.percent is not None)
            if total > 100.0 + 1e-6:
                found.append(
                    GraphIssue(
                        "sum_over_100",
                        f"owners of {self.name(owned)!r} hold {total:g} % in total (over 100 %)",
                        nodes=(owned,),
                    )
                )
        for comp in strongly_connected(self.out_edges, self.names):
            shown = " -> ".join(self.name(k) for k in comp[:6])
            more = " ..." if len(comp) > 6 else ""
            found.append(
                GraphIssue(
                    "cycle",
                    f"ownership cycle among {len(comp)} entities: {shown}{more}",
                    nodes=tuple(comp),
                )
            )
        self.issues.extend(found)
        return found

    def iter_edges(self) -> Iterator[Edge]:
        for edges in self.out_edges.values():
            yield from edges


def strongly_connected(out_edges: dict[str, list[Edge]], nodes: Iterable[str]) -> list[list[str]]:
    """Cycles: strongly connected components of 2+ nodes, and self-owning nodes
    (iterative Tarjan, no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index or root not in out_edges:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack.add(v)
            edges = out_edges.get(v, [])
            recurse = False
            while i < len(edges):
                w = edges[i].owned
                i += 1
                if w not in index:
                    work.append((v, i))
                    work.append((w, 0))
                    recurse = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if recurse:
                continue
            if low[v] == index[v]:
                comp: list[str] = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or any(e.owned == v for e in out_edges.get(v, [])):
                    out.append(comp[::-1])
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return out


def parse_percent(text: str | None) -> tuple[float | None, str | None]:
    """``"70"``, ``"70 %"``, ``"70,5"`` -> (value, None); empty -> (None, None) = unknown;
    unreadable or negative -> (None, reason)."""
    if text is None or not str(text).strip():
        return None, None
    m = _PCT.match(str(text))
    if not m:
        return None, f"percent {text!r} is not a number (treated as unknown)"
    value = float(m.group(1).replace(",", "."))
    if value < 0:
        return None, f"percent {text!r} is negative (treated as unknown)"
    return value, None


def _add_checked_edge(
    graph: OwnershipGraph,
    owner: str,
    owned: str,
    pct_text: str | None,
    source: str,
    file: str,
    line: int | None,
) -> None:
    pct, problem = parse_percent(pct_text)
    if problem:
        graph.issues.append(GraphIssue("bad_percent", problem, file, line, (owner, owned)))
    if pct is not None and pct > 100.0:
        graph.issues.append(
            GraphIssue(
                "over_100",
                f"{graph.name(owner)!r} owns {pct:g} % of {graph.name(owned)!r} "
                "(above 100 %; counted as 100 %)",
                file,
                line,
                (owner, owned),
            )
        )
        pct = 100.0
    if pct is None and not problem:
        graph.issues.append(
            GraphIssue(
                "unknown_percent",
                f"stake of {graph.name(owner)!r} in {graph.name(owned)!r} not given (unknown)",
                file,
                line,
                (owner, owned),
            )
        )
    graph.add_edge(Edge(owner, owned, pct, source, line))


def load_edges_csv(path: Path | str, graph: OwnershipGraph | None = None) -> OwnershipGraph:
    """Read ``owner,owned,percent[,source]`` (+ optional ``owner_name``, ``owned_name``).
    Owner/owned are names or ids; names become normalised keys, so spelling of case and
    punctuation does not split a node. Bad rows become issues; the rest loads."""
    path = Path(path)
    graph = graph if graph is not None else OwnershipGraph()
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise BadInputError(f"cannot read: {exc}", file=str(path)) from exc
    with fh:
        reader = csv.reader(fh)
        header = [h.strip().lower() for h in next(reader, [])]
        for need in ("owner", "owned"):
            if need not in header:
                raise BadInputError(
                    f"missing column {need!r} (need owner,owned,percent[,source])",
                    file=str(path),
                    line=1,
                    field=need,
                )
        col = {h: i for i, h in enumerate(header)}
        i_owner, i_owned = col["owner"], col["owned"]
        i_pct = col.get("percent", col.get("percentage"))
        i_src = col.get("source")
        i_on, i_dn = col.get("owner_name"), col.get("owned_name")
        width = len(header)
        for lineno, row in enumerate(reader, start=2):
            if not row or not any(c.strip() for c in row):
                continue
            if len(row) < min(width, 2):
                graph.issues.append(GraphIssue("bad_row", "too few fields", str(path), lineno))
                continue
            row = row + [""] * (width - len(row))
            owner_raw, owned_raw = row[i_owner].strip(), row[i_owned].strip()
            if not owner_raw or not owned_raw:
                graph.issues.append(
                    GraphIssue("bad_row", "empty owner or owned", str(path), lineno)
                )
                continue
            owner = _key_for(owner_raw, row[i_on] if i_on is not None else "")
            owned = _key_for(owned_raw, row[i_dn] if i_dn is not None else "")
            graph.add_node(owner, (row[i_on].strip() if i_on is not None else "") or owner_raw)
            graph.add_node(owned, (row[i_dn].strip() if i_dn is not None else "") or owned_raw)
            _add_checked_edge(
                graph,
                owner,
                owned,
                row[i_pct] if i_pct is not None else None,
                row[i_src].strip() if i_src is not None else path.name,
                str(path),
                lineno,
            )
    return graph


def _key_for(value: str, name: str) -> str:
    """Ids (given with a separate name column, or id-shaped) stay as they are; names are
    normalised."""
    if name.strip() or re.fullmatch(r"[A-Za-z0-9_.:-]+", value) and any(c.isdigit() for c in value):
        return value
    return normalise_key(value)


def load_ftm(path: Path | str, graph: OwnershipGraph | None = None) -> OwnershipGraph:
    """Read FollowTheMoney entities (JSON lines, or a JSON array): ``Ownership`` entities
    become edges; names of the entities they join come from the same file."""
    path = Path(path)
    graph = graph if graph is not None else OwnershipGraph()
    names: dict[str, str] = {}
    pending: list[tuple[str, str, str | None, str, int]] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read: {exc}", file=str(path)) from exc
    stripped = text.lstrip()
    items: list[tuple[int, object]] = []
    if stripped.startswith("["):
        try:
            items = list(enumerate(json.loads(text), start=1))
        except ValueError as exc:
            raise BadInputError(f"bad JSON: {exc}", file=str(path)) from exc
    else:
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append((lineno, json.loads(line)))
            except ValueError as exc:
                graph.issues.append(GraphIssue("bad_row", f"bad JSON: {exc}", str(path), lineno))
    for lineno, ent in items:
        if not isinstance(ent, dict):
            graph.issues.append(GraphIssue("bad_row", "not a JSON object", str(path), lineno))
            continue
        props = ent.get("properties") or {}
        schema = ent.get("schema")
        ent_id = str(ent.get("id") or "")
        if schema == "Ownership":
            owners = props.get("owner") or []
            assets = props.get("asset") or []
            if not owners or not assets:
                graph.issues.append(
                    GraphIssue("bad_row", "Ownership without owner or asset", str(path), lineno)
                )
                continue
            pcts = props.get("percentage") or []
            pct = str(pcts[0]) if pcts else None
            src = ",".join(props.get("sourceUrl") or []) or path.name
            for o in owners:
                for a in assets:
                    pending.append((_ref(o), _ref(a), pct, src, lineno))
            for o in owners + assets:
                if isinstance(o, dict) and o.get("id"):
                    nm = (o.get("properties") or {}).get("name") or []
                    if nm:
                        names[str(o["id"])] = str(nm[0])
        elif ent_id:
            nm = props.get("name") or []
            if nm:
                names[ent_id] = str(nm[0])
    for owner, owned, pct, src, lineno in pending:
        graph.add_node(owner, names.get(owner))
        graph.add_node(owned, names.get(owned))
        _add_checked_edge(graph, owner, owned, pct, src, str(path), lineno)
    return graph


def _ref(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("id"))
    return str(value)


def load_any(paths: Iterable[Path | str]) -> OwnershipGraph:
    """Load CSV and FtM files into one graph, then run the checks (sums, cycles)."""
    graph = OwnershipGraph()
    for p in paths:
        p = Path(p)
        head = p.open("rb").read(64).lstrip() if p.is_file() else b""
        if not p.is_file():
            raise BadInputError("no such file", file=str(p))
        if head.startswith((b"{", b"[")):
            load_ftm(p, graph)
        else:
            load_edges_csv(p, graph)
    graph.check()
    return graph
