"""Vessel screening: every vessel seen (latest name, IMO and MMSI per MMSI) is screened
through the ``Screener`` protocol (match/types.py); hits an identifier supports, or with a
strong name match and no contradicting identifier, become ``watch`` events."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from counterflow.maritime.events import conform, empty_events
from counterflow.maritime.table import AisData, latest_static
from counterflow.match.types import Hit, Query, Screener


def vessel_queries(data: AisData) -> list[Query]:
    seen = data.positions.group_by("mmsi").agg(
        pl.col("t").min().alias("t0"), pl.col("t").max().alias("t1")
    )
    st = latest_static(data.static)
    rows = seen.join(st, on="mmsi", how="left").sort("mmsi")
    out = []
    for r in rows.iter_rows(named=True):
        ids = [f"MMSI{r['mmsi']}"]
        if r.get("imo"):
            ids.insert(0, f"IMO{r['imo']}")
        out.append(
            Query(
                id=str(r["mmsi"]),
                name=(r.get("name") or "").strip(),
                kind="vessel",
                identifiers=ids,
            )
        )
    return out


MIN_NAME_ONLY = 0.9
NO_LISTS_NOTE = "vessel screening skipped: no lists loaded (counterflow lists load ...)"


def keep_hit(hit: Hit) -> bool:
    """Ship names repeat across fleets, so a hit counts when an identifier (IMO/MMSI) agrees,
    or the name matches strongly (>= 0.9) with no identifier disagreeing; a hit whose IMO or
    MMSI contradicts the listed one, or that the bands call ``clear``, is dropped."""
    if hit.decision == "clear":
        return False
    evidence = hit.features.get("evidence", 0.0)
    if evidence < 0:
        return False
    return evidence > 0 or hit.features.get("name", hit.score) >= MIN_NAME_ONLY


def hits_to_events(
    data: AisData, screener: Screener, queries: Iterable[Query], threshold: float
) -> pl.DataFrame:
    span = {
        int(m): (int(a), int(b))
        for m, a, b in data.positions.group_by("mmsi")
        .agg(pl.col("t").min().alias("a"), pl.col("t").max().alias("b"))
        .iter_rows()
    }
    qs = list(queries)
    rows = []
    for q, hits in zip(qs, screener.screen_many(qs, threshold=threshold, limit=3), strict=True):
        for h in hits:
            if not keep_hit(h):
                continue
            a, b = span.get(int(q.id), (None, None))
            rows.append(
                {
                    "event_type": "watch",
                    "mmsi": int(q.id),
                    "start_t": a,
                    "end_t": b,
                    "confidence": h.score,
                    "port": None,
                    "explanation": (
                        f"listed vessel: {h.entity_name} ({h.dataset} {h.source_id}), score "
                        f"{h.score:.2f} ({h.decision}): {h.explanation}"
                    ),
                    "label": "listed_vessel",
                }
            )
    return conform(pl.DataFrame(rows, infer_schema_length=None)) if rows else empty_events()


def screen_vessels(
    data: AisData, *, threshold: float = 0.7, screener: Screener | None = None
) -> tuple[pl.DataFrame, str | None]:
    """(watch events for listed vessels, a note when screening could not run). Without
    ``screener``, the screener over the loaded lists (``match.loaded.open_loaded``)."""
    if screener is not None:
        return hits_to_events(data, screener, vessel_queries(data), threshold), None
    from counterflow.match.loaded import NoListsLoaded, open_loaded

    try:
        loaded = open_loaded()
    except NoListsLoaded:
        return empty_events(), NO_LISTS_NOTE
    with loaded:
        return hits_to_events(data, loaded.screener, vessel_queries(data), threshold), None
