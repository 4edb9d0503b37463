"""Recording vessel evidence cards (``counterflow ais events --cards DIR --record``): one
run of kind ``vessel`` and, per card, a ``vessel`` alert in the ordinary alerts table (no
schema change): ``customer_id`` ``vessel:MMSI``, ``entity_id`` ``mmsi:MMSI``, ``dataset``
``ais``, ``kind`` ``vessel``, ``score`` the 0-100 risk / 100, ``record`` the whole card
(track segment, events, identities over time, list hits, data sources with digests),
``record_digest`` the sha256 of the card without its generation time. A card already on an
open alert of the same vessel with the same digest is not raised again.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from counterflow.review import audit
from counterflow.review.digests import canonical_json
from counterflow.review.monitor_recording import (
    Finding,
    finish_run,
    insert_alert,
    insert_run,
    open_alert,
)
from counterflow.review.store import ReviewStore

VESSEL_KIND = "vessel"
VESSEL_DATASET = "ais"


def card_digest(card: dict[str, Any]) -> str:
    """sha256 of the card's content (its generation time left out)."""
    body = {k: v for k, v in card.items() if k != "generated_at"}
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def _explanation(card: dict[str, Any]) -> str:
    parts = [
        f"{c['category']} {c['points']:g} ({c['events']})"
        for c in card.get("contributions", [])
        if c.get("points")
    ]
    hits = card.get("list_hits") or []
    text = f"vessel risk {card['score']:g}/100 ({card['band']})"
    if parts:
        text += ": " + ", ".join(parts)
    if hits:
        text += f"; list hits: {'; '.join(str(h) for h in hits[:3])}"
    return text


def record_vessel_cards(
    review: ReviewStore,
    cards: list[dict[str, Any]],
    *,
    actor: str,
    source: str = "cli",
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Store the cards as one run; raise an alert per card (or find the open one with the
    same card digest). Returns ``{"run_id", "raised": [...ids], "existing": [...ids]}``."""
    at = audit.now_iso()
    cards = [json.loads(json.dumps(c, default=str)) for c in cards]  # plain JSON values
    digests = [card_digest(c) for c in cards]
    input_digest = hashlib.sha256("".join(digests).encode()).hexdigest()
    sett = settings or {}
    out: dict[str, Any] = {"run_id": 0, "raised": [], "existing": []}
    results = []
    with review.backend.write() as tx:
        audit.lock_head(tx)
        run_id = insert_run(
            tx, at, actor, source, VESSEL_KIND, input_digest, sett, len(cards), len(cards)
        )
        out["run_id"] = run_id
        for card, digest in zip(cards, digests, strict=True):
            mmsi = int(card["mmsi"])
            customer_id, entity_id = f"vessel:{mmsi}", f"mmsi:{mmsi}"
            same = open_alert(tx, customer_id, entity_id, digest)
            if same is not None:
                alert_id, how = same, "existing"
            else:
                alert_id, how = _insert_alert(tx, run_id, at, actor, card, digest), "raised"
            out[how].append(alert_id)
            results.append(
                {
                    "query_id": customer_id,
                    "hits": [{"entity_id": entity_id, "alert_id": alert_id, "review": how}],
                }
            )
        finish_run(tx, run_id, len(out["raised"]), len(out["existing"]), results)
        audit.append(
            tx,
            actor,
            "run",
            f"run:{run_id}",
            {
                "source": source,
                "kind": VESSEL_KIND,
                "input_digest": input_digest,
                "settings": sett,
                "cards": len(cards),
                "alerts": len(out["raised"]),
                "existing": len(out["existing"]),
            },
        )
    return out


def _insert_alert(
    tx: Any, run_id: int, at: str, actor: str, card: dict[str, Any], digest: str
) -> int:
    mmsi = int(card["mmsi"])
    name = card.get("vessel_name") or f"MMSI {mmsi}"
    query = {"name": name, "mmsi": mmsi, "imo": card.get("imo")}
    features = {c["category"]: c["points"] for c in card.get("contributions", [])}
    finding = Finding(
        customer_id=f"vessel:{mmsi}",
        customer_digest=hashlib.sha256(canonical_json(query).encode()).hexdigest(),
        query=query,
        entity_id=f"mmsi:{mmsi}",
        dataset=VESSEL_DATASET,
        source_id=str(mmsi),
        record_digest=digest,
        record=card,
        entity_name=name,
        matched_name=name,
        kind=VESSEL_KIND,
        score=min(1.0, float(card["score"]) / 100.0),
        explanation=_explanation(card),
        features=features,
    )
    return insert_alert(
        tx,
        run_id,
        at,
        actor,
        finding,
        {
            "score": card["score"],
            "card_sha256": digest,
            "sources": [{"file": s["file"], "sha256": s["sha256"]} for s in card["sources"]],
        },
    )


def track_polyline(card: dict[str, Any], width: int = 480, height: int = 320) -> str:
    """SVG polyline points ("x,y x,y ...") of the card's track segment, fitted into
    ``width`` x ``height`` (equirectangular at the segment's mean latitude, north up); ""
    without positions. Drawn inline on the review page (no tiles, no script)."""
    import math

    pts = [(float(p[1]), float(p[2])) for p in card.get("track", {}).get("points", [])]
    if not pts:
        return ""
    lat0 = sum(la for la, _ in pts) / len(pts)
    k = max(math.cos(math.radians(lat0)), 0.05)
    xs = [lo * k for _, lo in pts]
    ys = [la for la, _ in pts]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6)
    pad = 8.0
    scale = min((width - 2 * pad), (height - 2 * pad)) / span
    x0, y1 = min(xs), max(ys)
    return " ".join(
        f"{pad + (x - x0) * scale:.1f},{pad + (y1 - y) * scale:.1f}"
        for x, y in zip(xs, ys, strict=True)
    )
