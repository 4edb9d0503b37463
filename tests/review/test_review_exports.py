"""Exports (CSV formula guard, JSON, periods), evidence page escaping, API keys."""

from __future__ import annotations

import csv
import io
import json

import pytest

from counterflow.errors import BadInputError
from counterflow.match.types import Query
from counterflow.review.evidence import evidence_html
from counterflow.review.exports import decisions_csv, decisions_json, guard_cell
from counterflow.review.keys import create_key, list_keys, lookup_key, revoke_key
from counterflow.review.recording import screen_and_record


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-x", "'-x"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        (0.75, "0.75"),
        (-3, "-3"),
        (None, ""),
    ],
)
def test_guard_cell(value, expected) -> None:
    assert guard_cell(value) == expected


def test_exports_and_evidence(review, screener) -> None:
    qs = [Query(id="=cmd|'/c calc'!A1", name="Ivan Petrov", kind="person")]
    _, _, s = screen_and_record(review, screener, qs, actor="t")
    review.decide(s.alerts[0], "false_positive", "<script>x</script> =SUM(1)", "ana")
    rows = list(csv.DictReader(io.StringIO(decisions_csv(review))))
    assert len(rows) == 1
    assert rows[0]["customer_id"].startswith("'=")
    assert rows[0]["reason"].startswith("<script>")  # CSV is not HTML; not a formula start
    data = json.loads(decisions_json(review, since="2000-01-01"))
    assert data["decisions"][0]["customer_id"] == "=cmd|'/c calc'!A1"
    assert json.loads(decisions_json(review, since="2999-01-01"))["decisions"] == []
    html = evidence_html(review, s.alerts[0], actor="t")
    assert "<script>x" not in html and "&lt;script&gt;x" in html
    assert "verified" in html and "Ivan Petrov" in html


def test_keys_lifecycle(review) -> None:
    key, info = create_key(review, "analyst", label="ana", actor="admin")
    assert key.startswith("cf_") and len(key) > 30
    assert lookup_key(review, key) == info
    assert lookup_key(review, key + "x") is None
    assert all(key not in str(r) for r in list_keys(review))
    revoke_key(review, info.id, actor="admin")
    assert lookup_key(review, key) is None
    with pytest.raises(BadInputError):
        create_key(review, "root", actor="admin")
