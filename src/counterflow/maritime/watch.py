"""Watched areas and routes. An area is a GeoJSON polygon file or a named built-in
(``caspian``: the Caspian Sea with its Iranian ports Amirabad, Anzali, Nowshahr, Astara and
Russian ports Makhachkala, Astrakhan, Olya). For each vessel it reports the sequence of port
calls and gaps inside the area as ``watch`` events, and flags a call at an Iranian port
followed by a call at a Russian port (or the reverse) with an AIS gap in between.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import shapely

from counterflow.errors import BadInputError
from counterflow.maritime.events import conform, empty_events


@dataclass
class Area:
    name: str
    geometry: shapely.Geometry
    # country pairs whose consecutive calls with a gap between are flagged
    route_pairs: tuple[frozenset[str], ...] = (frozenset({"IR", "RU"}),)

    def contains(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        out: np.ndarray = shapely.contains_xy(
            self.geometry, np.asarray(lon, float), np.asarray(lat, float)
        )
        return out


# The Caspian Sea and its shores, including the lower Volga up to Astrakhan.
_CASPIAN = shapely.Polygon(
    [
        (46.4, 36.3),
        (55.2, 36.3),
        (55.2, 41.5),
        (54.6, 47.6),
        (47.4, 47.6),
        (46.4, 45.0),
        (46.4, 36.3),
    ]
)


def named_area(name: str) -> Area:
    if name.lower() == "caspian":
        return Area("caspian", _CASPIAN)
    raise BadInputError(
        f"unknown watched area {name!r} (built-in: caspian; or a GeoJSON file)", field="--watch"
    )


def load_area(spec: str) -> Area:
    """A named built-in area or a GeoJSON file (Polygon/MultiPolygon/Feature/Collection)."""
    path = Path(spec)
    if not path.exists():
        return named_area(spec)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(f"not a readable GeoJSON file: {exc}", file=spec) from exc
    geoms = []
    feats = doc.get("features") if isinstance(doc, dict) else None
    items = feats if isinstance(feats, list) else [doc]
    for it in items:
        g = it.get("geometry", it) if isinstance(it, dict) else None
        if isinstance(g, dict) and g.get("type") in ("Polygon", "MultiPolygon"):
            try:
                geoms.append(shapely.geometry.shape(g))
            except (ValueError, TypeError, AttributeError) as exc:
                raise BadInputError(f"bad polygon: {exc}", file=spec) from exc
    if not geoms:
        raise BadInputError("no Polygon or MultiPolygon in the GeoJSON", file=spec)
    return Area(path.stem, shapely.union_all(geoms))


def watch_events(events: pl.DataFrame, area: Area) -> pl.DataFrame:
    """``watch`` rows: port calls and gaps inside the area, and the flagged routes."""
    inside_calls = events.filter(pl.col("event_type") == "port_call")
    if inside_calls.height:
        inside_calls = inside_calls.filter(
            pl.Series(
                area.contains(
                    inside_calls["start_lat"].to_numpy(), inside_calls["start_lon"].to_numpy()
                )
            )
        )
    gaps = events.filter(pl.col("event_type") == "gap")
    if gaps.height:
        s_in = area.contains(gaps["start_lat"].to_numpy(), gaps["start_lon"].to_numpy())
        e_in = area.contains(gaps["end_lat"].to_numpy(), gaps["end_lon"].to_numpy())
        gaps = gaps.filter(pl.Series(s_in | e_in))
    rows: list[dict[str, object]] = []
    for r in inside_calls.iter_rows(named=True):
        rows.append(
            {
                **r,
                "event_type": "watch",
                "label": "area_port_call",
                "explanation": (
                    f"port call at {r['port']} ({r['label'] or '?'}) inside watched area "
                    f"{area.name}: {r['explanation']}"
                ),
            }
        )
    for r in gaps.iter_rows(named=True):
        rows.append(
            {
                **r,
                "event_type": "watch",
                "label": "area_gap",
                "explanation": f"AIS gap inside watched area {area.name}: {r['explanation']}",
            }
        )
    rows.extend(_route_flags(inside_calls, gaps, area))
    if not rows:
        return empty_events()
    return conform(pl.DataFrame(rows, infer_schema_length=None))


def _route_flags(calls: pl.DataFrame, gaps: pl.DataFrame, area: Area) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if calls.height < 2:
        return out
    gap_by_vessel: dict[int, list[dict[str, Any]]] = {}
    for g in gaps.sort("start_t").iter_rows(named=True):
        gap_by_vessel.setdefault(int(g["mmsi"]), []).append(g)
    for (mmsi,), vc in calls.sort("mmsi", "start_t").group_by(["mmsi"], maintain_order=True):
        seq = list(vc.iter_rows(named=True))
        for a, b in pairwise(seq):
            pair = frozenset({str(a["label"]), str(b["label"])})
            if pair not in area.route_pairs:
                continue
            between = [
                g
                for g in gap_by_vessel.get(int(mmsi), [])
                if int(g["start_t"]) >= int(a["end_t"]) and int(g["end_t"]) <= int(b["start_t"])
            ]
            if not between:
                continue
            dark_h = sum(float(g["duration_h"]) for g in between)
            intentional = any(g["label"] == "likely_intentional" for g in between)
            out.append(
                {
                    "event_type": "watch",
                    "mmsi": mmsi,
                    "start_t": a["end_t"],
                    "end_t": b["start_t"],
                    "start_lat": a["end_lat"],
                    "start_lon": a["end_lon"],
                    "end_lat": b["start_lat"],
                    "end_lon": b["start_lon"],
                    "duration_h": (int(b["start_t"]) - int(a["end_t"])) / 3600.0,
                    "distance_km": sum(float(g["distance_km"]) for g in between),
                    "port": f"{a['port']} -> {b['port']}",
                    "confidence": 0.95 if intentional else 0.8,
                    "explanation": (
                        f"route flag in {area.name}: call at {a['port']} ({a['label']}) then "
                        f"{b['port']} ({b['label']}) with AIS dark {dark_h:.1f} h in between "
                        f"({len(between)} gap{'s' if len(between) > 1 else ''}"
                        + (", likely intentional" if intentional else "")
                        + ")"
                    ),
                    "label": f"route_{'_'.join(sorted(pair)).lower()}",
                }
            )
    return out


def sequences(events: pl.DataFrame) -> dict[int, str]:
    """Per vessel: its watched port calls and gaps in time order, as one readable line."""
    w = events.filter(
        (pl.col("event_type") == "watch") & pl.col("label").is_in(["area_port_call", "area_gap"])
    )
    out: dict[int, str] = {}
    for (mmsi,), g in w.sort("mmsi", "start_t").group_by(["mmsi"], maintain_order=True):
        parts = []
        for r in g.iter_rows(named=True):
            if r["label"] == "area_port_call":
                parts.append(f"{r['port']}")
            else:
                parts.append(f"[dark {r['duration_h']:.0f} h]")
        out[int(mmsi)] = " -> ".join(parts)
    return out
