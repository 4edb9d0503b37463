"""Signed certificates of recorded runs and decisions over HTTP (``review.certificates``):
``GET /runs/{id}/certificate`` and ``GET /alerts/{id}/certificate``, JSON or PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi import Query as Q
from starlette.concurrency import run_in_threadpool

from counterflow.api.auth import require, services_of
from counterflow.review.keys import KeyInfo

router = APIRouter(tags=["certificates"])
AnalystKey = Annotated[KeyInfo, Depends(require("analyst"))]
Format = Annotated[str, Q(pattern="^(json|pdf)$")]


def _certificate(request: Request, what: str, ident: int, actor: str, fmt: str) -> Response:
    from counterflow.review.certificate_pdf import certificate_pdf
    from counterflow.review.certificates import issue, to_json

    signed = issue(services_of(request).review, what, ident, actor=actor)
    name = f"counterflow-{what}-{ident}-certificate"
    if fmt == "pdf":
        return Response(
            certificate_pdf(signed),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    return Response(to_json(signed), media_type="application/json")


@router.get("/runs/{run_id}/certificate", summary="Signed certificate of a recorded run")
async def run_certificate(
    run_id: int, request: Request, key: AnalystKey, format: Format = "json"
) -> Response:
    return await run_in_threadpool(_certificate, request, "run", run_id, key.actor, format)


@router.get("/alerts/{alert_id}/certificate", summary="Signed certificate of an alert's decision")
async def decision_certificate(
    alert_id: int, request: Request, key: AnalystKey, format: Format = "json"
) -> Response:
    return await run_in_threadpool(_certificate, request, "decision", alert_id, key.actor, format)
