"""Recording a ``screen orders`` run (CLI ``--record`` and the API's ``/screen/orders``).

Every distinct order party (customer, consignee, end user, forwarder) is screened once
more for its full hits; those in the review band become alerts through
:func:`counterflow.review.recording.record_run` (customer id ``party:<name>``, no customer
record kept: an order party is not a customer of the base)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from counterflow.match.types import Hit, Query, Screener
from counterflow.review.recording import REVIEW_BANDS, RunSummary, record_run

PARTY_HIT_LIMIT = 3


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


def order_party_hits(
    screener: Screener | None,
    names: Iterable[tuple[str, str] | str],
    *,
    threshold: float,
) -> tuple[list[Query], list[list[Hit]]]:
    """Queries for the distinct party names of the order lines (``names`` as returned by
    ``orders.screen.collect``) whose hits reach the review band, with those hits."""
    flagged: list[Query] = []
    hits: list[list[Hit]] = []
    if screener is None:
        return flagged, hits
    distinct: set[str] = set()
    for item in names:  # (party, ship-to country) pairs, or plain names
        distinct.add(item[0] if isinstance(item, tuple) else item)
    for name in sorted(distinct):
        q = Query(id=f"party:{' '.join(name.split())[:200]}", name=name)
        h = [
            x
            for x in screener.screen(q, threshold=threshold, limit=PARTY_HIT_LIMIT)
            if x.decision in REVIEW_BANDS
        ]
        if h:
            flagged.append(q)
            hits.append(h)
    return flagged, hits


def record_orders_run(
    review: Any,
    queries: list[Query],
    hits: list[list[Hit]],
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
        queries,
        hits,
        actor=actor,
        source=source,
        kind="orders",
        settings={"party_threshold": party_threshold, "summary": summary},
        versions=versions,
        raw_input=raw_input,
        list_store=list_store,
        save_customers=False,
    )
