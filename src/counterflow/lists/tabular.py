"""Reading helpers shared by the CSV/TSV list parsers (UK OFSI, OpenSanctions, BIS DPL,
trade.gov CSL): text decoding with BOM/encoding detection, gzip, header checks with
line numbers, and date/version helpers. No list-specific knowledge lives here."""

from __future__ import annotations

import csv
import io
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

from counterflow.errors import BadInputError
from counterflow.lists.base import LoadIssue
from counterflow.unpack import read_maybe_gzip

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

_FILE_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip (by magic, not by name), streamed and
    capped (``counterflow.unpack``: a decompression bomb is refused)."""
    return read_maybe_gzip(path)


def read_xml(path: Path) -> tuple[bytes, ET.Element]:
    """The file's bytes and its parsed XML root. An empty file or broken XML raises
    ``BadInputError`` naming the file and, for broken XML, the line."""
    data = read_bytes(path)
    if not data.strip():
        raise BadInputError("empty file", file=str(path))
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        err_line: int | None = exc.position[0] if exc.position else None
        raise BadInputError(f"broken XML: {exc}", file=str(path), line=err_line) from exc
    except (LookupError, ValueError) as exc:  # an unknown or unsupported declared encoding
        raise BadInputError(f"unreadable XML: {exc}", file=str(path), line=1) from exc
    return data, root


def decode_text(data: bytes, path: Path, issues: list[LoadIssue]) -> str:
    """Decode as UTF-8 (BOM stripped; UTF-16 by BOM). Files that are not valid UTF-8 are
    read as Windows-1252/latin-1 and a warning says so (never a crash, never guessed
    silently)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise BadInputError(f"undecodable UTF-16 text: {exc}", file=str(path)) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        issues.append(
            LoadIssue(
                str(path),
                line,
                None,
                "not valid UTF-8; read as Windows-1252/latin-1",
                "warning",
            )
        )
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def read_text(path: Path, issues: list[LoadIssue]) -> str:
    data = read_bytes(path)
    if not data.strip():
        raise BadInputError("empty file", file=str(path))
    return decode_text(data, path, issues)


def head_text(head: bytes) -> str:
    """Best-effort decode of a sniffing head (BOM stripped, never raises)."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    return head.decode("utf-8", errors="replace")


def header_fields(first_line: str, delimiter: str = ",") -> list[str]:
    """The fields of one header line (quotes removed, trimmed)."""
    try:
        row = next(csv.reader([first_line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return []
    return [c.strip().strip('"').strip() for c in row]


class Rows:
    """CSV rows with the physical line number each starts on (for issue reports)."""

    def __init__(self, text: str, path: Path, delimiter: str = ",") -> None:
        self.path = path
        self._buf = io.StringIO(text, newline="")
        self._reader = csv.reader(self._buf, delimiter=delimiter, strict=False)

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        while True:
            start = self._reader.line_num + 1
            try:
                row = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise BadInputError(f"broken CSV: {exc}", file=str(self.path), line=start) from exc
            yield start, row


def require_columns(
    header: Sequence[str], required: Sequence[str], path: Path, line: int = 1
) -> dict[str, int]:
    """Map column name -> index (case-insensitive); BadInputError naming the first missing
    required column."""
    index = {h.strip().lower(): i for i, h in enumerate(header)}
    for col in required:
        if col.lower() not in index:
            raise BadInputError(
                f"missing required column {col!r}", file=str(path), line=line, field=col
            )
    return index


def date_from_name(path: Path) -> str | None:
    """``..._2025-04-10.csv`` -> ``2025-04-10`` (``2025-12`` kept as month)."""
    found = _FILE_DATE.findall(path.name)
    if not found:
        return None
    y, mo, d = found[-1]
    return f"{y}-{mo}-{d}" if d else f"{y}-{mo}"


def fallback_version(path: Path) -> str:
    """Version when the content has none: a date in the file name, else the file's
    modification day."""
    found = date_from_name(path)
    if found:
        return found
    return date.fromtimestamp(path.stat().st_mtime).isoformat()


_DMY = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")
_YMD = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?\s*$")
_MDY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def iso_from_dmy(text: str) -> str | None:
    """``dd/mm/yyyy`` (``00`` = unknown part) -> ISO with the precision known:
    ``00/00/1961`` -> ``1961``, ``00/05/1961`` -> ``1961-05``. ISO input passes."""
    if not text:
        return None
    m = _DMY.match(text)
    if m:
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        return _iso(y, mo, d)
    return iso_from_ymd(text)


def iso_from_mdy(text: str) -> str | None:
    """US ``mm/dd/yyyy`` -> ISO; ISO input passes."""
    if not text:
        return None
    m = _MDY.match(text)
    if m:
        return _iso(int(m.group(3)), int(m.group(1)), int(m.group(2)))
    return iso_from_ymd(text)


def iso_from_ymd(text: str) -> str | None:
    m = _YMD.match(text or "")
    if not m:
        return None
    y = int(m.group(1))
    mo = int(m.group(2)) if m.group(2) else 0
    d = int(m.group(3)) if m.group(3) else 0
    return _iso(y, mo, d)


def _iso(y: int, mo: int, d: int) -> str | None:
    if not 1000 <= y <= 2999:
        return None
    if not 1 <= mo <= 12:
        return f"{y:04d}"
    if not 1 <= d <= 31:
        return f"{y:04d}-{mo:02d}"
    try:
        return date(y, mo, d).isoformat()
    except ValueError:
        return f"{y:04d}-{mo:02d}"


def clean(value: object) -> str:
    """Cell -> trimmed text (None -> "")."""
    if value is None:
        return ""
    return str(value).strip()


def dedupe(values: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for v in values:
        if v and v not in seen:
            seen.add(v)
            out.append(v)
    return out


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_HUMAN = re.compile(r"^(?:(\d{1,2})\s+)?([A-Za-z]{3})[a-z]*\.?\s+(\d{4})$")


def parse_human_date(text: str) -> tuple[str, bool] | None:
    """``1962``, ``1980-02-08``, ``Sep 1938``, ``07 Jul 1966``, ``circa 1951`` ->
    (ISO value, circa); ``None`` when not a date."""
    value = text.strip()
    circa = False
    low = value.lower()
    for prefix in ("circa ", "approximately ", "approx. ", "c. ", "about "):
        if low.startswith(prefix):
            circa, value = True, value[len(prefix) :].strip()
            break
    if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        return value, circa
    m = _HUMAN.match(value)
    if m and m.group(2).lower() in _MONTHS:
        iso = _iso(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1) or 0))
        return (iso, circa) if iso else None
    iso = iso_from_dmy(value) if "/" in value else None
    return (iso, circa) if iso else None
