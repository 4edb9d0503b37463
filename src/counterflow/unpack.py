"""Reading compressed input safely: gzip is decompressed as a stream and refused past a
size cap, so a small file that expands to gigabytes (a decompression bomb) is bad input
with a message instead of minutes of CPU and gigabytes of memory. Zip containers (XLSX)
are checked from their directory before anything is unpacked.

The cap is the smaller of ``COUNTERFLOW_MAX_UNPACKED_MB`` (default 1024 MiB) and
``RATIO`` times the compressed size (at least ``FLOOR`` bytes): real list publications
compress 5-20 times, a bomb hundreds or thousands of times.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path

from counterflow.errors import BadInputError

GZIP_MAGIC = b"\x1f\x8b"
RATIO = 100
FLOOR = 64 << 20
CHUNK = 1 << 20


def max_unpacked(compressed_size: int) -> int:
    """The most bytes a compressed file of ``compressed_size`` may expand to."""
    env = os.environ.get("COUNTERFLOW_MAX_UNPACKED_MB", "")
    absolute = int(env) << 20 if env.strip().isdigit() else 1024 << 20
    return min(absolute, max(FLOOR, RATIO * compressed_size))


def gunzip_capped(data: bytes, *, file: str, cap: int | None = None) -> bytes:
    """Decompress gzip ``data`` (several members allowed) as a stream, refusing output
    beyond ``cap`` (default :func:`max_unpacked`)."""
    limit = max_unpacked(len(data)) if cap is None else cap
    out = bytearray()
    member = data
    try:
        while True:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            buf = member
            while not d.eof:
                piece = d.decompress(buf, CHUNK)  # at most CHUNK bytes out per step
                out += piece
                if len(out) > limit:
                    raise _too_big(file, len(data), limit)
                buf = d.unconsumed_tail
                if not buf and not piece:
                    raise BadInputError("broken gzip file: it ends before its data do", file=file)
            member = d.unused_data.lstrip(b"\x00")
            if not member.startswith(GZIP_MAGIC):
                break  # trailing bytes after the last member are ignored, as gzip(1) does
    except zlib.error as exc:
        raise BadInputError(f"broken gzip file: {exc}", file=file) from exc
    return bytes(out)


def read_maybe_gzip(path: Path) -> bytes:
    """The file's bytes, gunzipped (capped) when it is gzip by magic."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"cannot read file: {exc.strerror or exc}", file=str(path)) from exc
    if data[:2] == GZIP_MAGIC:
        return gunzip_capped(data, file=str(path))
    return data


def check_zip(path: Path) -> None:
    """Refuse a zip container (e.g. XLSX) whose members would unpack past the cap."""
    try:
        size = path.stat().st_size
        with zipfile.ZipFile(path) as zf:
            total = sum(i.file_size for i in zf.infolist())
    except (OSError, zipfile.BadZipFile) as exc:
        raise BadInputError(f"not a readable zip/XLSX file ({exc})", file=str(path)) from exc
    limit = max_unpacked(size)
    if total > limit:
        raise _too_big(str(path), size, limit, total)


def _too_big(file: str, packed: int, limit: int, total: int | None = None) -> BadInputError:
    what = f"{total:,} bytes" if total is not None else f"more than {limit:,} bytes"
    return BadInputError(
        f"refused: {packed:,} compressed bytes unpack to {what} (cap {limit:,}; a "
        "decompression bomb or a broken file; raise COUNTERFLOW_MAX_UNPACKED_MB if real)",
        file=file,
    )
