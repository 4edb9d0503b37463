"""Capped, streamed decompression (counterflow.unpack): decompression bombs are refused
with a message, honest files (several gzip members too) read in full."""

from __future__ import annotations

import gzip
import time
import zipfile
from pathlib import Path

import pytest

from counterflow.errors import BadInputError
from counterflow.unpack import check_zip, gunzip_capped, max_unpacked, read_maybe_gzip


def test_honest_gzip_reads_in_full(tmp_path: Path) -> None:
    data = gzip.compress(b"id,name\n" + b"1,a\n" * 1000) + gzip.compress(b"2,b\n")
    assert gunzip_capped(data, file="x") == b"id,name\n" + b"1,a\n" * 1000 + b"2,b\n"
    p = tmp_path / "plain.csv"
    p.write_bytes(b"not gzip")
    assert read_maybe_gzip(p) == b"not gzip"


def test_gzip_bomb_refused_quickly() -> None:
    bomb = gzip.compress(b"Group ID,Name 6\n" + b"\n" * (200 << 20), compresslevel=9)
    t = time.perf_counter()
    with pytest.raises(BadInputError) as exc:
        gunzip_capped(bomb, file="bomb.csv.gz")
    assert time.perf_counter() - t < 20
    assert "decompression bomb" in exc.value.reason and exc.value.file == "bomb.csv.gz"


def test_truncated_gzip_is_bad_input() -> None:
    with pytest.raises(BadInputError, match="broken gzip"):
        gunzip_capped(gzip.compress(b"a" * 100_000)[:-30], file="t.gz")


def test_cap_scales_with_size(monkeypatch: pytest.MonkeyPatch) -> None:
    assert max_unpacked(1000) == 64 << 20
    assert max_unpacked(5 << 20) == 500 << 20
    assert max_unpacked(100 << 20) == 1024 << 20
    monkeypatch.setenv("COUNTERFLOW_MAX_UNPACKED_MB", "2048")
    assert max_unpacked(100 << 20) == 2048 << 20


def test_zip_bomb_refused_before_unpacking(tmp_path: Path) -> None:
    p = tmp_path / "book.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/sharedStrings.xml", b"<sst>" + b" " * (100 << 20) + b"</sst>")
    with pytest.raises(BadInputError, match="decompression bomb"):
        check_zip(p)
    ok = tmp_path / "ok.xlsx"
    with zipfile.ZipFile(ok, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/sharedStrings.xml", b"<sst>Group ID</sst>")
    check_zip(ok)
