"""Order-screening configuration: transshipment-risk and restricted countries, score
bands, vague end-use terms, reshipper name keywords, rule weights; plus the SEZ address
watch list. Defaults ship as data (``orders/data/default_config.json``,
``orders/data/sez_watchlist.json``); ``--config FILE`` or ``COUNTERFLOW_ORDERS_CONFIG``
overrides any key.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from counterflow.errors import BadInputError
from counterflow.match.bands import REVIEW
from counterflow.records.countries import to_iso2

# A near match lies this far below the screener's calibrated review band by default.
NEAR_MATCH_MARGIN = 0.1


@dataclass(slots=True)
class SezZone:
    name: str
    country: str
    patterns: list[re.Pattern[str]]
    source: str
    rx: re.Pattern[str] | None = None

    def matches(self, text: str) -> bool:
        if self.rx is None:
            self.rx = re.compile("|".join(f"(?:{p.pattern})" for p in self.patterns), re.I)
        return bool(self.rx.search(text))


@dataclass(slots=True)
class OrdersConfig:
    hub_countries: set[str] = field(default_factory=set)
    restricted_countries: set[str] = field(default_factory=set)
    review_at: float = 0.5
    block_at: float = 0.85
    party_threshold: float = 0.5
    # hits from here up to the screener's review band: PARTY_NEAR_MATCH
    near_match_at: float = REVIEW - NEAR_MATCH_MARGIN
    vague_end_use: set[str] = field(default_factory=set)
    reshipper_keywords: list[str] = field(default_factory=list)
    outlier_factor: float = 3.0
    outlier_min_history: int = 3
    weights: dict[str, float] = field(default_factory=dict)
    sez: list[SezZone] = field(default_factory=list)
    reshippers: set[str] = field(default_factory=set)  # normalised names from --reshippers


def _package_json(name: str) -> dict[str, Any]:
    text = resources.files("counterflow.orders").joinpath(f"data/{name}").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInputError(f"cannot read configuration: {exc}", file=str(path)) from exc
    if not isinstance(data, dict):
        raise BadInputError("configuration must be a JSON object", file=str(path))
    return data


def _countries(values: Any, where: str) -> set[str]:
    out: set[str] = set()
    for v in values or []:
        code = to_iso2(str(v))
        if not code:
            raise BadInputError(f"unknown country {v!r}", file=where)
        out.add(code)
    return out


def _near_match_at(value: Any) -> float:
    """``null`` (the default) follows the screener's calibrated review band."""
    if value is None:
        return round(REVIEW - NEAR_MATCH_MARGIN, 4)
    out = float(value)
    if not 0.0 <= out <= 1.0:
        raise ValueError(f"near_match_at {out} must be in [0, 1]")
    return out


def load_sez(path: Path | None = None) -> list[SezZone]:
    data = _read_json(path) if path else _package_json("sez_watchlist.json")
    zones: list[SezZone] = []
    try:
        for z in data["zones"]:
            zones.append(
                SezZone(
                    z["name"],
                    z.get("country", ""),
                    [re.compile(p, re.IGNORECASE) for p in z["patterns"]],
                    z.get("source", ""),
                )
            )
    except (KeyError, TypeError, re.error) as exc:
        raise BadInputError(f"bad SEZ watch list: {exc}", file=str(path or "default")) from exc
    return zones


def load_config(
    path: Path | str | None = None,
    *,
    sez_path: Path | str | None = None,
    reshippers_path: Path | str | None = None,
) -> OrdersConfig:
    """Defaults, overridden by ``path`` (or ``$COUNTERFLOW_ORDERS_CONFIG``)."""
    data = _package_json("default_config.json")
    where = "default configuration"
    path = path or os.environ.get("COUNTERFLOW_ORDERS_CONFIG")
    if path:
        where = str(path)
        data.update({k: v for k, v in _read_json(Path(path)).items() if not k.startswith("_")})
    try:
        cfg = OrdersConfig(
            hub_countries=_countries(data["hub_countries"], where),
            restricted_countries=_countries(data["restricted_countries"], where),
            review_at=float(data["review_at"]),
            block_at=float(data["block_at"]),
            party_threshold=float(data["party_threshold"]),
            near_match_at=_near_match_at(data.get("near_match_at")),
            vague_end_use={str(v).strip().lower() for v in data["vague_end_use"]},
            reshipper_keywords=[str(v).lower() for v in data["reshipper_keywords"]],
            outlier_factor=float(data["outlier_factor"]),
            outlier_min_history=int(data["outlier_min_history"]),
            weights={str(k): float(v) for k, v in (data.get("weights") or {}).items()},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInputError(f"bad configuration value: {exc}", file=where) from exc
    from counterflow.orders.rules import RULES

    for code in cfg.weights:
        if code not in RULES:
            raise BadInputError(f"unknown rule code {code!r} in weights", file=where)
    cfg.sez = load_sez(Path(sez_path) if sez_path else None)
    if reshippers_path:
        cfg.reshippers = load_name_list(Path(reshippers_path))
    return cfg


def load_name_list(path: Path) -> set[str]:
    """Names, one a line, or a CSV with a ``name`` column -> normalised names."""
    from counterflow.ownership.graph import normalise_key

    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read: {exc}", file=str(path)) from exc
    if lines and lines[0].strip().lower().split(",")[0] == "name":
        import csv

        rows = csv.DictReader(lines)
        return {normalise_key(r.get("name") or "") for r in rows if (r.get("name") or "").strip()}
    return {normalise_key(x) for x in lines if x.strip() and not x.startswith("#")}
