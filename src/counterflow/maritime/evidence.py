"""Evidence cards: per vessel, one JSON and one Markdown file an analyst can file or hand
on: the risk score and its named contributions, list hits, identities over time, every
event, the track segment around the events (thinned to at most 500 fixes), and the data
sources with their SHA-256 digests (inputs, detections and the weights file), so anyone
can check the card against the same data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np
import polars as pl

from counterflow.errors import BadInputError
from counterflow.maritime.identity import identity_periods
from counterflow.maritime.imo import mid_flag, mmsi_mid
from counterflow.maritime.risk import VesselRisk, Weights
from counterflow.maritime.table import AisData

TRACK_MAX_POINTS = 500
TRACK_PAD_S = 6 * 3600


def file_digest(path: Path) -> dict[str, object]:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return {"file": str(path), "bytes": path.stat().st_size, "sha256": h.hexdigest()}


def _iso(t: int) -> str:
    return dt.datetime.fromtimestamp(int(t), tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(s: str | None) -> int | None:
    if not s:
        return None
    return int(dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


def build_card(
    v: VesselRisk,
    data: AisData,
    events: pl.DataFrame,
    sources: list[dict[str, object]],
) -> dict[str, object]:
    """One vessel's card. ``events``: the EVENTS table as written (to_output)."""
    mine = events.filter(
        (pl.col("mmsi") == v.mmsi)
        | ((pl.col("event_type") == "dark_detection") & (pl.col("other_mmsi") == v.mmsi))
    ).sort("start_time")
    ev_rows = mine.to_dicts()
    starts = [_epoch(r["start_time"]) for r in ev_rows if r["start_time"]]
    ends = [_epoch(r["end_time"]) for r in ev_rows if r["end_time"]]
    pos = data.positions.filter(pl.col("mmsi") == v.mmsi)
    track: list[list[object]] = []
    if pos.height:
        a = min((s for s in starts if s is not None), default=int(pos["t"][0])) - TRACK_PAD_S
        b = max((e for e in ends if e is not None), default=int(pos["t"][-1])) + TRACK_PAD_S
        seg = pos.filter(pl.col("t").is_between(a, b))
        step = max(1, seg.height // TRACK_MAX_POINTS)
        keep = np.zeros(seg.height, dtype=bool)
        keep[::step] = True
        if seg.height:
            keep[-1] = True
        seg = seg.filter(pl.Series(keep))
        track = [
            [_iso(t), round(la, 6), round(lo, 6), sog]
            for t, la, lo, sog in seg.select("t", "lat", "lon", "sog").iter_rows()
        ]
    ids = identity_periods(data.static.filter(pl.col("mmsi") == v.mmsi))
    identities = [
        {
            "field": r["field"],
            "value": r["value"],
            "first": _iso(r["t0"]),
            "last": _iso(r["t1"]),
            "static_rows": r["n"],
        }
        for r in ids.sort("field", "t0").iter_rows(named=True)
    ]
    return {
        "mmsi": v.mmsi,
        "imo": v.imo,
        "vessel_name": v.name,
        "flag_from_mmsi": mid_flag(mmsi_mid(v.mmsi)),
        "score": v.score,
        "band": v.band,
        "contributions": [{"category": c, "points": p, "events": n} for c, p, n in v.contributions],
        "list_hits": v.list_hits,
        "identities": identities,
        "events": ev_rows,
        "track": {
            "columns": ["time", "lat", "lon", "sog"],
            "points": track,
            "positions_in_data": pos.height,
        },
        "sources": sources,
        "generated_at": dt.datetime.now(tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _md_escape(x: object) -> str:
    return str(x if x is not None else "").replace("|", "\\|").replace("\n", " ")


def card_markdown(card: dict[str, object]) -> str:
    name = card["vessel_name"] or "(no name)"
    lines = [
        f"# {name} — MMSI {card['mmsi']}, IMO {card['imo'] or '—'}",
        "",
        f"**Risk {card['score']} / 100 ({card['band']})**; flag by MMSI: {card['flag_from_mmsi']}",
        "",
        "| contribution | points | events |",
        "|---|---|---|",
    ]
    for c in card["contributions"]:  # type: ignore[attr-defined]
        lines.append(f"| {c['category']} | {c['points']:g} | {c['events']} |")
    lines += ["", "## List hits", ""]
    hits = card["list_hits"] or ["none"]
    lines += [f"- {_md_escape(h)}" for h in hits]  # type: ignore[attr-defined]
    lines += [
        "",
        "## Identities over time",
        "",
        "| field | value | first seen | last seen | static rows |",
        "|---|---|---|---|---|",
    ]
    for i in card["identities"]:  # type: ignore[attr-defined]
        lines.append(
            f"| {i['field']} | {_md_escape(i['value'])} | {i['first']} | {i['last']} | "
            f"{i['static_rows']} |"
        )
    lines += [
        "",
        "## Events",
        "",
        "| type | start | end | confidence | explanation |",
        "|---|---|---|---|---|",
    ]
    for e in card["events"]:  # type: ignore[attr-defined]
        lines.append(
            f"| {e['event_type']} | {e['start_time']} | {e['end_time']} | {e['confidence']} | "
            f"{_md_escape(e['explanation'])} |"
        )
    tr = card["track"]
    pts = tr["points"]  # type: ignore[index]
    lines += ["", "## Track segment", ""]
    if pts:
        lats = [p[1] for p in pts]
        lons = [p[2] for p in pts]
        lines.append(
            f"{len(pts)} fixes shown (of {tr['positions_in_data']} in the data), "  # type: ignore[index]
            f"{pts[0][0]} to {pts[-1][0]}, latitude {min(lats):.4f}..{max(lats):.4f}, "
            f"longitude {min(lons):.4f}..{max(lons):.4f}; every fix is in the JSON card."
        )
    else:
        lines.append("no positions (static data only)")
    lines += ["", "## Data sources", "", "| file | bytes | sha256 |", "|---|---|---|"]
    for s in card["sources"]:  # type: ignore[attr-defined]
        lines.append(f"| {_md_escape(s['file'])} | {s['bytes']} | `{s['sha256']}` |")
    lines += ["", f"Generated {card['generated_at']} by counterflow ais events --cards.", ""]
    return "\n".join(lines)


def write_cards(
    out_dir: Path,
    risks: list[VesselRisk],
    data: AisData,
    events: pl.DataFrame,
    inputs: list[Path],
    weights: Weights,
    *,
    min_score: float = 30.0,
    collect: list[dict[str, object]] | None = None,
) -> int:
    """Cards for every vessel scoring >= ``min_score`` or with a list hit; returns count.
    The cards are also appended to ``collect`` when given (to record them for review)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInputError(f"cannot create: {exc.strerror}", file=str(out_dir)) from exc
    sources = [file_digest(p) for p in inputs]
    sources.append(
        {
            "file": weights.source,
            "bytes": len(weights.text.encode()),
            "sha256": hashlib.sha256(weights.text.encode()).hexdigest(),
        }
    )
    n = 0
    for v in risks:
        if v.score < min_score and not v.list_hits:
            continue
        card = build_card(v, data, events, sources)
        (out_dir / f"{v.mmsi}.json").write_text(
            json.dumps(card, indent=1, ensure_ascii=False, default=str), encoding="utf-8"
        )
        (out_dir / f"{v.mmsi}.md").write_text(card_markdown(card), encoding="utf-8")
        if collect is not None:
            collect.append(card)
        n += 1
    return n
