"""Site watch over HTTP: the watched sites with their latest site alerts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from counterflow.api.auth import require, services_of
from counterflow.review.keys import KeyInfo
from counterflow.review.sites_recording import site_alerts

router = APIRouter(tags=["sites"])
AnalystKey = Annotated[KeyInfo, Depends(require("analyst"))]


def _sites(review: Any, geometry: bool, limit: int) -> list[dict[str, Any]]:
    from counterflow.sites.watchlist import load_sites

    out = []
    for site in load_sites().values():
        d = site.to_dict(geometry=geometry)
        alerts = site_alerts(review, site.name, limit=limit)
        d["open_alerts"] = sum(1 for a in alerts if a["status"] in ("open", "needs_info"))
        d["alerts"] = [
            {
                "id": a["id"],
                "status": a["status"],
                "created_at": a["created_at"],
                "changed_fraction": a["record"].get("changed_fraction"),
                "changed_area_m2": a["record"].get("changed_area_m2"),
                "before_date": a["record"].get("before", {}).get("date"),
                "after_date": a["record"].get("after", {}).get("date"),
                "explanation": a["explanation"],
            }
            for a in alerts
        ]
        out.append(d)
    return out


@router.get("/sites", summary="Watched sites and their site-watch alerts")
async def list_sites(request: Request, _key: AnalystKey) -> dict[str, Any]:
    review = services_of(request).review
    return {"sites": await run_in_threadpool(_sites, review, False, 10)}


@router.get("/sites/{name}", summary="One watched site (GeoJSON polygon) and its alerts")
async def get_site(name: str, request: Request, _key: AnalystKey) -> dict[str, Any]:
    from counterflow.review.store import NotFoundError
    from counterflow.sites.watchlist import load_sites

    sites = load_sites()
    if name not in sites:
        raise NotFoundError(f"no watched site {name!r}")
    review = services_of(request).review
    d = sites[name].to_dict(geometry=True)
    d["alerts"] = await run_in_threadpool(site_alerts, review, name, 100)
    return d
