"""Vessel risk: one row per vessel with a 0-100 score built from its events, list hits,
identity changes and watched-area activity, each contribution named.

Weights live in ``risk_weights.toml`` (shipped with the package, documented in the file);
``--weights FILE`` swaps in another. The input is the EVENTS table (INTERFACES.md), so
``counterflow ais vessels EVENTS.csv`` works on any events file, ours or a colleague's;
each row is put in one category by its ``event_type`` and the way its explanation starts
(the contract's columns have no room for a sub-type). A ``dark_detection`` counts for the
vessel named in ``other_mmsi``, weighted by its likelihood.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import polars as pl

from counterflow.csvout import write_frame
from counterflow.errors import BadInputError
from counterflow.match.types import Query, Screener

VESSEL_COLUMNS = (
    "mmsi",
    "imo",
    "vessel_name",
    "score",
    "band",
    "contributions",
    "events",
    "list_hits",
    "first_time",
    "last_time",
)


@dataclass(frozen=True)
class Weights:
    categories: dict[str, tuple[float, float]]  # name -> (points, cap)
    review: float = 30.0
    high: float = 60.0
    source: str = "risk_weights.toml"
    text: str = ""

    @staticmethod
    def load(path: Path | None = None) -> Weights:
        if path is None:
            text = resources.files("counterflow.maritime").joinpath("risk_weights.toml")
            raw = text.read_text("utf-8")
            src = "counterflow/maritime/risk_weights.toml"
        else:
            try:
                raw = path.read_text("utf-8")
            except OSError as exc:
                raise BadInputError(f"cannot read: {exc.strerror}", file=str(path)) from exc
            src = str(path)
        try:
            doc = tomllib.loads(raw)
            cats = {
                str(k): (float(v["points"]), float(v["cap"])) for k, v in doc["categories"].items()
            }
            bands = doc.get("bands", {})
            return Weights(
                cats, float(bands.get("review", 30)), float(bands.get("high", 60)), src, raw
            )
        except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
            raise BadInputError(f"bad weights file: {exc}", file=src, field="--weights") from exc


def category(event_type: str, explanation: str) -> str:
    """The risk category of one EVENTS row."""
    x = (explanation or "").lower()
    if event_type == "watch":
        if x.startswith("listed vessel"):
            return "listed_vessel"
        if x.startswith("route flag"):
            return "route_flag"
        return "watched_area"
    if event_type == "gap":
        return "gap_intentional" if "likely intentional" in x else "gap"
    if event_type == "identity_change":
        if x.startswith("invalid imo"):
            return "invalid_imo"
        if x.startswith("two identities"):
            return "two_identities"
        if x.startswith("imo "):
            return "imo_reuse"
        if " across a " in x:
            return "identity_change_across_gap"
        return "identity_change"
    return event_type


@dataclass
class VesselRisk:
    mmsi: int
    imo: str | None = None
    name: str | None = None
    score: float = 0.0
    band: str = "low"
    contributions: list[tuple[str, float, int]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    list_hits: list[str] = field(default_factory=list)
    first: str | None = None
    last: str | None = None


def read_events(path: Path) -> pl.DataFrame:
    from counterflow.maritime.events import EVENT_COLUMNS

    if not path.exists():
        raise BadInputError("no such file", file=str(path))
    try:
        df = pl.read_csv(path, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise BadInputError(f"unreadable CSV: {str(exc).splitlines()[0]}", file=str(path)) from exc
    missing = [c for c in EVENT_COLUMNS if c not in df.columns]
    if missing:
        raise BadInputError(
            "not an EVENTS file (counterflow ais events): missing " + ", ".join(missing),
            file=str(path),
            line=1,
            field=missing[0],
        )
    return df


def score_vessels(
    events: pl.DataFrame,
    weights: Weights | None = None,
    screener: Screener | None = None,
    screen_threshold: float = 0.7,
) -> list[VesselRisk]:
    """Risk per vessel from an EVENTS table (as written, all columns text or typed)."""
    w = weights or Weights.load()
    ev = events.with_columns(
        pl.col("mmsi").cast(pl.Utf8),
        pl.col("other_mmsi").cast(pl.Utf8),
        pl.col("confidence").cast(pl.Float64, strict=False),
    )
    per: dict[int, VesselRisk] = {}
    amounts: dict[int, dict[str, float]] = {}

    def vessel(m: int) -> VesselRisk:
        if m not in per:
            per[m] = VesselRisk(m)
            amounts[m] = {}
        return per[m]

    for r in ev.iter_rows(named=True):
        et = str(r["event_type"])
        if et == "dark_detection":
            if not r["other_mmsi"]:
                continue
            m = int(float(r["other_mmsi"]))
            amt = float(r["confidence"] or 0.0)
        else:
            if not r["mmsi"]:
                continue
            m = int(float(r["mmsi"]))
            amt = float(r["confidence"] or 0.0) if et == "watch" else 1.0
        v = vessel(m)
        cat = category(et, str(r["explanation"] or ""))
        if cat != "listed_vessel":
            amounts[m][cat] = amounts[m].get(cat, 0.0) + amt
        else:  # the best hit counts, each hit is listed
            amounts[m][cat] = max(amounts[m].get(cat, 0.0), amt)
            v.list_hits.append(str(r["explanation"])[len("listed vessel: ") :].split(":")[0])
        v.counts[cat] = v.counts.get(cat, 0) + 1
        if et != "dark_detection":
            v.imo = v.imo or (r["imo"] or None)
            v.name = v.name or (r["vessel_name"] or None)
            for tcol in ("start_time", "end_time"):
                tv = r[tcol]
                if tv:
                    v.first = tv if v.first is None or tv < v.first else v.first
                    v.last = tv if v.last is None or tv > v.last else v.last
    if screener is not None and per:
        _screen(per, amounts, screener, screen_threshold)
    out = []
    for m, v in sorted(per.items()):
        contribs = []
        for cat, amt in amounts[m].items():
            pts, cap = w.categories.get(cat, (0.0, 0.0))
            c = min(cap, pts * amt)
            if c > 0:
                contribs.append((cat, round(c, 1), v.counts.get(cat, 0)))
        contribs.sort(key=lambda c: (-c[1], c[0]))
        v.contributions = contribs
        v.score = round(min(100.0, sum(c[1] for c in contribs)), 1)
        v.band = "high" if v.score >= w.high else "review" if v.score >= w.review else "low"
        out.append(v)
    return out


def _screen(
    per: dict[int, VesselRisk],
    amounts: dict[int, dict[str, float]],
    screener: Screener,
    threshold: float,
) -> None:
    from counterflow.maritime.vessels import keep_hit

    qs = []
    for m, v in sorted(per.items()):
        ids = [f"MMSI{m}"] + ([f"IMO{v.imo}"] if v.imo else [])
        qs.append(Query(id=str(m), name=v.name or "", kind="vessel", identifiers=ids))
    for q, hits in zip(qs, screener.screen_many(qs, threshold=threshold, limit=3), strict=True):
        m = int(q.id)
        for h in hits:
            if not keep_hit(h):
                continue
            label = f"{h.entity_name} ({h.dataset} {h.source_id}), score {h.score:.2f}"
            if not any(h.source_id in x for x in per[m].list_hits):
                per[m].list_hits.append(label)
                per[m].counts["listed_vessel"] = per[m].counts.get("listed_vessel", 0) + 1
            amounts[m]["listed_vessel"] = max(amounts[m].get("listed_vessel", 0.0), h.score)


def to_frame(risks: list[VesselRisk]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "mmsi": v.mmsi,
                "imo": v.imo,
                "vessel_name": v.name,
                "score": v.score,
                "band": v.band,
                "contributions": "; ".join(
                    f"{c} +{p:g} ({n} event{'s' if n != 1 else ''})" for c, p, n in v.contributions
                ),
                "events": "; ".join(f"{k} {n}" for k, n in sorted(v.counts.items())),
                "list_hits": " | ".join(v.list_hits),
                "first_time": v.first,
                "last_time": v.last,
            }
            for v in sorted(risks, key=lambda v: (-v.score, v.mmsi))
        ],
        schema={
            c: (pl.Int64 if c == "mmsi" else pl.Float64 if c == "score" else pl.Utf8)
            for c in VESSEL_COLUMNS
        },
    )


def write_vessels_csv(risks: list[VesselRisk], path: Path) -> int:
    df = to_frame(risks)
    try:
        write_frame(df, path)  # the one guarded CSV writer (vessel names are text)
    except OSError as exc:
        raise BadInputError(f"cannot write: {exc.strerror}", file=str(path), field="-o") from exc
    return df.height
