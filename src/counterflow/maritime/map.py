"""``ais map``: one self-contained HTML page (Leaflet from a CDN): vessel tracks (split at
gaps), gaps as dashed red lines, ports near the data, events as markers with popups, and
the watched area. Long tracks are thinned to keep the page light."""

from __future__ import annotations

import html
import json
from importlib import resources
from itertools import pairwise
from pathlib import Path

import numpy as np
import polars as pl

from counterflow.errors import BadInputError
from counterflow.maritime.events import to_output
from counterflow.maritime.table import AisData, latest_static
from counterflow.maritime.watch import Area

MAX_POINTS_PER_VESSEL = 4000
COLORS = {
    "gap": "#d62728",
    "port_call": "#1f77b4",
    "encounter": "#9467bd",
    "loitering": "#ff7f0e",
    "position_jump": "#8c564b",
    "watch": "#e377c2",
}


def _popup(row: dict[str, object]) -> str:
    keys = (
        "event_type",
        "mmsi",
        "vessel_name",
        "imo",
        "start_time",
        "end_time",
        "duration_h",
        "distance_km",
        "port",
        "other_mmsi",
        "confidence",
        "explanation",
    )
    return "<br>".join(
        f"<b>{k}</b>: {html.escape(str(row[k]))}" for k in keys if row.get(k) not in (None, "")
    )


def build_map_data(
    data: AisData,
    events: pl.DataFrame,
    ports: pl.DataFrame,
    gap_min_h: float = 6.0,
    area: Area | None = None,
) -> dict[str, object]:
    pos = data.positions
    names = {int(r[0]): r[1] for r in latest_static(data.static).select("mmsi", "name").iter_rows()}
    tracks = []
    for (mmsi,), g in pos.group_by(["mmsi"], maintain_order=True):
        t = g["t"].to_numpy()
        la = g["lat"].to_numpy()
        lo = g["lon"].to_numpy()
        step = max(1, len(t) // MAX_POINTS_PER_VESSEL)
        keep = np.zeros(len(t), dtype=bool)
        keep[::step] = True
        cut = np.nonzero(np.diff(t) >= gap_min_h * 3600)[0]
        keep[cut] = True
        keep[np.minimum(cut + 1, len(t) - 1)] = True
        keep[-1] = True
        breaks = np.r_[0, cut + 1, len(t)]
        segs = []
        for a, b in pairwise(breaks):
            idx = np.arange(a, b)[keep[a:b]]
            if idx.size:
                segs.append(np.column_stack((la[idx], lo[idx])).round(5).tolist())
        label = f"MMSI {mmsi} {names.get(int(mmsi)) or ''}".strip()
        tracks.append({"label": html.escape(label), "segments": segs})
    out = to_output(events, data.static)
    gaps = []
    evs = []
    for r in out.iter_rows(named=True):
        if r["event_type"] == "gap":
            gaps.append(
                {
                    "line": [[r["start_lat"], r["start_lon"]], [r["end_lat"], r["end_lon"]]],
                    "popup": _popup(r),
                }
            )
        if r["start_lat"] is not None:
            evs.append(
                {
                    "lat": r["start_lat"],
                    "lon": r["start_lon"],
                    "type": r["event_type"],
                    "color": COLORS.get(r["event_type"], "#000"),
                    "popup": _popup(r),
                }
            )
    bounds = None
    if pos.height:
        b = pos.select(
            pl.col("lat").min().alias("a"),
            pl.col("lon").min().alias("b"),
            pl.col("lat").max().alias("c"),
            pl.col("lon").max().alias("d"),
        ).row(0)
        bounds = [[b[0], b[1]], [b[2], b[3]]]
        pad = 0.5
        near = ports.filter(
            pl.col("lat").is_between(b[0] - pad, b[2] + pad)
            & pl.col("lon").is_between(b[1] - pad, b[3] + pad)
        ).head(3000)
    else:
        near = ports.head(0)
    port_rows = [
        {
            "lat": r["lat"],
            "lon": r["lon"],
            "popup": html.escape(
                f"{r['name']} ({r['country'] or '?'}), {r['kind']}; {r['source']}"
            ),
        }
        for r in near.iter_rows(named=True)
    ]
    area_geo = None
    if area is not None:
        import shapely

        area_geo = json.loads(shapely.to_geojson(area.geometry))
    return {
        "tracks": tracks,
        "gaps": gaps,
        "events": evs,
        "ports": port_rows,
        "bounds": bounds,
        "area": area_geo,
    }


def write_map(
    data: AisData,
    events: pl.DataFrame,
    ports: pl.DataFrame,
    path: Path,
    *,
    area: Area | None = None,
    title: str = "Counterflow AIS map",
) -> None:
    payload = build_map_data(data, events, ports, area=area)
    text = json.dumps(payload, separators=(",", ":")).replace("</", "<\\/")
    page = resources.files("counterflow.maritime").joinpath("map_template.html").read_text("utf-8")
    page = page.replace("__TITLE__", html.escape(title)).replace("__DATA__", text)
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise BadInputError(f"cannot write the map: {exc}", file=str(path), field="-o") from exc
