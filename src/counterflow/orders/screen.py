"""Screen order lines: every party through party screening, the item through goods
screening, the route through the rules -> ``order_id,risk,score,flags,explanation``.

Files of a million lines stream through in two passes: the first collects the distinct
party strings (normalised) and duplicate order ids, the distinct parties (and their
owners, when an ownership graph is given) are screened once each — on several processes
when the screener supports it — and the second pass evaluates and writes each line.
"""

from __future__ import annotations

import csv
import io
import multiprocessing as mp
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import TextIO

from counterflow.csvout import guarded_writer
from counterflow.errors import BadInputError
from counterflow.goods.chpl import ChplEntry, ChplTable
from counterflow.goods.describe import hint_headings
from counterflow.goods.parts import ComponentTable
from counterflow.match.types import Hit, Query, Screener
from counterflow.orders.columns import (
    PARTY_ROLES,
    Columns,
    OrderLine,
    destination,
    parse_line,
    resolve_columns,
)
from counterflow.orders.history import History
from counterflow.orders.rules import RED_FLAGS, RULES, combine, weight_of
from counterflow.orders.settings import OrdersConfig
from counterflow.ownership.graph import OwnershipGraph, normalise_key
from counterflow.ownership.stake import Stake, aggregate, explain

csv.field_size_limit(10_000_000)

ROLE_LABEL = {
    "customer": "customer",
    "consignee": "consignee",
    "end_user": "end user",
    "freight_forwarder": "forwarder",
}


@dataclass(slots=True)
class PartyResult:
    """The best hit of one distinct party string (None fields when clear)."""

    decision: str  # match | review | clear
    score: float = 0.0
    entity_name: str = ""
    dataset: str = ""
    entity_id: str = ""
    explanation: str = ""


@dataclass(slots=True)
class LineResult:
    order_id: str
    risk: str
    score: float
    flags: list[str]
    explanation: str


@dataclass(slots=True)
class Summary:
    """What a run did; printed to stderr by the CLI."""

    lines: int = 0
    screened: int = 0
    blank: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    problems: Counter[str] = field(default_factory=Counter)
    problem_examples: dict[str, list[str]] = field(default_factory=dict)
    risks: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)
    distinct_parties: int = 0
    parties_screened: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # read / parties / lines
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> str:
        rate = self.screened / self.seconds if self.seconds > 0 else 0.0
        out = [
            f"{self.screened} of {self.lines} lines screened in {self.seconds:.1f} s "
            f"({rate:,.0f} lines/s); {self.distinct_parties} distinct parties, "
            f"{self.parties_screened} screened",
            "time: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.phases.items()),
            "risk: "
            + ", ".join(f"{k} {self.risks.get(k, 0)}" for k in ("clear", "review", "block")),
        ]
        if self.rejected:
            shown = "; ".join(f"line {n}: {why}" for n, why in self.rejected[:10])
            more = f" (+{len(self.rejected) - 10} more)" if len(self.rejected) > 10 else ""
            out.append(f"rejected {len(self.rejected)} lines (not screened): {shown}{more}")
        if self.blank:
            out.append(f"skipped {self.blank} blank lines")
        for code, n in sorted(self.problems.items()):
            ex = "; ".join(self.problem_examples.get(code, []))
            out.append(f"{code}: {n} lines flagged (screened, sent to review), e.g. {ex}")
        out.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(out)


PartyKey = tuple[str, str]  # (normalised name, ISO country or "")


class OrderScreener:
    """Evaluates order lines against the rules. Build it, call ``prepare`` with the
    distinct party names, then ``evaluate`` each line."""

    def __init__(
        self,
        config: OrdersConfig,
        *,
        screener: Screener | None = None,
        chpl: ChplTable | None = None,
        components: ComponentTable | None = None,
        ownership: OwnershipGraph | None = None,
        history: History | None = None,
        workers: int = 1,
    ) -> None:
        self.cfg = config
        self.screener = screener
        self.chpl = chpl
        self.components = components
        self.graph = ownership
        self.history = history
        self.workers = workers
        self.parties: dict[PartyKey, PartyResult] = {}
        self.stakes: dict[str, tuple[Stake, str]] = {}  # party key -> (stake, path text)
        kws = sorted(config.reshipper_keywords, key=len, reverse=True)
        self._reshipper_rx = (
            re.compile(r"\b(?:" + "|".join(re.escape(k) for k in kws) + r")\b") if kws else None
        )
        self._hub_names = {c: _country_name(c) for c in config.hub_countries}
        self._sez_cache: dict[str, str] = {}
        self._part_cache: dict[tuple[str, str], str] = {}

    # -- pass 1 results -------------------------------------------------------
    def prepare(self, party_names: Iterable[tuple[str, str]]) -> int:
        """Screen each distinct (party, country) pair (and, with an ownership graph, the
        party's owners) once. Returns how many distinct queries were screened."""
        todo: dict[PartyKey, str] = {}
        for name, country in party_names:
            key = (normalise_key(name), country)
            if key[0] and key not in self.parties and key not in todo:
                todo[key] = name
        owner_nodes: dict[str, list[str]] = {}
        if self.graph is not None:
            for (nkey, _), name in list(todo.items()):
                if nkey in owner_nodes:
                    continue
                nodes = self.graph.find(name)
                if nodes:
                    owner_nodes[nkey] = nodes
                    for n in nodes:
                        for anc in self.graph.ancestors(n):
                            akey = (normalise_key(self.graph.name(anc)), "")
                            if akey[0] and akey not in todo and akey not in self.parties:
                                todo[akey] = self.graph.name(anc)
        self._screen_names(todo)
        if self.graph is not None and owner_nodes:
            self._ownership(owner_nodes)
        return len(todo)

    def _screen_names(self, todo: dict[PartyKey, str]) -> None:
        if self.screener is None or not todo:
            for key in todo:
                self.parties[key] = PartyResult("clear")
            return
        keys = list(todo)
        queries = (
            Query(id=str(i), name=todo[k], countries=[k[1]] if k[1] else [])
            for i, k in enumerate(keys)
        )
        workers = self.workers if len(keys) > 500 else 1  # processes pay off on many names
        results = self.screener.screen_many(
            queries, threshold=self.cfg.party_threshold, limit=5, workers=workers
        )
        for key, hits in zip(keys, results, strict=True):
            self.parties[key] = _party_result(hits)

    def _ownership(self, owner_nodes: dict[str, list[str]]) -> None:
        assert self.graph is not None
        listed: dict[str, str] = {}
        for node in {
            a for nodes in owner_nodes.values() for n in nodes for a in self.graph.ancestors(n)
        }:
            res = self.parties.get((normalise_key(self.graph.name(node)), ""))
            if res is not None and res.decision == "match":
                listed[node] = f"{res.entity_name} ({res.dataset})"
        if not listed:
            return
        targets = {n for nodes in owner_nodes.values() for n in nodes}
        stakes = aggregate(self.graph, listed, only=targets)
        for key, nodes in owner_nodes.items():
            best: Stake | None = None
            for n in nodes:
                st = stakes.get(n)
                if st is None or st.status in ("clear", "listed"):
                    continue
                if best is None or st.blocked_percent > best.blocked_percent:
                    best = st
            if best is not None:
                paths = explain(self.graph, best.key, listed, max_paths=2)
                text = " | ".join(p.describe(self.graph) for p in paths)
                self.stakes[key] = (best, text)

    def _sez_zone(self, text: str) -> str:
        """The watch-listed zone ``text`` names ("" when none), cached per text."""
        hit = self._sez_cache.get(text)
        if hit is None:
            hit = next((z.name for z in self.cfg.sez if z.matches(text)), "")
            if len(self._sez_cache) > 200_000:
                self._sez_cache.clear()
            self._sez_cache[text] = hit
        return hit

    def _part_flag(self, part: str, maker: str) -> str:
        """DRONE_COMPONENT text for a part ("" when no match), cached per (part, maker)."""
        ck = (part, maker)
        text = self._part_cache.get(ck)
        if text is None:
            text = ""
            if self.components is not None:
                matches = self.components.match(part, maker or None, limit=1)
                if matches and matches[0].score >= 0.8:
                    text = matches[0].explanation()
            self._part_cache[ck] = text
        return text

    # -- pass 2 ---------------------------------------------------------------
    def evaluate(self, line: OrderLine, *, duplicate: bool = False) -> LineResult:
        """Every rule the line trips, each with its reason, and the verdict."""
        found: Found = {}
        for code, msg in line.problems:
            _flag(found, code, msg)
        if duplicate:
            _flag(
                found,
                "INPUT_DUPLICATE_ORDER_ID",
                f"order id {line.order_id!r} used on an earlier line",
            )
        self._party_flags(line, found)
        sensitive = self._goods_flags(line, found)
        self._route_flags(line, sensitive, found)
        self._address_flags(line, found)
        self._reshipper_flags(line, found)
        self._end_use_flags(line, found)
        self._history_flags(line, found)
        return self._verdict(line.order_id, found)

    def _party_flags(self, line: OrderLine, found: Found) -> None:
        """Listed, possibly listed and near-matched parties, and listed owners."""
        country = line.ship_to_country or ""
        for role, name in line.parties.items():
            key = normalise_key(name)
            res = self.parties.get((key, "" if role == "freight_forwarder" else country))
            label = ROLE_LABEL[role]
            if res is not None and res.decision != "clear":
                code = "PARTY_LISTED" if res.decision == "match" else "PARTY_POSSIBLE_MATCH"
                _flag(
                    found,
                    code,
                    f"{label} {name!r} ~ listed {res.entity_name!r} ({res.dataset}, "
                    f"score {res.score:.2f})",
                )
            elif res is not None and res.entity_name and res.score >= self.cfg.near_match_at:
                _flag(
                    found,
                    "PARTY_NEAR_MATCH",
                    f"{label} {name!r} is close to listed {res.entity_name!r} ({res.dataset}, "
                    f"score {res.score:.2f}, below the review band)",
                )
            st = self.stakes.get(key)
            if st is not None:
                self._stake_flag(label, name, *st, found)

    @staticmethod
    def _stake_flag(label: str, name: str, stake: Stake, path: str, found: Found) -> None:
        if stake.status == "blocked":
            _flag(
                found,
                "OWNED_BY_LISTED",
                f"{label} {name!r} is {stake.blocked_percent:g} % owned by listed "
                f"parties (50 % rule): {path}",
            )
        elif stake.status == "minority":
            _flag(
                found,
                "OWNED_MINORITY",
                f"listed parties own {stake.blocked_percent:g} % of {label} {name!r}: {path}",
            )
        elif stake.status == "unknown":
            _flag(
                found,
                "OWNERSHIP_UNKNOWN",
                f"a listed party owns an unknown stake in {label} {name!r}: {path}",
            )

    def _goods_flags(self, line: OrderLine, found: Found) -> str:
        """CHPL item (or hint) and drone component; returns what makes the goods
        sensitive ("" when nothing does)."""
        sensitive = ""
        if self.chpl is not None:
            if line.hs is not None:
                entry = self.chpl.lookup(line.hs)
                if entry is not None:
                    _flag(
                        found,
                        "CHPL_ITEM",
                        f"HS {line.hs.dotted} is CHPL {_tier(entry)} ({_short(entry.description)})",
                    )
                    sensitive = f"CHPL {_tier(entry)} item"
            elif line.description:
                for hint in hint_headings(line.description):
                    e = self.chpl.lookup(hint.hs6)
                    if e is not None:
                        _flag(
                            found,
                            "CHPL_HINT",
                            f"no HS code; description {line.description!r} suggests "
                            f"{hint.dotted} (CHPL {_tier(e)})",
                        )
                        sensitive = f"likely CHPL item ({hint.dotted})"
                        break
        if self.components is not None and line.part_number:
            text = self._part_flag(line.part_number, line.manufacturer)
            if text:
                _flag(found, "DRONE_COMPONENT", text)
                sensitive = sensitive or "drone component"
        return sensitive

    def _route_flags(self, line: OrderLine, sensitive: str, found: Found) -> None:
        """Restricted destinations and transshipment hubs on the route."""
        cfg = self.cfg
        route = ([line.ship_to_country] if line.ship_to_country else []) + line.via_countries
        restricted = [c for c in route if c in cfg.restricted_countries]
        hubs = [c for c in route if c in cfg.hub_countries]
        if restricted:
            names = ", ".join(_country_name(c) for c in restricted)
            if sensitive:
                _flag(
                    found,
                    "CHPL_TO_RESTRICTED",
                    f"{sensitive} to/via restricted destination {names}",
                )
            else:
                _flag(
                    found, "RESTRICTED_DESTINATION", f"ships to/via restricted destination {names}"
                )
        hub_names = ", ".join(self._hub_names.get(c, c) for c in hubs)
        if sensitive and hubs:
            _flag(
                found, "CHPL_TO_HUB", f"{sensitive} to/via transshipment-risk country {hub_names}"
            )
        if hubs and "PARTY_NEAR_MATCH" in found:
            _flag(found, "NEAR_MATCH_TO_HUB", f"near-matched party on a line to/via {hub_names}")

    def _address_flags(self, line: OrderLine, found: Found) -> None:
        """The ship-to address or a party name in a watch-listed special economic zone."""
        for text in (line.ship_to_address, *line.parties.values()):
            if text:
                zone = self._sez_zone(text)
                if zone:
                    _flag(found, "SEZ_ADDRESS", f"{text!r} is in the watch-listed {zone}")

    def _reshipper_flags(self, line: OrderLine, found: Found) -> None:
        """A consignee or end user that is a forwarder or reshipper."""
        cfg = self.cfg
        fwd = normalise_key(line.parties.get("freight_forwarder", ""))
        for role in ("consignee", "end_user"):
            name = line.parties.get(role)
            if not name:
                continue
            key = normalise_key(name)
            why = ""
            if key in cfg.reshippers:
                why = "is on the reshipper list"
            elif self._reshipper_rx is not None and (m := self._reshipper_rx.search(key)):
                why = f"looks like a forwarder/reshipper ({m.group(0)!r})"
            elif fwd and key == fwd:
                why = "is the freight forwarder itself"
            if why:
                _flag(found, "RESHIPPER_CONSIGNEE", f"{ROLE_LABEL[role]} {name!r} {why}")
        if fwd and fwd in cfg.reshippers:
            _flag(
                found,
                "RESHIPPER_CONSIGNEE",
                f"forwarder {line.parties['freight_forwarder']!r} is on the reshipper list",
            )

    def _end_use_flags(self, line: OrderLine, found: Found) -> None:
        eu = line.end_use.strip().lower()
        if not eu:
            _flag(found, "END_USE_VAGUE", "end use missing")
        elif eu in self.cfg.vague_end_use or len(eu) < 3:
            _flag(found, "END_USE_VAGUE", f"end use {line.end_use!r} is vague")

    def _history_flags(self, line: OrderLine, found: Found) -> None:
        if self.history is None or "customer" not in line.parties:
            return
        outlier = self.history.outlier(
            line.parties["customer"],
            line.quantity,
            line.unit_price,
            self.cfg.outlier_factor,
            self.cfg.outlier_min_history,
        )
        if outlier:
            _flag(found, "QUANTITY_OUTLIER", outlier)

    def _verdict(self, order_id: str, found: Found) -> LineResult:
        """Score (noisy-or of the counted rules), risk band and explanation."""
        cfg = self.cfg
        codes = [c for c in RULES if c in found]  # rule-table order, stable
        # a near match counts only beside a route or party red flag: goods flags alone
        # (a CHPL part for an ordinary customer at home) never make a look-alike count
        uncounted = set()
        if "PARTY_NEAR_MATCH" in found and not RED_FLAGS.intersection(found):
            uncounted.add("PARTY_NEAR_MATCH")
            found["PARTY_NEAR_MATCH"].append("not counted: no route or party red flag")
        # input problems count once (the strongest): bad data sends a line to a person,
        # it does not make it riskier by itself
        inputs = [weight_of(c, cfg.weights) for c in codes if c.startswith("INPUT_")]
        weights = [
            weight_of(c, cfg.weights)
            for c in codes
            if not c.startswith("INPUT_") and c not in uncounted
        ]
        score = combine(weights + ([max(inputs)] if inputs else []))
        # a near match is a reason to look, never a reason to block: the line blocks
        # only if it would without the near-match flags
        near = {"PARTY_NEAR_MATCH", "NEAR_MATCH_TO_HUB"} & set(codes) - uncounted
        if near and score >= cfg.block_at:
            without = combine(
                [
                    weight_of(c, cfg.weights)
                    for c in codes
                    if not c.startswith("INPUT_") and c not in near | uncounted
                ]
                + ([max(inputs)] if inputs else [])
            )
            if without < cfg.block_at:
                score = max(without, round(cfg.block_at - 0.01, 3))
                found[sorted(near)[-1]].append("a near match alone never blocks")
        risk = "block" if score >= cfg.block_at else "review" if score >= cfg.review_at else "clear"
        texts_out = ["; ".join(found[c]) for c in codes]
        expl = "clear: no risk indicator" if not codes else f"{risk}: " + "; ".join(texts_out)
        return LineResult(order_id, risk, round(score, 3), codes, expl)


Found = dict[str, list[str]]


def _flag(found: Found, code: str, text: str) -> None:
    found.setdefault(code, []).append(text)


PARTY_KINDS = frozenset({"person", "organization", "company", "legalentity", "unknown", "any", ""})


def _party_result(hits: list[Hit]) -> PartyResult:
    """The best hit that can be a trading party: vessels and aircraft (whose aliases are
    often ordinary words such as "Target") are not customers."""
    hits = [h for h in hits if (h.kind or "").lower() in PARTY_KINDS]
    if not hits:
        return PartyResult("clear")
    h = max(hits, key=lambda x: x.score)
    return PartyResult(h.decision, h.score, h.entity_name, h.dataset, h.entity_id, h.explanation)


def _tier(entry: ChplEntry) -> str:
    return entry.tier.replace("TIER_", "tier ").replace("_", "")


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


_COUNTRY_NAMES: dict[str, str] = {}


def _country_name(code: str) -> str:
    if code not in _COUNTRY_NAMES:
        try:
            from followthemoney.types import registry

            _COUNTRY_NAMES[code] = str(registry.country.caption(code) or code.upper())
        except Exception:  # pragma: no cover - display only
            _COUNTRY_NAMES[code] = code.upper()
    return _COUNTRY_NAMES[code]


# -- files ----------------------------------------------------------------------


def _open_input(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise BadInputError(f"cannot read: {exc}", file=str(path)) from exc


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for every data row; physical line numbers of the row start."""
    with _open_input(path) as fh:
        reader = csv.reader(fh)
        try:
            next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            raise BadInputError(f"unreadable header: {exc}", file=str(path), line=1) from exc
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise BadInputError(f"not UTF-8: {exc}", file=str(path), line=start) from exc
            except csv.Error as exc:
                raise BadInputError(f"broken CSV: {exc}", file=str(path), line=start) from exc
            yield start, row
            start = reader.line_num + 1


def read_columns(path: Path) -> Columns:
    with _open_input(path) as fh:
        try:
            header = next(csv.reader(fh), None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise BadInputError(f"unreadable header: {exc}", file=str(path), line=1) from exc
    if not header:
        raise BadInputError("empty file (no header)", file=str(path), line=1)
    return resolve_columns(header, str(path))


def collect(path: Path, cols: Columns) -> tuple[set[tuple[str, str]], dict[str, int], int]:
    """Pass 1: distinct (party, ship-to country) pairs, duplicated order ids, row count.
    Forwarders are screened without a country (they rarely sit in the ship-to country)."""
    party_idx = [(cols.index[r], r == "freight_forwarder") for r in PARTY_ROLES if r in cols.index]
    oid = cols.index["order_id"]
    cidx = cols.index.get("ship_to_country")
    names: set[tuple[str, str]] = set()
    seen: dict[str, int] = {}
    dups: dict[str, int] = {}  # duplicated order id -> line of its first use
    n = 0
    for lineno, row in _rows(path):
        n += 1
        country = ""
        if cidx is not None and cidx < len(row) and row[cidx].strip():
            country = destination(row[cidx]) or ""
        for i, is_fwd in party_idx:
            if i < len(row):
                v = row[i].strip()
                if v:
                    names.add((v, "" if is_fwd else country))
        if oid < len(row):
            o = row[oid].strip()
            if o:
                if o in seen:
                    dups[o] = seen[o]
                else:
                    seen[o] = lineno
    return names, dups, n


def screen_file(
    input_path: Path | str,
    output: Path | str | TextIO,
    engine: OrderScreener,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Summary:
    """Screen an order CSV into ``output`` (a path, ``-`` or a text stream)."""
    t0 = time.perf_counter()
    summary = Summary()
    path = Path(input_path)
    tmp: Path | None = None
    if str(input_path) == "-":
        with tempfile.NamedTemporaryFile("w", delete=False, suffix=".csv", encoding="utf-8") as t:
            shutil.copyfileobj(sys.stdin, t)
            tmp = path = Path(t.name)
    try:
        cols = read_columns(path)
        names, dups, total = collect(path, cols)
        summary.phases["read"] = time.perf_counter() - t0
        summary.distinct_parties = len({normalise_key(n) for n, _ in names})
        summary.parties_screened = engine.prepare(names)
        summary.phases["parties"] = time.perf_counter() - t0 - summary.phases["read"]
        if engine.screener is None:
            summary.warnings.append("no screener: parties were not screened against lists")
        if engine.chpl is None:
            summary.warnings.append("no CHPL table: run `counterflow goods load` (CHPL rules off)")
        if engine.components is None:
            summary.warnings.append("no component table: drone-component rule off")
        if isinstance(output, (str, Path)) and str(output) != "-":
            with Path(output).open("w", encoding="utf-8", newline="") as fh:
                _write(path, cols, engine, dups, fh, summary, total, progress)
        else:
            out_fh = sys.stdout if isinstance(output, (str, Path)) else output
            _write(path, cols, engine, dups, out_fh, summary, total, progress)
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    summary.seconds = time.perf_counter() - t0
    if "parties" in summary.phases:
        summary.phases["lines"] = (
            summary.seconds - summary.phases["read"] - summary.phases["parties"]
        )
    return summary


@dataclass(slots=True)
class _ChunkResult:
    rows: list[list[str]]
    text: str = ""  # the rows as CSV (from worker processes: one string pickles fast)
    written: int = 0
    lines: int = 0
    blank: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    problems: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    risks: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)


def _screen_chunk(
    chunk: list[tuple[int, list[str]]], cols: Columns, engine: OrderScreener, dups: dict[str, int]
) -> _ChunkResult:
    out = _ChunkResult(rows=[])
    passthrough = cols.passthrough
    for lineno, row in chunk:
        out.lines += 1
        if not any(c.strip() for c in row):
            out.blank += 1
            continue
        line = parse_line(row, cols, lineno)
        if not line.order_id:
            out.rejected.append((lineno, "empty order_id"))
            continue
        first = dups.get(line.order_id)
        duplicate = first is not None and first != lineno
        res = engine.evaluate(line, duplicate=duplicate)
        problems = list(line.problems)
        if duplicate:
            problems.append(("INPUT_DUPLICATE_ORDER_ID", f"{line.order_id!r}"))
        for code, msg in problems:
            out.problems[code] += 1
            ex = out.examples.setdefault(code, [])
            if len(ex) < 3:
                ex.append(f"line {lineno}: {msg}")
        out.risks[res.risk] += 1
        out.flags.update(res.flags)
        out.rows.append(
            [
                res.order_id,
                res.risk,
                f"{res.score:.3f}",
                ";".join(res.flags),
                res.explanation,
                *[row[i] if i < len(row) else "" for i in passthrough],
            ]
        )
    return out


_FORKED: tuple[Columns, OrderScreener, dict[str, int]] | None = None


def _forked_chunk(chunk: list[tuple[int, list[str]]]) -> _ChunkResult:
    assert _FORKED is not None
    cols, engine, dups = _FORKED
    res = _screen_chunk(chunk, cols, engine, dups)
    buf = io.StringIO()
    guarded_writer(buf).writerows(res.rows)
    res.text, res.written, res.rows = buf.getvalue(), len(res.rows), []
    return res


def _chunks(path: Path, size: int) -> Iterator[list[tuple[int, list[str]]]]:
    chunk: list[tuple[int, list[str]]] = []
    for item in _rows(path):
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write(
    path: Path,
    cols: Columns,
    engine: OrderScreener,
    dups: dict[str, int],
    out_fh: TextIO,
    summary: Summary,
    total: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Pass 2: evaluate and write every line, in input order; on ``engine.workers``
    forked processes for large files (the engine, with its screened parties, is shared
    by fork; at most 4 chunks per worker are in flight)."""
    writer = guarded_writer(out_fh)
    writer.writerow(cols.output_header())
    results: Iterator[_ChunkResult]
    if engine.workers > 1 and total > 20_000 and hasattr(os, "fork"):
        results = _parallel(path, cols, engine, dups, engine.workers)
    else:
        results = (_screen_chunk(c, cols, engine, dups) for c in _chunks(path, 2000))
    done = 0
    for res in results:
        if res.text:
            out_fh.write(res.text)
        else:
            writer.writerows(res.rows)
        summary.lines += res.lines
        summary.blank += res.blank
        summary.rejected.extend(res.rejected)
        summary.problems.update(res.problems)
        for code, ex in res.examples.items():
            mine = summary.problem_examples.setdefault(code, [])
            mine.extend(ex[: max(0, 3 - len(mine))])
        summary.risks.update(res.risks)
        summary.flags.update(res.flags)
        summary.screened += res.written or len(res.rows)
        done += res.lines
        if progress is not None:
            progress(done, total)


def _parallel(
    path: Path, cols: Columns, engine: OrderScreener, dups: dict[str, int], workers: int
) -> Iterator[_ChunkResult]:
    global _FORKED
    _FORKED = (cols, engine, dups)
    ctx = mp.get_context("fork")
    window: deque[AsyncResult[_ChunkResult]] = deque()
    chunks = _chunks(path, 5000)
    try:
        with ctx.Pool(workers) as pool:
            while True:
                while len(window) < 4 * workers:
                    chunk = next(chunks, None)
                    if chunk is None:
                        break
                    window.append(pool.apply_async(_forked_chunk, (chunk,)))
                if not window:
                    break
                yield window.popleft().get()
    finally:
        _FORKED = None
