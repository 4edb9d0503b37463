"""One alert per customer x listed entity: a decision covers every record of the entity,
and the alert re-opens when any of them changes."""

from __future__ import annotations

import copy
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from counterflow.match.types import Query
from counterflow.records.model import Alias, BirthDate, CountryRef, Party
from counterflow.review.alerting import Finding
from counterflow.review.backend import PostgresBackend
from counterflow.review.certificates import issue, verify
from counterflow.review.recording import record_run
from counterflow.review.store import ReviewStore
from counterflow.store.grouping import compute_groups
from fake_screener import FakeScreener


def _putins() -> list[Party]:
    return [
        Party(
            dataset=ds,
            source_id=sid,
            kind="person",
            name=name,
            birth_dates=[BirthDate("1952-10-07")],
            countries=[CountryRef("ru", "nationality")],
        )
        for ds, sid, name in (
            ("us_ofac_sdn", "35096", "PUTIN Vladimir Vladimirovich"),
            ("gb_hmt_sanctions", "14196", "Vladimir Vladimirovich PUTIN"),
            ("eu_fsf", "135909", "Vladimir Vladimirovich Putin"),
        )
    ]


def _run(review: ReviewStore, records: list[Party], *, grouped: bool = True):
    q = Query(id="c2", name="Vladimir Vladimirovich Putin", kind="person")
    hits = FakeScreener(records).screen(q, threshold=0.5)
    groups = compute_groups(records) if grouped else None
    return record_run(review, [q], [hits], actor="t", groups=groups)


def test_three_lists_one_alert_whose_evidence_is_every_record(
    review: ReviewStore, tmp_path: Path
) -> None:
    recs = _putins()
    before = _run(review, recs, grouped=False)
    assert len(before.alerts) == 3  # without grouping: one alert per list record
    review2 = ReviewStore.open(tmp_path / "grouped.sqlite")
    s = _run(review2, recs)
    assert len(s.alerts) == 1
    a = review2.get_alert(s.alerts[0])
    assert a.entity_id == "us_ofac_sdn:35096"
    assert sorted(r["entity_id"] for r in a.records) == [
        "eu_fsf:135909",
        "gb_hmt_sanctions:14196",
        "us_ofac_sdn:35096",
    ]
    assert all(r["score"] == 1.0 for r in a.records) and a.datasets[0] == "us_ofac_sdn"
    d = a.to_dict()
    assert d["entity_group"]["id"] == "us_ofac_sdn:35096" and len(d["entity_group"]["records"]) == 3
    # every hit of the run points at the one alert
    run = review2.get_run(s.run_id)
    assert {h["alert_id"] for h in run["results"][0]["hits"]} == {a.id}
    # queue rows carry the group too
    assert len(review2.list_alerts()[0].records) == 3
    review2.close()


def test_second_run_adds_nothing_and_a_changed_record_reopens_the_decision(
    review: ReviewStore,
) -> None:
    recs = _putins()
    first = _run(review, recs)
    again = _run(review, recs)
    assert again.alerts == [] and again.existing == 1
    aid = first.alerts[0]
    review.decide(aid, "true_match", "the listed president", "ana")
    assert _run(review, recs).reopened == []  # nothing changed: decision stands
    # The EU publishes a new alias for its record: the entity changed, the alert re-opens.
    changed = copy.deepcopy(recs)
    changed[2].aliases.append(Alias("Poutine"))
    s = _run(review, changed)
    assert s.reopened == [aid] and s.alerts == []
    a = review.get_alert(aid)
    assert a.status == "open"
    assert a.decisions[-1]["decision"] == "reopen"
    assert "listed record eu_fsf:135909 changed" in a.decisions[-1]["reason"]
    assert review.count_alerts()["open"] == 1
    assert review.verify_audit().ok


def test_false_positive_covers_the_entity_until_a_record_joins(review: ReviewStore) -> None:
    recs = _putins()[:2]
    aid = _run(review, recs).alerts[0]
    review.decide(aid, "false_positive", "customer is a namesake, passport differs", "ana")
    assert _run(review, recs).suppressed == 1
    # A third list adds the same man: the group grows, the decision is looked at again.
    s = _run(review, _putins())
    assert s.reopened == [aid]
    assert "record eu_fsf:135909 joined the entity" in review.get_alert(aid).decisions[-1]["reason"]
    assert review.allow_list() == []


def test_evidence_page_lists_every_record_of_the_entity(review: ReviewStore) -> None:
    from counterflow.review.evidence import evidence_html

    aid = _run(review, _putins()).alerts[0]
    html = evidence_html(review, aid, actor="t")
    assert "Listed entity: every record" in html
    for sid in ("35096", "14196", "135909"):
        assert f"<td>{sid}</td>" in html


@pytest.fixture()
def pg_review() -> Iterator[ReviewStore]:
    dsn = os.environ.get("COUNTERFLOW_TEST_PG_DSN")
    f = Path("/tmp/counterflow-pg-dsn")
    dsn = dsn or (f.read_text().strip() if f.exists() else None)
    if not dsn:
        if os.environ.get("CI"):
            pytest.fail("no PostgreSQL in CI: .ci/services.sh should have started it")
        pytest.skip("no PostgreSQL: set COUNTERFLOW_TEST_PG_DSN or run .ci/services.sh")
    import psycopg
    from psycopg.conninfo import make_conninfo

    admin = psycopg.connect(dsn, autocommit=True, connect_timeout=3)
    schema = "cf_test_" + secrets.token_hex(4)
    admin.execute(f"CREATE SCHEMA {schema}")
    store = ReviewStore(PostgresBackend(make_conninfo(dsn, options=f"-c search_path={schema}")))
    try:
        yield store
    finally:
        store.close()
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@pytest.mark.postgres
def test_entity_alert_reopen_order_context_and_certificate_on_postgres(
    pg_review: ReviewStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTERFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COUNTERFLOW_SIGNING_KEY", raising=False)
    recs = _putins()
    s = _run(pg_review, recs)
    (aid,) = s.alerts
    assert len(pg_review.get_alert(aid).records) == 3
    pg_review.decide(aid, "true_match", "listed", "ana")
    changed = copy.deepcopy(recs)
    changed[1].aliases.append(Alias("V. V. Putin"))
    assert _run(pg_review, changed).reopened == [aid]
    q = Query(id="customer:Acme", name="Acme", extra={"order_id": "o7"})
    f = Finding(
        group_id="order:o7",
        members=[],
        dataset="orders",
        source_id="o7",
        entity_name="order o7: SEZ_ADDRESS",
        matched_name="",
        kind="order",
        score=0.94,
        band="block",
        explanation="block: Alabuga SEZ",
        contexts=[{"order_id": "o7", "flags": ["SEZ_ADDRESS"], "risk": "block"}],
    )
    run = record_run(pg_review, [q], [[]], actor="pg", kind="orders", findings=[[f]])
    again = record_run(pg_review, [q], [[]], actor="pg", kind="orders", findings=[[f]])
    assert len(run.alerts) == 1 and again.alerts == [] and again.existing == 1
    lines = pg_review.get_alert(run.alerts[0]).order_lines
    assert [c["order_id"] for c in lines] == ["o7", "o7"]
    pg_review.decide(aid, "false_positive", "namesake", "bob")
    assert verify(issue(pg_review, "decision", aid, actor="pg")).type == "decision"
    assert pg_review.verify_audit().ok
