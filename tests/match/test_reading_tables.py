"""Cached reading tables (match.reading_tables): the readings stay pykakasi's and
hanja's own, whether the cache is new, reused or damaged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from counterflow.match.reading_tables import PackedTable

NAMES = ["山田 太郎", "金正恩", "李 明博", "鈴木一郎", "習近平", "朴 槿惠"]
NAMES += ["東京電力", "中国航天科工"]

# the readings as the packages give them on their own tables
PLAIN = r"""
import json, sys, hanja, pykakasi
k = pykakasi.kakasi()
out = {n: [" ".join(x["hepburn"] for x in k.convert(n)), hanja.translate(n, "substitution")]
       for n in json.loads(sys.argv[1])}
print(json.dumps(out, ensure_ascii=False))
"""

# the same calls after reading_tables has put its cached tables in place
CACHED = r"""
import json, sys
from counterflow.match.reading_tables import hanja_translator, kakasi
k, translate = kakasi(), hanja_translator()
out = {n: [" ".join(x["hepburn"] for x in k.convert(n)), translate(n, "substitution")]
       for n in json.loads(sys.argv[1])}
print(json.dumps(out, ensure_ascii=False))
"""


def _run(script: str, home: Path) -> dict[str, list[str]]:
    env = dict(os.environ, COUNTERFLOW_HOME=str(home))
    out = subprocess.run(
        [sys.executable, "-c", script, json.dumps(NAMES)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    result: dict[str, list[str]] = json.loads(out)
    return result


def test_cached_tables_read_as_the_packages_do(tmp_path: Path) -> None:
    plain = _run(PLAIN, tmp_path)
    assert plain["山田 太郎"][0].split() == ["yamada", "tarou"] and plain["金正恩"][1] == "금정은"
    first = _run(CACHED, tmp_path)  # builds the cache
    caches = sorted(p.name for p in (tmp_path / "index").glob("*.marshal"))
    assert [c.split("-")[0] for c in caches] == ["hanja", "kakasi"]
    again = _run(CACHED, tmp_path)  # reads it
    assert first == plain and again == plain
    for c in (tmp_path / "index").glob("*.marshal"):
        c.write_bytes(b"\x00damaged")
    assert _run(CACHED, tmp_path) == plain  # a damaged copy is rebuilt


def test_packed_table_unpacks_on_first_use() -> None:
    import marshal

    table = PackedTable({0x5C71: marshal.dumps({"山田": [("やまだ", None)]})})
    assert table.get(0x5C71) == {"山田": [("やまだ", None)]}
    assert table.get(0x5C71) is table.get(0x5C71)  # unpacked once
    assert table.get(0x6771) is None and table.get(0x6771, "x") == "x"


def test_word_by_word_readings_equal_whole_name_readings() -> None:
    """han_readings converts a name word by word (each word remembered); the Japanese
    reading must equal pykakasi's conversion of the whole name, spaces and mixed
    scripts included."""
    import pykakasi

    from counterflow.match.transliterate import han_readings

    whole = pykakasi.kakasi()
    names = [*NAMES, "Jin Tiesan (金铁三)", "山田  花子", "やまだ タロウ", "田中 ゆう子"]
    for name in names:
        items = [x for x in whole.convert(name) if str(x["orig"]).strip()]
        hepburn = [str(x["hepburn"]) for x in items]
        jp = " ".join(hepburn)
        if all(h.strip() and h.strip().isascii() for h in hepburn) and jp.isascii():
            expected = jp.replace("ou", "o").replace("uu", "u")
            assert han_readings(name)[0] == expected, name
        else:
            assert all(r != jp for r in han_readings(name)), name
