"""The user-facing input readers under attack (hypothesis): the party CSV of
``screen parties`` (CLI, lenient) and of the API (strict), the orders CSV, AIS CSV and
NMEA logs. Generated rows mix ordinary values with hostile ones (formulas, quotes,
control characters, impossible dates, 40-digit numbers, mixed scripts). Properties:
no exception but ``BadInputError``; every row is answered (a query, an output line, a
position) or counted as dropped; no impossible birth date ever reaches the scorer."""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counterflow.api.parties_input import parse_csv
from counterflow.errors import BadInputError
from counterflow.match.csvio import ReadStats, read_queries, valid_birth_date

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("CF_FUZZ_EXAMPLES", "40"))
ROOT = Path(__file__).resolve().parents[1]

HOSTILE_TEXT = [
    "=1+1",
    "@SUM(A1)",
    "-2+3",
    '"quoted, with comma"',
    "line\nbreak",
    "\r",
    "\x00",
    "\u202eevil",
    "Владимир Путин",
    "9" * 40,
    "1e308",
    "-1",
    "NaN",
    "inf",
    "",
    " ",
    "ZZ",
]
TEXT = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=25),
)
DATES = st.one_of(
    st.sampled_from(
        ["1952", "1952-10-07", "9999-12-31", "0001-01-01", "2090", "1899-12-31", "2020-02-30",
         "1970-1-2", "notadate", "1952-13", "", "1952;9999"]
    ),
    st.dates().map(str),
    TEXT,
)  # fmt: skip


def _tmp() -> Path:
    return Path(tempfile.mkdtemp(prefix="cf-fuzz-"))


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


PARTY_ROWS = st.lists(
    st.tuples(TEXT, TEXT, st.sampled_from(["person", "organization", "", "x"]), TEXT, DATES),
    min_size=1,
    max_size=20,
)


@settings(max_examples=EXAMPLES)
@given(rows=PARTY_ROWS)
def test_party_csv_cli_reader(rows) -> None:  # type: ignore[no-untyped-def]
    tmp = _tmp()
    try:
        path = tmp / "parties.csv"
        body = [[f"r{n}", name, kind, country, dob] for n, (_, name, kind, country, dob) in
                enumerate(rows)]  # fmt: skip
        path.write_text(_csv(["id", "name", "kind", "country", "birth_date"], body), "utf-8")
        stats = ReadStats()
        try:
            _, queries = read_queries(path, stats)
            got = list(queries)
        except BadInputError:
            return
        # Every row is a query (ids are never blank here, so none is merged or lost).
        assert [q.id for q in got] == [b[0] for b in body]
        for q, b in zip(got, body, strict=True):
            assert all(valid_birth_date(d, q.kind) for d in q.birth_dates), q.birth_dates
            given_dates = [d.strip() for d in b[4].split(";") if d.strip()]
            dropped = len(given_dates) - len(q.birth_dates)
            assert dropped >= 0
        bad = stats.warnings.get("bad birth_date (ignored)", 0)
        total_dropped = sum(
            len([d for d in b[4].split(";") if d.strip()]) - len(q.birth_dates)
            for q, b in zip(got, body, strict=True)
        )
        assert bad == total_dropped  # every date left out was counted
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@settings(max_examples=EXAMPLES)
@given(rows=PARTY_ROWS, raw_tail=st.binary(max_size=60))
def test_party_csv_api_reader(rows, raw_tail) -> None:  # type: ignore[no-untyped-def]
    body = [[f"r{n}", name, kind, country, dob] for n, (_, name, kind, country, dob) in
            enumerate(rows)]  # fmt: skip
    data = _csv(["id", "name", "kind", "country", "birth_date"], body).encode()
    for blob in (data, data + raw_tail):
        try:
            queries = parse_csv(blob)
        except BadInputError as exc:
            assert exc.describe()
            continue
        for q in queries:
            assert all(valid_birth_date(d, q.kind) for d in q.birth_dates)
        if blob is data:
            assert len(queries) == len([b for b in body if any(c.strip() for c in b)])


ORDER_HEADER = ["order_id", "customer", "ship_to_country", "via_countries", "hs_code",
                "part_number", "quantity", "unit_price", "end_use"]  # fmt: skip


@settings(max_examples=EXAMPLES)
@given(rows=st.lists(st.lists(TEXT, min_size=0, max_size=11), min_size=1, max_size=15))
def test_orders_csv_every_line_answered(rows) -> None:  # type: ignore[no-untyped-def]
    from counterflow.goods.chpl import load_chpl
    from counterflow.goods.parts import load_components
    from counterflow.orders.screen import OrderScreener, screen_file
    from counterflow.orders.settings import load_config

    fix = ROOT / "orders" / "fixtures"
    engine = OrderScreener(
        load_config(),
        screener=None,
        chpl=load_chpl(fix / "chpl.csv"),
        components=load_components(fix / "components.csv"),
    )
    tmp = _tmp()
    try:
        body = [[f"o{n}", *r] for n, r in enumerate(rows)]
        path = tmp / "orders.csv"
        path.write_text(_csv(ORDER_HEADER, body), "utf-8")
        out = io.StringIO()
        try:
            summary = screen_file(path, out, engine)
        except BadInputError:
            return
        got = list(csv.DictReader(io.StringIO(out.getvalue())))
        assert [r["order_id"] for r in got] == [b[0] for b in body]
        assert summary.screened == len(body)
        for r in got:
            assert r["risk"] in ("clear", "review", "block")
            for cell in r.values():  # the one CSV guard: no formula reaches a spreadsheet
                assert not (cell or "").startswith(("=", "@")), cell
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


NUMS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["", "91", "181", "-91", "0", "abc", "1e308"]),
)
TIMES = st.one_of(
    st.sampled_from(
        ["2024-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "notatime",
         "", "1700000000", "99999999999999", "31/12/2023 10:00:00", "20240101_000000"]
    ),
    st.datetimes().map(lambda d: d.isoformat()),
)  # fmt: skip


@settings(max_examples=EXAMPLES)
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.integers(0, 10**10).map(str), st.sampled_from(["", "x", "9" * 30])),
            TIMES,
            NUMS,
            NUMS,
            st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=15),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_ais_csv_rows_kept_or_counted(rows) -> None:  # type: ignore[no-untyped-def]
    from counterflow.maritime.ingest import load

    tmp = _tmp()
    try:
        path = tmp / "ais.csv"
        path.write_text(
            _csv(["MMSI", "BaseDateTime", "LAT", "LON", "VesselName"], [list(r) for r in rows]),
            "utf-8",
        )
        try:
            data = load([path])
        except BadInputError:
            return
        assert data.positions.height + data.drops.total == len(rows), data.drops.summary()
        if data.positions.height:
            t = data.positions["t"]
            assert t.min() >= 631_152_000  # nothing before 1990 survives cleaning
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


STAMPS = [
    "",
    "\\c:1700000000*00\\",
    "\\c:99999999999999*00\\",
    "2024-01-01T00:00:00Z ",
    "9999-12-31T00:00:00Z ",
    "1700000000 ",
]
SENTENCES = [
    "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
    "!AIVDM,1,1,,B,15MgK45P3@G?fl0E`JbR0OwT0@MS,0*4E",
    "!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E",
    "!AIVDM,2,2,3,B,1@0000000000000,2*55",
    "$PGHP,1,2024,1,1,0,0,0,0",
]


@settings(max_examples=EXAMPLES)
@given(
    lines=st.lists(
        st.tuples(
            st.sampled_from(STAMPS),
            st.one_of(st.sampled_from(SENTENCES), st.text(max_size=60)),
        ),
        min_size=1,
        max_size=25,
    )
)  # fmt: skip
def test_nmea_reader_never_crashes(lines) -> None:  # type: ignore[no-untyped-def]
    from counterflow.maritime.ingest import load

    tmp = _tmp()
    try:
        path = tmp / "log.nmea"
        text = "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n" + "\n".join(
            a + b for a, b in lines
        )
        path.write_text(text, "utf-8", errors="surrogatepass")
        try:
            data = load([path])
        except BadInputError:
            return
        if data.positions.height:
            assert data.positions["t"].min() >= 631_152_000
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
