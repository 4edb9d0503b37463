"""The port table: ports and anchorages loaded at run time from the files the user points
at (World Port Index ``wpi_UpdatedPub150.csv``, ``caspian_ports.csv``, Global Fishing
Watch ``gfw_WPI_ports.csv`` / ``gfw_anchorage_overrides.csv``, or any CSV with name, lat,
lon), plus a small built-in table of the Caspian ports of interest. Nothing is copied into
the repository.

Columns: ``name``, ``country`` (ISO alpha-2 where known, else as given), ``lat``, ``lon``,
``kind`` (``port`` or ``anchorage``), ``source``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from counterflow.csvin import check_header
from counterflow.errors import BadInputError
from counterflow.records.countries import to_iso2

PORT_SCHEMA: dict[str, pl.DataType] = {
    "name": pl.Utf8(),
    "country": pl.Utf8(),
    "lat": pl.Float64(),
    "lon": pl.Float64(),
    "kind": pl.Utf8(),
    "source": pl.Utf8(),
}


@dataclass(frozen=True)
class CaspianPort:
    name: str
    country: str  # ISO alpha-2
    lat: float
    lon: float
    source: str


# Coordinates as in shared/data/ais/ports/caspian_ports.csv: searoute 1.6.0 ports.geojson
# (UN/LOCODE entries) where listed, GeoNames city points otherwise. Amirabad and Olya have no
# coordinates in any open dataset found; their positions are approximate (flagged).
CASPIAN_PORTS: tuple[CaspianPort, ...] = (
    CaspianPort(
        "Amirabad", "IR", 36.85, 53.37, "approximate (UN/LOCODE IRAMD, no open coordinates)"
    ),
    CaspianPort("Anzali", "IR", 37.476885, 49.471817, "searoute ports.geojson IRBAZ"),
    CaspianPort("Nowshahr", "IR", 36.65, 51.458801, "searoute ports.geojson IRNSH"),
    CaspianPort("Astara", "IR", 38.43084, 48.86994, "GeoNames 142676 (city point)"),
    CaspianPort("Makhachkala", "RU", 42.983333, 47.5, "searoute ports.geojson RUMCX"),
    CaspianPort("Astrakhan", "RU", 46.37709, 48.054307, "searoute ports.geojson RUASF"),
    CaspianPort("Olya", "RU", 45.78, 47.55, "approximate (UN/LOCODE RUOYA, no open coordinates)"),
    CaspianPort("Aktau", "KZ", 43.682325, 51.212927, "searoute ports.geojson KZAAU"),
    CaspianPort("Turkmenbashi", "TM", 40.054569, 52.876613, "searoute ports.geojson TMKRW"),
    CaspianPort("Baku", "AZ", 40.381471, 49.887766, "searoute ports.geojson AZBAK"),
)


def _country(value: str) -> str:
    """A ports file's country (ISO2, ISO3 or a name) as upper-case ISO2; kept as written
    when ``records.countries`` does not know it."""
    code = to_iso2(value) if value else None
    return code.upper() if code and len(code) == 2 else value


def builtin_ports() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "name": p.name,
                "country": p.country,
                "lat": p.lat,
                "lon": p.lon,
                "kind": "port",
                "source": "builtin: " + p.source,
            }
            for p in CASPIAN_PORTS
        ],
        schema=PORT_SCHEMA,
    )


def _pick(header: list[str], *names: str) -> str | None:
    low = {h.strip().lstrip("\ufeff").lower(): h for h in header}
    for n in names:
        if n in low:
            return low[n]
    return None


def load_port_file(path: Path) -> pl.DataFrame:
    """One ports/anchorages CSV, sniffed from its header."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
            reader = csv.DictReader(fh)
            check_header(list(reader.fieldnames or []), file=str(path))
            header = list(reader.fieldnames or [])
            lat_c = _pick(header, "latitude", "lat")
            lon_c = _pick(header, "longitude", "lon", "lng")
            name_c = _pick(header, "main port name", "label", "port", "name", "port_name")
            if not (lat_c and lon_c and name_c):
                raise BadInputError(
                    "a ports file needs name (or 'Main Port Name'/label/port), latitude and "
                    "longitude columns",
                    file=str(path),
                    line=1,
                )
            country_c = _pick(header, "country", "iso3", "country code", "iso2")
            kind = "anchorage" if _pick(header, "s2id") else "port"
            rows = []
            for rec in reader:
                try:
                    lat = float(rec[lat_c])
                    lon = float(rec[lon_c])
                except (TypeError, ValueError):
                    continue
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    continue
                country = (rec.get(country_c) or "").strip() if country_c else ""
                country = _country(country)
                rows.append(
                    {
                        "name": (rec[name_c] or "").strip() or "?",
                        "country": country,
                        "lat": lat,
                        "lon": lon,
                        "kind": kind,
                        "source": path.name,
                    }
                )
    except OSError as exc:
        raise BadInputError(f"cannot read ports file: {exc.strerror}", file=str(path)) from exc
    return pl.DataFrame(rows, schema=PORT_SCHEMA)


def load_ports(paths: list[Path] | None = None, *, include_builtin: bool = True) -> pl.DataFrame:
    """The port table from files/folders (folders: every ``*.csv`` inside) + built-ins."""
    frames = [builtin_ports()] if include_builtin else []
    for p in paths or []:
        files = sorted(p.glob("*.csv")) if p.is_dir() else [p]
        if not p.exists():
            raise BadInputError("no such ports file or folder", file=str(p))
        frames.extend(load_port_file(f) for f in files)
    if not frames:
        return pl.DataFrame(schema=PORT_SCHEMA)
    return pl.concat(frames).unique(
        subset=["name", "lat", "lon"], keep="first", maintain_order=True
    )
