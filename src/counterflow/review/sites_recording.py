"""Recording a site-watch scan: a run of kind ``site`` and, when the changed fraction
reaches the site's threshold, a ``site`` alert in the ordinary alerts table (no schema
change): ``customer_id`` ``site:NAME`` (digest: the polygon's), ``entity_id``
``scene:<after sha256 prefix>``, ``dataset`` ``sites``, ``kind`` ``site``, ``score`` the
changed fraction, ``record`` the scan summary with the scene digests and dates and small
JPEG renderings of before, after and overlay (so the evidence page is self-contained),
``record_digest`` the sha256 of before and after together.
"""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path
from typing import Any

from counterflow.review import audit
from counterflow.review.monitor_recording import (
    Finding,
    finish_run,
    insert_alert,
    insert_run,
    open_alert,
)
from counterflow.review.store import ReviewStore

SITE_KIND = "site"
SITE_DATASET = "sites"
IMAGES = ("before", "after", "overlay")
THUMB_SIDE = 640


def _thumb(path: Path) -> tuple[str, str]:
    """(base64 JPEG of the image reduced to THUMB_SIDE, sha256 of the file)."""
    from PIL import Image

    raw = path.read_bytes()
    with Image.open(io.BytesIO(raw)) as src:
        im = src.convert("RGB")
    w = THUMB_SIDE * (3 if im.width > 2 * im.height else 1)
    im.thumbnail((w, THUMB_SIDE))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=85)
    return base64.b64encode(buf.getvalue()).decode("ascii"), hashlib.sha256(raw).hexdigest()


def scan_record(summary: dict[str, Any], outdir: Path | None) -> dict[str, Any]:
    """What an alert keeps of a scan (summary, digests, dates, reduced images)."""
    rec: dict[str, Any] = {
        k: summary.get(k)
        for k in (
            "changed_fraction",
            "changed_area_m2",
            "polygons",
            "method",
            "model_version",
            "changed_px",
            "valid_px",
            "unusable_fraction",
            "grid",
            "before",
            "after",
            "warnings",
        )
    }
    rec["outdir"] = str(outdir) if outdir is not None else None
    images: dict[str, Any] = {}
    if outdir is not None:
        for name in IMAGES:
            p = outdir / f"{name}.png"
            if p.exists():
                b64, digest = _thumb(p)
                images[name] = {"file": str(p), "sha256": digest, "jpeg_base64": b64}
    rec["images"] = images
    return rec


def record_site_scan(
    review: ReviewStore,
    summary: dict[str, Any],
    site: dict[str, Any],
    *,
    outdir: Path | None,
    actor: str,
    source: str = "cli",
) -> dict[str, Any]:
    """Store the scan as a run; raise (or find the open) site alert when above threshold.
    Returns ``{"run_id", "alert_id", "review": raised|existing|below_threshold}``."""
    at = audit.now_iso()
    before, after = summary["before"], summary["after"]
    pair_digest = hashlib.sha256(f"{before['sha256']}:{after['sha256']}".encode()).hexdigest()
    threshold = float(site["threshold"])
    above = float(summary["changed_fraction"]) >= threshold
    name = site["name"]
    settings = {
        "site": name,
        "site_digest": site["digest"],
        "threshold": threshold,
        "method": summary["method"],
        "model_version": summary.get("model_version"),
    }
    result: dict[str, Any] = {"run_id": 0, "alert_id": None, "review": "below_threshold"}
    with review.backend.write() as tx:
        audit.lock_head(tx)
        run_id = insert_run(tx, at, actor, source, SITE_KIND, pair_digest, settings, 1, int(above))
        result["run_id"] = run_id
        entity_id = f"scene:{after['sha256'][:16]}"
        customer_id = f"site:{name}"
        if above:
            same = open_alert(tx, customer_id, entity_id, pair_digest)
            if same is not None:
                result.update(alert_id=same, review="existing")
            else:
                result.update(
                    alert_id=_insert_alert(
                        tx, run_id, at, actor, summary, site, outdir, pair_digest
                    ),
                    review="raised",
                )
        results = [{"query_id": customer_id, "hits": [result | {"entity_id": entity_id}]}]
        finish_run(
            tx,
            run_id,
            int(result["review"] == "raised"),
            int(result["review"] == "existing"),
            results,
        )
        audit.append(
            tx,
            actor,
            "run",
            f"run:{run_id}",
            {
                "source": source,
                "kind": SITE_KIND,
                "input_digest": pair_digest,
                "settings": settings,
                "before": {"sha256": before["sha256"], "date": before.get("date")},
                "after": {"sha256": after["sha256"], "date": after.get("date")},
                "changed_fraction": summary["changed_fraction"],
                "changed_area_m2": summary.get("changed_area_m2"),
                "alerts": int(result["review"] == "raised"),
                "existing": int(result["review"] == "existing"),
            },
        )
    return result


def _insert_alert(
    tx: Any,
    run_id: int,
    at: str,
    actor: str,
    summary: dict[str, Any],
    site: dict[str, Any],
    outdir: Path | None,
    pair_digest: str,
) -> int:
    before, after = summary["before"], summary["after"]
    name = site["name"]
    frac = float(summary["changed_fraction"])
    area = summary.get("changed_area_m2")
    span = f"{before.get('date') or 'undated'} → {after.get('date') or 'undated'}"
    explanation = (
        f"{frac:.2%} of {name} changed"
        + (f" ({area:,.0f} m²)" if area is not None else "")
        + f" in {summary['polygons']} polygons between {span} ({summary['method']});"
        f" alert threshold {float(site['threshold']):.2%}"
    )
    if summary.get("unusable_fraction"):
        explanation += f"; {float(summary['unusable_fraction']):.1%} of the site unusable"
    query = {k: v for k, v in site.items() if k != "geometry"}
    record = scan_record(summary, outdir)
    features = {
        "changed_fraction": frac,
        "changed_area_m2": area,
        "polygons": summary["polygons"],
        "unusable_fraction": summary.get("unusable_fraction", 0.0),
    }
    finding = Finding(
        customer_id=f"site:{name}",
        customer_digest=site["digest"],
        query=query,
        entity_id=f"scene:{after['sha256'][:16]}",
        dataset=SITE_DATASET,
        source_id=name,
        record_digest=pair_digest,
        record=record,
        entity_name=f"{name}: change {span}",
        matched_name=name,
        kind=SITE_KIND,
        score=min(1.0, frac),
        explanation=explanation,
        features=features,
    )
    return insert_alert(
        tx,
        run_id,
        at,
        actor,
        finding,
        {
            "score": round(frac, 6),
            "before_sha256": before["sha256"],
            "after_sha256": after["sha256"],
            "images": {k: v["sha256"] for k, v in record["images"].items()},
        },
    )


def site_alerts(review: ReviewStore, name: str, limit: int = 20) -> list[dict[str, Any]]:
    """The site's alerts, newest first (without the embedded images)."""
    out = []
    for a in review.list_alerts(status=None, limit=limit, customer_id=f"site:{name}"):
        d = a.to_dict()
        rec = dict(d["record"])
        rec["images"] = {k: {"sha256": v["sha256"]} for k, v in rec.get("images", {}).items()}
        d["record"] = rec
        out.append(d)
    out.sort(key=lambda d: -int(d["id"]))
    return out
