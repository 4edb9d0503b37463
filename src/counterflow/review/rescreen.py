"""Re-screening on list updates: the stored customer base is screened only against the
records a list update added or changed (``ListStore.diff``), and new alerts are raised.

The list versions last re-screened are kept in the review store (meta
``rescreen.snapshots``). A changed listed record has a new digest, so an allow-listed
pair that it touches comes back for review.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from counterflow.match.types import Query, Screener
from counterflow.records.model import Party
from counterflow.review import audit
from counterflow.review.digests import query_from_dict
from counterflow.review.recording import RunSummary, list_versions, record_run
from counterflow.review.store import ReviewStore

META_KEY = "rescreen.snapshots"

ScreenerFactory = Callable[[Sequence[Party]], Screener]


@dataclass(slots=True)
class RescreenResult:
    datasets: list[dict[str, Any]] = field(default_factory=list)
    records_screened: int = 0
    customers: int = 0
    run: RunSummary | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "datasets": self.datasets,
            "records_screened": self.records_screened,
            "customers": self.customers,
            "run": None if self.run is None else self.run.to_dict() | {"results": None},
        }


def default_screener_factory(list_store: Any) -> ScreenerFactory:
    """A screener over just the given records (``PartyScreener.from_parties``); the list
    store is not needed for it and is accepted for the factory's signature."""
    from counterflow.match.screener import PartyScreener

    def from_parties(records: Sequence[Party]) -> Screener:
        return PartyScreener.from_parties(records)

    return from_parties


def rescreen(
    review: ReviewStore,
    list_store: Any,
    *,
    actor: str,
    screener_factory: ScreenerFactory | None = None,
    threshold: float = 0.5,
    limit: int = 10,
    datasets: Sequence[str] | None = None,
) -> RescreenResult:
    """Screen every stored customer against records added or changed since the last
    re-screen (or, the first time, since the previous snapshot of each dataset)."""
    seen: dict[str, int] = json.loads(review.get_meta(META_KEY) or "{}")
    result = RescreenResult()
    changed: dict[str, Party] = {}
    new_seen = dict(seen)
    for info in list_store.status():
        if datasets and info.dataset not in datasets:
            continue
        last = seen.get(info.dataset)
        if last == info.snapshot_id:
            continue
        new_seen[info.dataset] = info.snapshot_id
        older = [v for v in list_store.versions(info.dataset) if v.snapshot_id < info.snapshot_id]
        if last is None and not older:
            result.datasets.append(
                {"dataset": info.dataset, "version": info.version, "baseline": True}
            )
            continue
        old_ref = f"#{last}" if last is not None else None
        diff = list_store.diff(info.dataset, old=old_ref, new=f"#{info.snapshot_id}")
        for p in diff.added:
            changed[p.entity_id] = p
        for _old, new in diff.changed:
            changed[new.entity_id] = new
        entry = {
            "dataset": info.dataset,
            "old": diff.old.version,
            "new": diff.new.version,
            "added": len(diff.added),
            "changed": len(diff.changed),
            "removed": len(diff.removed),
        }
        result.datasets.append(entry)
        review.log(actor, "list.update", f"dataset:{info.dataset}", entry)
    records = list(changed.values())
    result.records_screened = len(records)
    customers = review.customers()
    result.customers = len(customers)
    if records and customers:
        make = screener_factory or default_screener_factory(list_store)
        screener = make(records)
        queries: list[Query] = [query_from_dict(c["data"]) for c in customers]
        hits = [list(h) for h in screener.screen_many(queries, threshold=threshold, limit=limit)]
        result.run = record_run(
            review,
            queries,
            hits,
            actor=actor,
            source="rescreen",
            kind="rescreen",
            settings={"threshold": threshold, "limit": limit, "diff": result.datasets},
            versions=list_versions(list_store),
            list_store=list_store,
            save_customers=False,
        )
    with review.backend.write() as tx:
        audit.append(
            tx,
            actor,
            "rescreen",
            f"run:{result.run.run_id}" if result.run else "rescreen",
            {"datasets": result.datasets, "records": len(records), "customers": len(customers)},
        )
        review.set_meta(META_KEY, json.dumps(new_seen, sort_keys=True), tx)
    return result
