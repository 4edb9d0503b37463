"""Re-screening the stored customer base against a list diff (real ListStore)."""

from __future__ import annotations

import copy
from pathlib import Path

from counterflow.lists.base import ParseResult
from counterflow.match.types import Query
from counterflow.records.model import Alias, Party
from counterflow.review.recording import screen_and_record
from counterflow.review.rescreen import rescreen
from counterflow.store import ListStore
from fake_screener import FakeScreener


def _load(store: ListStore, version: str, records: list[Party]) -> None:
    store.load(ParseResult(dataset="us_ofac_sdn", version=version, records=records, files=[]))


class CountingFactory:
    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def __call__(self, records):
        self.seen.append(sorted(p.entity_id for p in records))
        return FakeScreener(records)


def test_rescreen_only_against_added_and_changed(tmp_path: Path, review, parties) -> None:
    ofac = [p for p in parties if p.dataset == "us_ofac_sdn"]
    store = ListStore.open(tmp_path / "lists.sqlite")
    _load(store, "v1", ofac)
    customers = [
        Query(id="c1", name="Alfa Komponent LLC", kind="organization"),
        Query(id="c4", name="Drake Shipping OOO", kind="organization"),
        Query(id="c5", name="Sea Star", kind="vessel"),
    ]
    screener = FakeScreener(list(store.iter_records()))
    _, _, _run = screen_and_record(review, screener, customers, actor="t", list_store=store)
    first = {a.customer_id for a in review.list_alerts()}
    assert first == {"c1", "c5"}
    # The c1 alert is a false positive; allow-listed.
    a1 = next(a for a in review.list_alerts() if a.customer_id == "c1")
    review.decide(a1.id, "false_positive", "other Alfa", "ana")
    factory = CountingFactory()
    base = rescreen(review, store, actor="t", screener_factory=factory)
    assert base.datasets[0].get("baseline") and factory.seen == []
    # v2: a new listing matching c4, and the Alfa record gains an alias (changed).
    v2 = copy.deepcopy(ofac)
    v2[0].aliases.append(Alias("Alfa Komponent OOO"))
    v2.append(
        Party(
            dataset="us_ofac_sdn", source_id="500", kind="organization", name="Drake Shipping OOO"
        )
    )
    _load(store, "v2", v2)
    res = rescreen(review, store, actor="t", screener_factory=factory)
    assert factory.seen == [["us_ofac_sdn:36", "us_ofac_sdn:500"]]  # not the unchanged vessel
    assert res.records_screened == 2 and res.customers == 3
    assert res.datasets[0]["added"] == 1 and res.datasets[0]["changed"] == 1
    assert res.run is not None
    new = {(a.customer_id, a.entity_id) for a in review.list_alerts() if a.run_id == res.run.run_id}
    # c4 is new; c1 comes back because the listed record changed despite the allow-list.
    assert new == {("c4", "us_ofac_sdn:500"), ("c1", "us_ofac_sdn:36")}
    # Nothing changed since: a second re-screen screens nothing.
    again = rescreen(review, store, actor="t", screener_factory=factory)
    assert again.records_screened == 0 and len(factory.seen) == 1
    events = {e["event"] for e in _events(review)}
    assert {"rescreen", "list.update"} <= events
    assert review.verify_audit().ok
    store.close()


def _events(review):
    with review.backend.read() as tx:
        return tx.all("SELECT event FROM audit")
