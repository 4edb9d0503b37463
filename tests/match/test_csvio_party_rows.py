"""One parser for a ``screen parties`` row (match.csvio.parse_party_fields), two policies:
the CLI (read_queries) drops bad values and counts them, the API (parties_input)
rejects the row naming line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.api.parties_input import make_query, parse_csv
from counterflow.errors import BadInputError
from counterflow.match.csvio import ReadStats, parse_party_fields, read_queries, valid_birth_date


def test_fields_parsed_and_problems_listed_in_column_order() -> None:
    f = parse_party_fields(
        {
            "kind": "Company",
            "country": "Russia; XX; ru",
            "countries": ["DE"],
            "birth_date": "1970; 1970-02-30",
            "identifiers": "IMO 9253325; ;INN 7701234567",
            "address": "  Moscow ",
        }
    )
    assert f.kind == "organization"
    assert f.countries == ["ru", "de"]
    assert f.birth_dates == ["1970"]
    assert f.identifiers == ["IMO 9253325", "INN 7701234567"]
    assert f.address == "Moscow"
    assert [(p.field, p.value) for p in f.problems] == [
        ("country", "XX"),
        ("birth_date", "1970-02-30"),
    ]
    bad_kind = parse_party_fields({"kind": "spaceship"})
    assert bad_kind.kind == "any" and bad_kind.problems[0].field == "kind"


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("1970", True),
        ("1970-05", True),
        ("1970-5-2", True),
        ("1970-13", False),
        ("1970-02-30", False),
        ("70-01-01", False),
        ("1970-01-01x", False),
    ],
)
def test_birth_dates(text: str, ok: bool) -> None:
    assert valid_birth_date(text) is ok


ROWS = "id,name,kind,country,birth_date\nc1,Ivan Petrov,individual,XX,1970-02-30\n"


def test_cli_drops_and_counts(tmp_path: Path) -> None:
    p = tmp_path / "in.csv"
    p.write_text(ROWS, encoding="utf-8")
    stats = ReadStats()
    _, it = read_queries(p, stats)
    (q,) = list(it)
    assert q.kind == "person" and q.countries == [] and q.birth_dates == []
    assert stats.warnings == {"unknown country (ignored)": 1, "bad birth_date (ignored)": 1}


def test_api_rejects_the_first_problem() -> None:
    with pytest.raises(BadInputError) as exc:
        parse_csv(ROWS.encode())
    assert exc.value.line == 2 and exc.value.field == "country"
    q = make_query({"id": "c1", "name": "Ivan  Petrov", "kind": "individual"}, file="x", line=1)
    assert q.kind == "person" and q.name == "Ivan Petrov"
