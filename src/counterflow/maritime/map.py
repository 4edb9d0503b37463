"""``ais map``: one self-contained HTML page that works with no network: Leaflet (vendored
in ``vendor/leaflet``, BSD-2-Clause, inlined into the page) and a coastline layer clipped
from the Natural Earth polygons ``shore.py`` reads; map tiles only when ``--tiles`` names
a tile server. Vessel tracks (split at gaps), gaps as dashed red lines, ports near the
data, events as markers (events at one spot share one numbered marker whose popup lists
them all), readable popups, a legend, and the watched area (drawn, never taking clicks).
Long tracks are thinned to keep the page light."""

from __future__ import annotations

import base64
import html
import json
import re
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
    "identity_change": "#17becf",
    "spoofing": "#000000",
    "dark_detection": "#bcbd22",
}
LAND_PAD_DEG = 1.0
LAND_SIMPLIFY_DEG = 0.005


def _popup(row: dict[str, object]) -> str:
    """A readable popup block for one EVENTS row: what, who, when, why."""
    et = str(row["event_type"])
    who = (
        " ".join(
            x
            for x in (
                f"MMSI {row['mmsi']}" if row.get("mmsi") is not None else "",
                str(row.get("vessel_name") or ""),
                f"IMO {row['imo']}" if row.get("imo") else "",
            )
            if x
        )
        or "unidentified vessel"
    )
    when = str(row.get("start_time") or "")
    if row.get("end_time") and row["end_time"] != row["start_time"]:
        when += f" → {row['end_time']}"
    if row.get("duration_h"):
        when += f" ({float(str(row['duration_h'])):.1f} h)"
    extra = []
    if row.get("port"):
        extra.append(f"port: {row['port']}")
    if row.get("other_mmsi") is not None:
        extra.append(f"other vessel: MMSI {row['other_mmsi']}")
    if row.get("distance_km") is not None:
        extra.append(f"{float(str(row['distance_km'])):.1f} km")
    if row.get("confidence") is not None:
        extra.append(f"confidence {float(str(row['confidence'])):.2f}")
    color = COLORS.get(et, "#000")
    return (
        f'<div class="ev"><span class="tag" style="background:{color}">'
        f"{html.escape(et.replace('_', ' '))}</span><b>{html.escape(who)}</b>"
        f'<div class="meta">{html.escape(when)}</div>'
        + (f'<div class="meta">{html.escape("; ".join(extra))}</div>' if extra else "")
        + f'<div class="why">{html.escape(str(row.get("explanation") or ""))}</div></div>'
    )


def _land(bounds: list[list[float]] | None) -> object | None:
    """Natural Earth land polygons clipped to the data (+1 degree), simplified."""
    if bounds is None:
        return None
    import shapely

    from counterflow.maritime.shore import default_shore

    (a, b), (c, d) = bounds
    box = (b - LAND_PAD_DEG, a - LAND_PAD_DEG, d + LAND_PAD_DEG, c + LAND_PAD_DEG)
    geoms = default_shore().geoms
    hits = default_shore().tree.query(shapely.box(*box))
    parts = [shapely.clip_by_rect(g, *box) for g in geoms[hits]]
    parts = [shapely.simplify(g, LAND_SIMPLIFY_DEG) for g in parts if not g.is_empty]
    if not parts:
        return None
    land: object = json.loads(shapely.to_geojson(shapely.GeometryCollection(parts)))
    return land


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
    spots: dict[tuple[float, float], dict[str, list[str]]] = {}
    counts: dict[str, int] = {}
    for r in out.sort("start_time").iter_rows(named=True):
        et = r["event_type"]
        if et == "gap":
            gaps.append(
                {
                    "line": [[r["start_lat"], r["start_lon"]], [r["end_lat"], r["end_lon"]]],
                    "popup": f'<div class="pop">{_popup(r)}</div>',
                }
            )
        if r["start_lat"] is not None:
            key = (round(r["start_lat"], 3), round(r["start_lon"], 3))  # ~100 m
            spot = spots.setdefault(key, {"types": [], "popups": []})
            if et not in spot["types"]:
                spot["types"].append(et)
            spot["popups"].append(_popup(r))
            counts[et] = counts.get(et, 0) + 1
    spot_rows = [
        {"lat": k[0], "lon": k[1], "types": v["types"], "popups": v["popups"]}
        for k, v in spots.items()
    ]
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
        "spots": spot_rows,
        "colors": COLORS,
        "legend": [[t, COLORS.get(t, "#000"), n] for t, n in sorted(counts.items())],
        "ports": port_rows,
        "bounds": bounds,
        "area": area_geo,
        "land": _land(bounds),
    }


def _leaflet() -> tuple[str, str]:
    """(css with images inlined, js) of the vendored Leaflet."""
    root = resources.files("counterflow.maritime").joinpath("vendor").joinpath("leaflet")
    css = root.joinpath("leaflet.css").read_text("utf-8")

    def data_uri(m: re.Match[str]) -> str:
        name = m.group(1)
        f = root.joinpath(name)
        if not f.is_file():
            return m.group(0)
        return "url(data:image/png;base64," + base64.b64encode(f.read_bytes()).decode() + ")"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", data_uri, css)
    return css, root.joinpath("leaflet.js").read_text("utf-8")


def write_map(
    data: AisData,
    events: pl.DataFrame,
    ports: pl.DataFrame,
    path: Path,
    *,
    area: Area | None = None,
    title: str = "Counterflow AIS map",
    tiles: str | None = None,
) -> None:
    """Write the map page; ``tiles``: an XYZ tile URL template (optional; the page needs no
    network without it)."""
    payload = build_map_data(data, events, ports, area=area)
    payload["tiles"] = tiles
    payload["tiles_attribution"] = "&copy; OpenStreetMap contributors" if tiles else ""
    text = json.dumps(payload, separators=(",", ":")).replace("</", "<\\/")
    page = resources.files("counterflow.maritime").joinpath("map_template.html").read_text("utf-8")
    css, js = _leaflet()
    # plain replace (no regex): the data and Leaflet may contain backslashes
    page = page.replace("__TITLE__", html.escape(title))
    page = page.replace("__LEAFLET_CSS__", css).replace("__LEAFLET_JS__", js)
    page = page.replace("__DATA__", text)
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise BadInputError(f"cannot write the map: {exc}", file=str(path), field="-o") from exc
