"""Runs, alerts, decisions, re-open and the allow-list (suppression and re-appearance)."""

from __future__ import annotations

import pytest

from counterflow.errors import BadInputError
from counterflow.match.types import Query
from counterflow.records.model import Alias
from counterflow.review.recording import screen_and_record
from counterflow.review.store import ConflictError, NotFoundError, ReviewStore
from fake_screener import FakeScreener


def _customers() -> list[Query]:
    return [
        Query(id="c1", name="Alfa Komponent LLC", kind="organization", countries=["ru"]),
        Query(id="c2", name="Ivan Petrov", kind="person", birth_dates=["1970-01-02"]),
        Query(id="c3", name="Harmless Bakery GmbH", kind="organization"),
    ]


def _run(review: ReviewStore, screener: FakeScreener, qs: list[Query] | None = None):
    _, _, summary = screen_and_record(review, screener, qs or _customers(), actor="tester")
    return summary


def test_run_records_digest_versions_and_raises_alerts(review, screener):
    s = _run(review, screener)
    run = review.get_run(s.run_id)
    assert len(run["input_digest"]) == 64
    assert run["settings"] == {"threshold": 0.5, "limit": 10}
    assert run["n_queries"] == 3
    alerts = review.list_alerts()
    assert {a.customer_id for a in alerts} == {"c1", "c2"}
    assert all(a.status == "open" and a.record for a in alerts)
    assert s.alerts == sorted(a.id for a in alerts)
    # The customer base is kept for re-screening.
    assert [c["customer_id"] for c in review.customers()] == ["c1", "c2", "c3"]


def test_same_run_twice_does_not_duplicate_open_alerts(review, screener):
    _run(review, screener)
    s2 = _run(review, screener)
    assert s2.alerts == []
    assert s2.existing == 2
    assert len(review.list_alerts()) == 2


def test_false_positive_needs_reason(review, screener):
    _run(review, screener)
    a = review.list_alerts()[0]
    with pytest.raises(BadInputError):
        review.decide(a.id, "false_positive", "   ", "analyst")
    with pytest.raises(BadInputError):
        review.decide(a.id, "wave_through", "x", "analyst")
    with pytest.raises(NotFoundError):
        review.decide(99999, "true_match", "", "analyst")


def test_allow_list_suppresses_until_customer_changes(review, screener):
    _run(review, screener)
    a = next(x for x in review.list_alerts() if x.customer_id == "c2")
    review.decide(a.id, "false_positive", "different person, DOB differs in KYC file", "ana")
    assert len(review.allow_list()) == 1
    s2 = _run(review, screener)
    assert s2.suppressed == 1
    assert not [x for x in review.list_alerts() if x.customer_id == "c2"]
    # The customer's data changes (new DOB): the pair comes back for review.
    qs = _customers()
    qs[1].birth_dates = ["1971-05-05"]
    s3 = _run(review, screener, qs)
    assert s3.suppressed == 0 and s3.reopened == [a.id] and s3.alerts == []
    # One alert per customer x entity: the decided alert itself re-opens, history kept.
    back = [x for x in review.list_alerts() if x.customer_id == "c2"]
    assert len(back) == 1 and back[0].id == a.id
    full = review.get_alert(a.id)
    assert [d["decision"] for d in full.decisions] == ["false_positive", "reopen"]
    assert "customer c2 changed" in full.decisions[-1]["reason"]
    assert review.allow_list() == []  # the false positive's entry is revoked


def test_allow_list_reappears_when_listed_record_changes(review, parties):
    screener = FakeScreener(parties)
    _run(review, screener)
    a = next(x for x in review.list_alerts() if x.customer_id == "c1")
    review.decide(a.id, "false_positive", "our supplier is a different Alfa", "ana")
    assert _run(review, screener).suppressed == 1
    # The list publishes a new alias for the record: its digest changes.
    parties[0].aliases.append(Alias("Alfa Komponent OOO"))
    s = _run(review, FakeScreener(parties))
    assert s.suppressed == 0
    assert len([x for x in review.list_alerts() if x.customer_id == "c1"]) == 1


def test_decided_alert_cannot_be_overwritten_and_reopen_keeps_history(review, screener):
    _run(review, screener)
    a = review.list_alerts()[0]
    review.decide(a.id, "needs_info", "ask sales for the DOB", "ana")
    review.decide(a.id, "false_positive", "DOB differs", "bob")
    with pytest.raises(ConflictError):
        review.decide(a.id, "true_match", "", "eve")
    assert len(review.allow_list()) == 1
    r = review.reopen(a.id, "new evidence", "carol")
    assert r.status == "open"
    assert [d["decision"] for d in r.decisions] == ["needs_info", "false_positive", "reopen"]
    assert review.allow_list() == []  # revoked, not deleted
    assert len(review.allow_list(active_only=False)) == 1
    with pytest.raises(ConflictError):
        review.decide(a.id, "true_match", "", "eve", expected_version=1)
    done = review.decide(a.id, "true_match", "confirmed", "eve", expected_version=r.version)
    assert done.status == "true_match"
    assert review.verify_audit().ok
