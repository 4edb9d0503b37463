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
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from counterflow.csvin import check_header
from counterflow.errors import BadInputError

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")
_PCT = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*%?\s*$")


@lru_cache(maxsize=1 << 20)
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


class OwnershipGraph:
    """Owner -> owned edges over integer node ids (lists while loading, numpy arrays for
    the aggregation). Node keys are ids (FtM, list entity ids) or normalised names."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.keys: list[str] = []
        self.display: list[str] = []
        self.src: list[int] = []
        self.dst: list[int] = []
        self.pct: list[float] = []  # nan = unknown
        self.lines: list[int] = []
        self.sources: list[str] = []
        self.issues: list[GraphIssue] = []
        self.unknown_edges = 0
        self._by_name: dict[str, list[str]] | None = None
        self._csr: tuple[Any, ...] | None = None
        self._arrays: tuple[Any, Any, Any] | None = None
        self._cycles: list[list[int]] | None = None

    # -- building -------------------------------------------------------------
    def node(self, key: str, name: str | None = None) -> int:
        i = self.ids.get(key)
        if i is None:
            i = len(self.keys)
            self.ids[key] = i
            self.keys.append(key)
            self.display.append(name or key)
            self._by_name = None
        elif name and self.display[i] == key:
            self.display[i] = name
        return i

    def add_node(self, key: str, name: str | None = None) -> None:
        self.node(key, name)

    def add_edge(self, edge: Edge) -> None:
        self.src.append(self.node(edge.owner))
        self.dst.append(self.node(edge.owned))
        self.pct.append(float("nan") if edge.percent is None else edge.percent)
        self.lines.append(edge.line or 0)
        self.sources.append(edge.source)
        self._csr = self._arrays = self._cycles = None

    @property
    def edge_count(self) -> int:
        return len(self.src)

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: object) -> bool:
        return key in self.ids

    # -- queries --------------------------------------------------------------
    def name(self, key: str) -> str:
        i = self.ids.get(key)
        return key if i is None else self.display[i]

    def find(self, query: str) -> list[str]:
        """Node keys for an id or a name (exact key first, then normalised name)."""
        if query in self.ids:
            return [query]
        if self._by_name is None:
            idx: dict[str, list[str]] = {}
            for k, d in zip(self.keys, self.display, strict=True):
                for text in {normalise_key(k), normalise_key(d)}:
                    idx.setdefault(text, []).append(k)
            self._by_name = idx
        return list(dict.fromkeys(self._by_name.get(normalise_key(query), [])))

    def arrays(self) -> tuple[Any, Any, Any]:
        """(src, dst, pct) as numpy arrays (pct: nan = unknown, capped at 100)."""
        import numpy as np

        if self._arrays is None:
            self._arrays = (
                np.asarray(self.src, dtype=np.int64),
                np.asarray(self.dst, dtype=np.int64),
                np.asarray(self.pct, dtype=np.float64),
            )
        return self._arrays

    def _adjacency(self) -> tuple[Any, Any, Any, Any]:
        """CSR of in-edges and out-edges: (in_ptr, in_edges, out_ptr, out_edges)."""
        if self._csr is None:
            import numpy as np

            src, dst, _ = self.arrays()
            n = len(self.keys)
            in_order = np.argsort(dst, kind="stable")
            out_order = np.argsort(src, kind="stable")
            in_ptr = np.zeros(n + 1, dtype=np.int64)
            out_ptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(np.bincount(dst, minlength=n), out=in_ptr[1:])
            np.cumsum(np.bincount(src, minlength=n), out=out_ptr[1:])
            self._csr = (in_ptr, in_order, out_ptr, out_order)
        in_ptr, in_order, out_ptr, out_order = self._csr
        return in_ptr, in_order, out_ptr, out_order

    def _edge(self, e: int) -> Edge:
        p = self.pct[e]
        return Edge(
            self.keys[self.src[e]],
            self.keys[self.dst[e]],
            None if p != p else p,
            self.sources[e],
            self.lines[e] or None,
        )

    def in_edges(self, key: str) -> list[Edge]:
        i = self.ids.get(key)
        if i is None:
            return []
        in_ptr, in_order, _, _ = self._adjacency()
        return [self._edge(int(e)) for e in in_order[in_ptr[i] : in_ptr[i + 1]]]

    def out_edges(self, key: str) -> list[Edge]:
        i = self.ids.get(key)
        if i is None:
            return []
        _, _, out_ptr, out_order = self._adjacency()
        return [self._edge(int(e)) for e in out_order[out_ptr[i] : out_ptr[i + 1]]]

    def _walk(self, starts: Iterable[int], up: bool) -> set[int]:
        in_ptr, in_order, out_ptr, out_order = self._adjacency()
        ptr, order = (in_ptr, in_order) if up else (out_ptr, out_order)
        ends = self.src if up else self.dst
        seen: set[int] = set()
        stack = list(starts)
        while stack:
            cur = stack.pop()
            for e in order[ptr[cur] : ptr[cur + 1]]:
                nxt = ends[int(e)]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    def ancestors(self, key: str) -> set[str]:
        """Every direct or indirect owner of ``key`` (``key`` itself only if in a cycle)."""
        i = self.ids.get(key)
        if i is None:
            return set()
        return {self.keys[j] for j in self._walk([i], up=True)}

    # -- checks ---------------------------------------------------------------
    def cycles(self) -> list[list[int]]:
        """Strongly connected components of 2+ nodes and self-owning nodes (node ids).
        Peels the acyclic part first (vectorised Kahn from both ends); Tarjan runs on
        what is left."""
        if self._cycles is not None:
            return self._cycles
        import numpy as np

        src, dst, _ = self.arrays()
        n = len(self.keys)
        if n == 0:
            return []
        in_ptr, in_order, out_ptr, out_order = self._adjacency()
        alive = np.ones(n, dtype=bool)
        for ptr, order, ends, deg_of in (
            (out_ptr, out_order, dst, dst),
            (in_ptr, in_order, src, src),
        ):
            # degree counted over edges between live nodes only
            live_edge = alive[src] & alive[dst]
            deg = np.bincount(deg_of[live_edge], minlength=n)
            frontier = np.flatnonzero(alive & (deg == 0))
            while frontier.size:
                alive[frontier] = False
                edges = _gather(ptr, order, frontier)
                if edges.size == 0:
                    break
                targets = ends[edges]
                targets = targets[alive[targets]]
                np.subtract.at(deg, targets, 1)
                cand = np.unique(targets)
                frontier = cand[deg[cand] == 0]
        rest = [int(v) for v in np.flatnonzero(alive)]
        if not rest:
            self._cycles = []
            return []
        rest_set = set(rest)
        out: dict[str, list[Edge]] = {}
        for v in rest:
            out[self.keys[v]] = [
                Edge(self.keys[v], self.keys[int(dst[e])], None)
                for e in out_order[out_ptr[v] : out_ptr[v + 1]]
                if int(dst[e]) in rest_set
            ]
        comps = strongly_connected(out, [self.keys[v] for v in rest])
        self._cycles = [[self.ids[k] for k in comp] for comp in comps]
        return self._cycles

    def check(self) -> list[GraphIssue]:
        """Stakes summing above 100 % and cycles (added to ``issues`` and returned)."""
        import numpy as np

        found: list[GraphIssue] = []
        _src, dst, pct = self.arrays()
        if len(dst):
            known = ~np.isnan(pct)
            totals = np.bincount(
                dst[known], weights=np.minimum(pct[known], 100.0), minlength=len(self.keys)
            )
            for i in np.flatnonzero(totals > 100.0 + 1e-6):
                found.append(
                    GraphIssue(
                        "sum_over_100",
                        f"owners of {self.display[i]!r} hold {totals[i]:g} % in total (over 100 %)",
                        nodes=(self.keys[i],),
                    )
                )
        for comp in self.cycles():
            shown = " -> ".join(self.display[k] for k in comp[:6])
            more = " ..." if len(comp) > 6 else ""
            found.append(
                GraphIssue(
                    "cycle",
                    f"ownership cycle among {len(comp)} entities: {shown}{more}",
                    nodes=tuple(self.keys[k] for k in comp),
                )
            )
        if self.unknown_edges:
            found.append(
                GraphIssue(
                    "unknown_percent",
                    f"{self.unknown_edges} edges have no percentage: counted as unknown, not zero",
                )
            )
        self.issues.extend(found)
        return found


def _gather(ptr: Any, order: Any, nodes: Any) -> Any:
    """The edge indices of ``nodes`` in a CSR (``ptr``, ``order``), vectorised."""
    import numpy as np

    starts = ptr[nodes]
    counts = ptr[nodes + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return order[np.arange(total) + offsets]


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
    if text is None:
        return None, None
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if value != value or value in (float("inf"), float("-inf")):
            return None, f"percent {text!r} is not a number (treated as unknown)"
        if value < 0:
            return None, f"percent {text!r} is negative (treated as unknown)"
        return value, None
    if not str(text).strip():
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
        graph.unknown_edges += 1
    graph.add_edge(Edge(owner, owned, pct, source, line))


def load_edges_csv(path: Path | str, graph: OwnershipGraph | None = None) -> OwnershipGraph:
    """Read ``owner,owned,percent[,source]`` (+ optional ``owner_name``, ``owned_name``):
    vectorised (polars) for plain files, row by row when that fails."""
    try:
        return _load_edges_fast(Path(path), graph if graph is not None else OwnershipGraph())
    except _SlowPath:
        return _load_edges_rows(path, graph)


class _SlowPath(Exception):
    pass


def _load_edges_fast(path: Path, graph: OwnershipGraph) -> OwnershipGraph:
    import numpy as np
    import polars as pl

    header = _csv_header(path)
    for need in ("owner", "owned"):
        if need not in header:
            raise BadInputError(
                f"missing column {need!r} (need owner,owned,percent[,source])",
                file=str(path),
                line=1,
                field=need,
            )
    if {"owner_name", "owned_name"} & set(header) or len(set(header)) != len(header):
        raise _SlowPath
    try:
        df = pl.read_csv(
            path, infer_schema=False, encoding="utf8-lossy", truncate_ragged_lines=False
        )
    except pl.exceptions.PolarsError as exc:  # ragged rows, quoting: the row-by-row reader
        raise _SlowPath from exc  # names the file and line
    df = df.rename({c: c.strip().lower().lstrip("\ufeff") for c in df.columns})
    if df.height == 0:
        return graph
    lines = np.arange(2, df.height + 2)
    owner = df["owner"].fill_null("").str.strip_chars()
    owned = df["owned"].fill_null("").str.strip_chars()
    empty = ((owner == "") | (owned == "")).to_numpy()
    for ln in lines[empty][:1000]:
        graph.issues.append(GraphIssue("bad_row", "empty owner or owned", str(path), int(ln)))
    keep = ~empty
    pct_col = (
        "percent"
        if "percent" in df.columns
        else "percentage"
        if "percentage" in df.columns
        else None
    )
    if pct_col:
        raw = df[pct_col].fill_null("").str.strip_chars()
        cleaned = raw.str.strip_chars_end("%").str.strip_chars().str.replace(",", ".", literal=True)
        val = cleaned.cast(pl.Float64, strict=False).to_numpy().astype(np.float64)
        raw_np = (raw != "").to_numpy()
    else:
        val = np.full(df.height, np.nan)
        raw_np = np.zeros(df.height, dtype=bool)
    val = np.where(np.isfinite(val), val, np.nan)
    bad = keep & raw_np & np.isnan(val)
    neg = keep & (val < 0)
    over = keep & (val > 100.0)
    unknown = keep & ~raw_np
    src_col = df["source"].fill_null("").str.strip_chars() if "source" in df.columns else None

    def keys_of(col: pl.Series) -> list[str]:
        return [_key_for(v, "") for v in col.to_list()]

    okeys = keys_of(owner)
    dkeys = keys_of(owned)
    oraw = owner.to_list()
    draw = owned.to_list()
    srcs = src_col.to_list() if src_col is not None else None
    for i in np.flatnonzero(bad | neg):
        what = "is not a number" if bad[i] else "is negative"
        graph.issues.append(
            GraphIssue(
                "bad_percent",
                f"percent {raw[int(i)]!r} {what} (treated as unknown)",
                str(path),
                int(lines[i]),
                (okeys[i], dkeys[i]),
            )
        )
    for i in np.flatnonzero(over):
        graph.issues.append(
            GraphIssue(
                "over_100",
                f"{oraw[i]!r} owns {val[i]:g} % of {draw[i]!r} (above 100 %; counted as 100 %)",
                str(path),
                int(lines[i]),
                (okeys[i], dkeys[i]),
            )
        )
    val = np.where(neg, np.nan, np.minimum(val, 100.0))
    graph.unknown_edges += int(unknown.sum())
    node = graph.node
    default_src = path.name
    for j in map(int, np.flatnonzero(keep)):
        graph.src.append(node(okeys[j], oraw[j]))
        graph.dst.append(node(dkeys[j], draw[j]))
    graph.pct.extend(val[keep].tolist())
    graph.lines.extend(lines[keep].tolist())
    if srcs is None:
        graph.sources.extend([default_src] * int(keep.sum()))
    else:
        graph.sources.extend([srcs[i] or default_src for i in np.flatnonzero(keep).tolist()])
    graph._csr = graph._arrays = graph._cycles = None
    return graph


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [h.strip().lower() for h in next(csv.reader(fh), [])]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BadInputError(f"cannot read: {exc}", file=str(path)) from exc


def _load_edges_rows(path: Path | str, graph: OwnershipGraph | None = None) -> OwnershipGraph:
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
        check_header(header, file=str(path))  # a column twice would silently win
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


_ID_SHAPED = re.compile(r"[A-Za-z0-9_.:-]*\d[A-Za-z0-9_.:-]*")


@lru_cache(maxsize=1 << 20)
def _key_for(value: str, name: str) -> str:
    """Ids (given with a separate name column, or id-shaped: one token with a digit) stay
    as they are; names are normalised."""
    if name.strip() or _ID_SHAPED.fullmatch(value):
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
