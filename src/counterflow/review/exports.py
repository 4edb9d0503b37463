"""Exports of decisions for a period (CSV guarded against spreadsheet formulas, JSON)."""

from __future__ import annotations

import io
import json

from counterflow.csvout import guarded_writer, safe_cell
from counterflow.review.store import ReviewStore

EXPORT_COLUMNS: tuple[str, ...] = (
    "decision_id",
    "at",
    "actor",
    "decision",
    "reason",
    "previous_status",
    "alert_id",
    "run_id",
    "customer_id",
    "customer_name",
    "entity_id",
    "dataset",
    "source_id",
    "entity_name",
    "matched_name",
    "score",
    "band",
    "customer_digest",
    "record_digest",
)

guard_cell = safe_cell  # the one guard (counterflow.csvout); kept for callers


def decisions_csv(review: ReviewStore, since: str | None = None, until: str | None = None) -> str:
    rows = review.decisions_between(since, until)
    buf = io.StringIO()
    w = guarded_writer(buf)
    w.writerow(EXPORT_COLUMNS)
    for r in rows:
        w.writerow([r.get(c) for c in EXPORT_COLUMNS])
    return buf.getvalue()


def decisions_json(review: ReviewStore, since: str | None = None, until: str | None = None) -> str:
    rows = review.decisions_between(since, until)
    out = [{c: r.get(c) for c in EXPORT_COLUMNS} for r in rows]
    return json.dumps(
        {"since": since, "until": until, "decisions": out}, ensure_ascii=False, indent=1
    )
