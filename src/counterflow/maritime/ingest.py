"""Reads AIS files of any supported kind (CSV dialects or timestamped NMEA logs, sniffed
from content), fixes swapped lat/lon per file, and returns one cleaned table."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from counterflow.errors import BadInputError
from counterflow.maritime.clean import DEFAULT_MAX_SPEED_KN, clean, fix_swapped
from counterflow.maritime.table import AisData

_NMEA = re.compile(r"[!$][A-Z]{2}VD[MO],\d")


def sniff_kind(path: Path) -> str:
    """``csv`` or ``nmea``."""
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise BadInputError(f"cannot read: {exc.strerror}", file=str(path)) from exc
    if not head.strip():
        raise BadInputError("empty file", file=str(path))
    text = head.decode("utf-8", errors="replace")
    if _NMEA.search(text):
        return "nmea"
    return "csv"


def read_file(path: Path) -> AisData:
    kind = sniff_kind(path)
    if kind == "nmea":
        from counterflow.maritime.ingest_nmea import read_nmea

        data = read_nmea(path)
    else:
        from counterflow.maritime.ingest_csv import read_csv

        data = read_csv(path)
    data.positions = fix_swapped(data.positions, data.drops, path.name)
    return data


def load(
    paths: Sequence[Path],
    *,
    max_speed_kn: float = DEFAULT_MAX_SPEED_KN,
    on_file: Callable[[Path], None] | None = None,
) -> AisData:
    """All files, concatenated and cleaned (sorted by mmsi, t; drops counted)."""
    parts = []
    for p in paths:
        if not p.exists():
            raise BadInputError("no such file", file=str(p))
        parts.append(read_file(p))
        if on_file:
            on_file(p)
    combined = AisData.concat(parts)
    parts.clear()  # let the per-file tables go before cleaning copies the data
    return clean(combined, max_speed_kn=max_speed_kn)
