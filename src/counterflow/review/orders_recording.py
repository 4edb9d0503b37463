"""Recording a ``screen orders`` run (CLI ``--record`` and the API's ``/screen/orders``).

Every line the order screener puts at ``review`` or ``block`` becomes an alert, whatever
made it so (a listed party, CHPL goods to a transshipment hub, an Alabuga SEZ address,
a reshipper consignee...), carrying its order context: order id, line, customer and the
other parties, ship-to, route, part / HS code, the flags and the explanation.

- A line whose customer, consignee, end user or forwarder matched a listed party raises
  the alert for (customer, listed entity): the entity's records (``store.grouping``) are
  its evidence, and the side-by-side comparison is of the party that matched.
- A line flagged for goods, route or anything else raises the alert for (customer,
  order id): entity id ``order:<order id>``, list ``orders``.

The customer is the order's ``customer`` (else consignee, end user, forwarder), id
``customer:<name>``. One open alert per customer x listed entity (``review.alerting``):
later lines and later runs add their order context to the alert still open instead of
raising another beside it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from counterflow.match.types import Hit, Query
from counterflow.review.alerting import Finding, entity_finding
from counterflow.review.recording import RunSummary, record_run

RISKS_RAISED: tuple[str, ...] = ("review", "block")
PARTY_ORDER: tuple[str, ...] = ("customer", "consignee", "end_user", "freight_forwarder")


def summary_dict(summary: Any) -> dict[str, Any]:
    """The JSON form of an ``orders.screen.Summary`` (API response and run settings)."""
    return {
        "lines": summary.lines,
        "screened": summary.screened,
        "risks": dict(summary.risks),
        "flags": dict(summary.flags),
        "rejected": [{"line": n, "reason": r} for n, r in summary.rejected],
        "warnings": list(summary.warnings),
    }


@dataclass(slots=True)
class OrderAlerts:
    """What an orders run puts before an analyst: one query + finding per alert key."""

    queries: list[Query] = field(default_factory=list)
    hits: list[list[Hit]] = field(default_factory=list)
    findings: list[list[Finding]] = field(default_factory=list)
    lines_flagged: int = 0

    def add(self, q: Query, hit: Hit | None, f: Finding) -> None:
        self.queries.append(q)
        self.hits.append([hit] if hit is not None else [])
        self.findings.append([f])


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        start = reader.line_num + 1
        for row in reader:
            yield start, row
            start = reader.line_num + 1


def _customer(parties: dict[str, str], order_id: str) -> tuple[str, str]:
    """(customer id, customer name) of an order line."""
    for role in PARTY_ORDER:
        name = " ".join(parties.get(role, "").split())
        if name:
            return f"customer:{name[:200]}", name
    return f"order:{order_id}", ""


def _context(line: Any, res: Any, customer: str) -> dict[str, Any]:
    return {
        "order_id": line.order_id,
        "line": line.line,
        "customer": customer,
        **{role: line.parties.get(role, "") for role in PARTY_ORDER[1:]},
        "ship_to_country": line.ship_to_country or line.ship_to_country_raw,
        "ship_to_address": line.ship_to_address,
        "via_countries": list(line.via_countries),
        "hs_code": line.hs_raw,
        "part_number": line.part_number,
        "manufacturer": line.manufacturer,
        "description": line.description,
        "quantity": line.quantity,
        "end_use": line.end_use,
        "risk": res.risk,
        "score": res.score,
        "flags": list(res.flags),
        "explanation": res.explanation,
    }


def order_alerts(path: Path, engine: Any, *, list_store: Any, groups: Any) -> OrderAlerts:
    """Evaluate every line of ``path`` again with the prepared ``engine`` (the one that
    wrote the output, so the same risks) and collect the alerts of the review/block
    lines, one per (customer, listed entity) or (customer, order id)."""
    from counterflow.orders.columns import parse_line
    from counterflow.orders.screen import collect, read_columns
    from counterflow.ownership.graph import normalise_key

    cols = read_columns(path)
    _names, dups, _n = collect(path, cols)
    out = OrderAlerts()
    seen: dict[tuple[str, str], Finding] = {}
    for lineno, row in _rows(path):
        if not any(c.strip() for c in row):
            continue
        line = parse_line(row, cols, lineno)
        if not line.order_id:
            continue
        first = dups.get(line.order_id)
        res = engine.evaluate(line, duplicate=first is not None and first != lineno)
        if res.risk not in RISKS_RAISED:
            continue
        out.lines_flagged += 1
        cid, cname = _customer(line.parties, line.order_id)
        ctx = _context(line, res, cname)
        country = line.ship_to_country or ""
        raised = False
        for role in PARTY_ORDER:
            name = line.parties.get(role)
            if not name:
                continue
            key = (normalise_key(name), "" if role == "freight_forwarder" else country)
            pr = engine.parties.get(key)
            if pr is None or pr.decision not in ("match", "review") or not pr.entity_id:
                continue
            gid = groups.group_of(pr.entity_id) if groups is not None else pr.entity_id
            raised = True
            party_ctx = ctx | {"party_role": role, "party_name": name}
            if (cid, gid) in seen:
                seen[(cid, gid)].contexts.append(party_ctx)
                continue
            hit = Hit(
                query_id=cid,
                score=float(pr.score),
                decision=pr.decision,
                dataset=pr.dataset,
                source_id=pr.entity_id.partition(":")[2],
                entity_id=pr.entity_id,
                entity_name=pr.entity_name,
                matched_name=pr.entity_name,
                kind="",
                explanation=f"{role.replace('_', ' ')} {name!r}: {pr.explanation}",
            )
            f = entity_finding(gid, [hit], groups=groups, list_store=list_store)
            hit.kind = f.kind = str(f.record.get("kind", "")) or "any"
            f.contexts.append(party_ctx)
            seen[(cid, gid)] = f
            q = Query(
                id=cid,
                name=name,
                countries=[country] if country and role != "freight_forwarder" else [],
                extra={"order_id": line.order_id, "party_role": role, "customer": cname},
            )
            out.add(q, hit, f)
        if raised:
            continue
        gid = f"order:{line.order_id}"
        if (cid, gid) in seen:
            seen[(cid, gid)].contexts.append(ctx)
            continue
        f = Finding(
            group_id=gid,
            members=[],
            dataset="orders",
            source_id=line.order_id,
            entity_name=f"order {line.order_id}: {', '.join(res.flags)}",
            matched_name="",
            kind="order",
            score=float(res.score),
            band=res.risk,
            explanation=res.explanation,
            contexts=[ctx],
        )
        seen[(cid, gid)] = f
        q = Query(
            id=cid,
            name=cname or line.order_id,
            countries=[country] if country else [],
            address=line.ship_to_address or None,
            extra={"order_id": line.order_id},
        )
        out.add(q, None, f)
    return out


def record_orders_run(
    review: Any,
    alerts: OrderAlerts,
    *,
    actor: str,
    source: str,
    party_threshold: float,
    summary: dict[str, Any],
    versions: dict[str, Any],
    raw_input: bytes | None,
    list_store: Any,
) -> RunSummary:
    """Store the orders run (kind ``orders``) and raise its alerts."""
    return record_run(
        review,
        alerts.queries,
        alerts.hits,
        actor=actor,
        source=source,
        kind="orders",
        settings={
            "party_threshold": party_threshold,
            "summary": summary,
            "lines_flagged": alerts.lines_flagged,
        },
        versions=versions,
        raw_input=raw_input,
        list_store=list_store,
        save_customers=False,
        findings=alerts.findings,
    )
