"""List status, API keys, re-screening and health."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from counterflow.api.auth import require, services_of
from counterflow.api.services import ServiceUnavailable
from counterflow.review.keys import KeyInfo, create_key, list_keys, revoke_key
from counterflow.review.rescreen import rescreen
from counterflow.store.staleness import list_ages, max_age_days

router = APIRouter()
ScreenerKey = Annotated[KeyInfo, Depends(require("screener"))]
AdminKey = Annotated[KeyInfo, Depends(require("admin"))]


class NewKeyRequest(BaseModel):
    role: Literal["screener", "analyst", "admin"]
    label: str = Field("", max_length=100)


@router.get("/healthz", tags=["service"], summary="Liveness (no key needed)")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    tags=["service"],
    summary="Readiness: lists loaded, none stale, matcher open (no key)",
    description='200 `{"status": "ok"}`; 503 with `status` `unavailable` (no lists, '
    "matcher not open) or `stale` (a list in force is older than the allowed age, "
    "`COUNTERFLOW_MAX_LIST_AGE_DAYS`, default 30 days; each stale list named).",
)
async def readyz(request: Request) -> JSONResponse:
    services = services_of(request)
    try:
        infos = services.lists_status()
        loaded = bool(infos) or services.list_store is None
        await run_in_threadpool(services.screener)
    except ServiceUnavailable as exc:
        return JSONResponse({"status": "unavailable", "detail": str(exc)}, status_code=503)
    if not loaded:
        return JSONResponse({"status": "unavailable", "detail": "no lists loaded"}, 503)
    allowed = max_age_days(services.settings.max_list_age_days)
    stale = [a for a in list_ages(infos, allowed) if a.stale]
    if stale:
        return JSONResponse(
            {
                "status": "stale",
                "detail": "; ".join(a.describe(allowed) for a in stale),
                "max_age_days": allowed,
                "stale": [
                    {"dataset": a.dataset, "version": a.version, "age_days": a.age_days}
                    for a in stale
                ],
            },
            status_code=503,
        )
    return JSONResponse({"status": "ok"})


@router.get("/lists/status", tags=["lists"], summary="Loaded lists, as `lists status --json`")
async def lists_status(request: Request, _key: ScreenerKey) -> list[dict[str, Any]]:
    services = services_of(request)
    infos = services.lists_status()
    allowed = max_age_days(services.settings.max_list_age_days)
    ages = {a.dataset: a for a in list_ages(infos, allowed)}
    return [
        {**s.to_dict(), "age_days": ages[s.dataset].age_days, "stale": ages[s.dataset].stale}
        for s in infos
    ]


@router.post("/keys", tags=["service"], summary="Create an API key (shown once)", status_code=201)
async def new_key(request: Request, key: AdminKey, body: NewKeyRequest) -> dict[str, Any]:
    services = services_of(request)
    plain, info = create_key(services.review, body.role, label=body.label, actor=key.actor)
    return {"key": plain, "id": info.id, "role": info.role, "label": info.label}


@router.get("/keys", tags=["service"], summary="List API keys (never the keys themselves)")
async def get_keys(request: Request, _key: AdminKey) -> list[dict[str, Any]]:
    return list_keys(services_of(request).review)


@router.delete("/keys/{key_id}", tags=["service"], summary="Revoke an API key")
async def delete_key(key_id: int, request: Request, key: AdminKey) -> dict[str, Any]:
    services = services_of(request)
    revoke_key(services.review, key_id, actor=key.actor)
    services.forget_keys()
    return {"revoked": key_id}


@router.post("/rescreen", tags=["review"], summary="Re-screen customers against list changes")
async def do_rescreen(request: Request, key: AdminKey) -> dict[str, Any]:
    services = services_of(request)

    def run() -> dict[str, Any]:
        with services.lock:
            return rescreen(
                services.review,
                services.list_store,
                actor=key.actor,
                screener_factory=services.records_screener,
            ).to_dict()

    return await run_in_threadpool(run)
