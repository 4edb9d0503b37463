"""Exports of decisions for a period (CSV guarded against spreadsheet formulas, JSON)."""

from __future__ import annotations

import datetime as dt
import io
import json

from counterflow.csvout import guarded_writer, safe_cell
from counterflow.errors import BadInputError
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


def period_bound(value: str | None, field: str) -> str | None:
    """An ISO date or date-time (``since``/``until``) as the text stored times compare
    with (UTC); BadInputError for anything else, so a typo never exports an empty
    period that looks like "no decisions"."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text).isoformat()
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadInputError(
            f"{text[:40]!r} is not an ISO date (YYYY-MM-DD) or date-time", field=field
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def decisions_csv(review: ReviewStore, since: str | None = None, until: str | None = None) -> str:
    since, until = period_bound(since, "since"), period_bound(until, "until")
    rows = review.decisions_between(since, until)
    buf = io.StringIO()
    w = guarded_writer(buf)
    w.writerow(EXPORT_COLUMNS)
    for r in rows:
        w.writerow([r.get(c) for c in EXPORT_COLUMNS])
    return buf.getvalue()


def decisions_json(review: ReviewStore, since: str | None = None, until: str | None = None) -> str:
    since, until = period_bound(since, "since"), period_bound(until, "until")
    rows = review.decisions_between(since, until)
    out = [{c: r.get(c) for c in EXPORT_COLUMNS} for r in rows]
    return json.dumps(
        {"since": since, "until": until, "decisions": out}, ensure_ascii=False, indent=1
    )
