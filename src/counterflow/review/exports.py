"""Exports of decisions for a period (CSV guarded against spreadsheet formulas, JSON)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

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

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def guard_cell(value: Any) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a ``'``."""
    text = "" if value is None else str(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return text
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def decisions_csv(review: ReviewStore, since: str | None = None, until: str | None = None) -> str:
    rows = review.decisions_between(since, until)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(EXPORT_COLUMNS)
    for r in rows:
        w.writerow([guard_cell(r.get(c)) for c in EXPORT_COLUMNS])
    return buf.getvalue()


def decisions_json(review: ReviewStore, since: str | None = None, until: str | None = None) -> str:
    rows = review.decisions_between(since, until)
    out = [{c: r.get(c) for c in EXPORT_COLUMNS} for r in rows]
    return json.dumps(
        {"since": since, "until": until, "decisions": out}, ensure_ascii=False, indent=1
    )
