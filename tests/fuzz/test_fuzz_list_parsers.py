"""Every list parser under attack (hypothesis): real-format fixtures mutated byte-wise
(truncated, spliced with random or hostile bytes, lines duplicated or dropped, gzipped)
are sniffed, parsed and stored. Allowed outcomes: a ParseResult that stores, or a
``CounterflowError`` naming the problem. Never another exception (a parser bug would
cost the whole publication), never a silent change of the list in force.

And, for the row-per-record formats (OpenSanctions targets.simple CSV, trade.gov CSL),
generated rows: every row is either a record or a reported issue (no silent drop)."""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counterflow.errors import CounterflowError
from counterflow.lists import registry
from counterflow.store import ListStore

pytestmark = pytest.mark.fuzz
# Per publication format (x12 formats); CF_FUZZ_EXAMPLES raises it for a long campaign.
EXAMPLES = int(os.environ.get("CF_FUZZ_EXAMPLES", "25"))

FIX = Path(__file__).resolve().parents[1] / "lists" / "fixtures"
# One publication per entry: the files parsed together.
PUBLICATIONS: dict[str, list[str]] = {
    "ofac_sdn_csv": ["ofac_sdn_csv/sdn.csv", "ofac_sdn_csv/add.csv", "ofac_sdn_csv/alt.csv"],
    "ofac_cons_csv": ["ofac_cons_csv/cons_prim.csv", "ofac_cons_csv/cons_alt.csv"],
    "ofac_xml": ["ofac_xml/sdn.xml"],
    "ofac_advanced": ["ofac_advanced/sdn_advanced.xml"],
    "un_xml": ["un_consolidated_small.xml"],
    "uk_ofsi": ["uk_conlist_small.csv"],
    "eu_fsf": ["eu_fsf_small.xml"],
    "eu_json": ["eu_derived_small.json"],
    "os_targets": ["os_targets_small.csv"],
    "os_ftm": ["os_entities_small.ftm.json"],
    "bis_dpl": ["bis_dpl_small.txt"],
    "trade_csl": ["csl_small.csv"],
}
HOSTILE = [
    b"\x00",
    b"\xff\xfe",
    b'"',
    b"\n",
    b"\r",
    b",,,,",
    b"\t",
    b"<",
    b"]]>",
    b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
    b"&a;",
    b"{",
    b"}",
    b"[[[[[[[[",
    b"=cmd|' /c calc'!A1",
    "Владимир".encode(),
    b"\xe2\x80\xae",
    b"9" * 40,
    b"-1",
    b"1e308",
    b"9999-99-99",
]


@st.composite
def mutation(draw: st.DrawFn, data: bytes) -> bytes:
    ops = draw(st.lists(st.sampled_from(["cut", "insert", "replace", "dup", "drop"]), max_size=4))
    out = data
    for op in ops:
        pos = draw(st.integers(0, max(0, len(out))))
        if op == "cut":
            out = out[:pos]
        elif op == "insert":
            blob = draw(st.one_of(st.sampled_from(HOSTILE), st.binary(min_size=1, max_size=40)))
            out = out[:pos] + blob + out[pos:]
        elif op == "replace":
            n = draw(st.integers(1, 64))
            out = out[:pos] + draw(st.binary(min_size=1, max_size=n)) + out[pos + n :]
        else:
            lines = out.split(b"\n")
            if len(lines) > 1:
                i = draw(st.integers(0, len(lines) - 1))
                lines = lines[: i + 1] + lines[i:] if op == "dup" else lines[:i] + lines[i + 1 :]
                out = b"\n".join(lines)
    return out


def _parse_and_store(paths: list[Path], store: ListStore) -> None:
    sniffed = registry.sniff(paths)
    for g in sniffed.groups:
        try:
            result = g.parse(None)
        except CounterflowError:
            continue
        with contextlib.suppress(CounterflowError):
            store.load(result)


@pytest.mark.parametrize("name", sorted(PUBLICATIONS))
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_mutated_publication_never_crashes(name: str, data: st.DataObject) -> None:
    files = [FIX / f for f in PUBLICATIONS[name]]
    victim = data.draw(st.integers(0, len(files) - 1))
    raw = files[victim].read_bytes()
    mutated = data.draw(mutation(raw))
    zipped = data.draw(st.booleans())
    tmp = Path(tempfile.mkdtemp(prefix="cf-fuzz-"))
    try:
        paths = []
        for i, f in enumerate(files):
            body = mutated if i == victim else f.read_bytes()
            target = tmp / (f.name + (".gz" if zipped and i == victim else ""))
            target.write_bytes(gzip.compress(body) if zipped and i == victim else body)
            paths.append(target)
        with ListStore.open(tmp / "lists.sqlite") as store:
            _parse_and_store(paths, store)  # any non-Counterflow exception fails the test
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=30,
)
OS_HEADER = [
    "id", "schema", "name", "aliases", "birth_date", "countries", "addresses", "identifiers",
    "sanctions", "phones", "emails", "program_ids", "dataset", "first_seen", "last_seen",
    "last_change",
]  # fmt: skip


@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["Person", "Company", "Vessel", "Organization", "Airplane", "X", ""]),
            TEXT,
            TEXT,
            TEXT,
            st.sampled_from(["", "ru", "ru;by", "zz", "nowhere"]),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_targets_simple_rows_are_records_or_issues(rows) -> None:  # type: ignore[no-untyped-def]
    tmp = Path(tempfile.mkdtemp(prefix="cf-fuzz-"))
    try:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(OS_HEADER)
        for n, (schema, name, aliases, dob, countries) in enumerate(rows):
            w.writerow(
                [f"NK-{n}", schema, name, aliases, dob, countries, "", "", "", "", "", "",
                 "Ukraine War and Sanctions", "", "", ""]
            )  # fmt: skip
        path = tmp / "targets.simple.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        groups = registry.sniff([path]).groups
        assert len(groups) == 1 and groups[0].format == "opensanctions"
        try:
            result = groups[0].parse(None)
        except CounterflowError:
            return
        read = {p.source_id for p in result.records}
        reported = " ".join(i.reason for i in result.issues if i.severity == "skipped")
        for n in range(len(rows)):
            # (a quoted field may span lines, so rows are found by id, not line number)
            assert f"NK-{n}" in read or f"NK-{n}:" in reported, (
                f"row NK-{n} neither loaded nor reported",
                rows[n],
                [i.describe() for i in result.issues],
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
