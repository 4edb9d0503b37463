"""Alerts, decisions, runs, exports and the audit trail over HTTP."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi import Query as Q
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from counterflow.api.auth import require, services_of
from counterflow.errors import BadInputError
from counterflow.match.types import Hit
from counterflow.records.model import Party
from counterflow.review import audit
from counterflow.review.evidence import evidence_html
from counterflow.review.exports import decisions_csv, decisions_json, period_bound
from counterflow.review.keys import KeyInfo
from counterflow.review.recording import list_versions, record_run

router = APIRouter(tags=["review"])
ScreenerKey = Annotated[KeyInfo, Depends(require("screener"))]
AnalystKey = Annotated[KeyInfo, Depends(require("analyst"))]
AdminKey = Annotated[KeyInfo, Depends(require("admin"))]


class DecisionRequest(BaseModel):
    decision: Literal["true_match", "false_positive", "needs_info"]
    reason: str = Field("", max_length=4000)
    expected_version: int | None = Field(
        None, description="Refuse with 409 if the alert changed since this version"
    )


class ReopenRequest(BaseModel):
    reason: str = Field(..., min_length=1, max_length=4000)


class NewAlertRequest(BaseModel):
    """Ask for review of a (customer, listed record) pair found outside the tool."""

    customer: dict[str, Any] = Field(..., examples=[{"id": "c9", "name": "Some Trading LLC"}])
    entity_id: str = Field(..., examples=["us_ofac_sdn:36"])
    score: float = Field(0.0, ge=0.0, le=1.0)
    note: str = Field("", max_length=4000)


@router.get("/alerts", summary="List alerts (default: open)")
async def list_alerts(
    request: Request,
    _key: AnalystKey,
    status: Annotated[str, Q(pattern="^(open|true_match|false_positive|needs_info|all)$")] = "open",
    limit: Annotated[int, Q(ge=1, le=1000)] = 100,
    offset: Annotated[int, Q(ge=0)] = 0,
    customer_id: str | None = None,
) -> dict[str, Any]:
    review = services_of(request).review
    alerts = review.list_alerts(
        status=None if status == "all" else status,
        limit=limit,
        offset=offset,
        customer_id=customer_id,
    )
    return {"alerts": [a.to_dict() for a in alerts], "counts": review.count_alerts()}


@router.post("/alerts", summary="Raise an alert for review by hand", status_code=201)
async def create_alert(request: Request, key: ScreenerKey, body: NewAlertRequest) -> dict[str, Any]:
    from counterflow.api.parties_input import make_query

    services = services_of(request)
    row = {str(k).lower(): v for k, v in body.customer.items()}
    q = make_query(row, file="customer", line=None)
    dataset, _, source_id = body.entity_id.partition(":")
    if not dataset or not source_id:
        raise BadInputError("entity_id is dataset:source_id", field="entity_id")
    party: Party | None = None
    if services.list_store is not None:
        with services.lock:
            found = services.list_store.get(source_id, dataset)
        party = found[0] if found else None
    if party is None:
        raise HTTPException(404, f"{body.entity_id} is not in the loaded lists")
    hit = Hit(
        query_id=q.id,
        score=body.score,
        decision="review",
        dataset=dataset,
        source_id=source_id,
        entity_id=party.entity_id,
        entity_name=party.name,
        matched_name=party.name,
        kind=party.kind,
        explanation=f"raised by hand: {body.note}" if body.note else "raised by hand",
        party=party,
    )
    with services.lock:
        versions = list_versions(services.list_store)
    s = record_run(
        services.review,
        [q],
        [[hit]],
        actor=key.actor,
        source="api",
        kind="manual",
        settings={"note": body.note},
        versions=versions,
    )
    return s.to_dict()


@router.get("/alerts/{alert_id}", summary="One alert with its decisions")
async def get_alert(alert_id: int, request: Request, _key: AnalystKey) -> dict[str, Any]:
    return services_of(request).review.get_alert(alert_id).to_dict()


@router.post("/alerts/{alert_id}/decision", summary="Decide an alert")
async def decide(
    alert_id: int, body: DecisionRequest, request: Request, key: AnalystKey
) -> dict[str, Any]:
    review = services_of(request).review
    a = await run_in_threadpool(
        review.decide,
        alert_id,
        body.decision,
        body.reason,
        key.actor,
        expected_version=body.expected_version,
    )
    return a.to_dict()


@router.post("/alerts/{alert_id}/reopen", summary="Re-open a decided alert (history kept)")
async def reopen(
    alert_id: int, body: ReopenRequest, request: Request, key: AnalystKey
) -> dict[str, Any]:
    review = services_of(request).review
    a = await run_in_threadpool(review.reopen, alert_id, body.reason, key.actor)
    return a.to_dict()


@router.get("/alerts/{alert_id}/evidence", summary="HTML evidence page of an alert")
async def evidence(alert_id: int, request: Request, key: AnalystKey) -> Response:
    review = services_of(request).review
    html = await run_in_threadpool(evidence_html, review, alert_id, actor=key.actor)
    return Response(html, media_type="text/html; charset=utf-8")


@router.get("/runs/{run_id}", summary="A recorded screening run")
async def get_run(run_id: int, request: Request, _key: AnalystKey) -> dict[str, Any]:
    return services_of(request).review.get_run(run_id)


@router.get("/exports/decisions", summary="Decisions of a period as CSV or JSON")
async def export_decisions(
    request: Request,
    key: AnalystKey,
    since: str | None = None,
    until: str | None = None,
    format: Annotated[str, Q(pattern="^(csv|json)$")] = "csv",
) -> Response:
    review = services_of(request).review
    period_bound(since, "since"), period_bound(until, "until")  # bad dates: 400, not logged
    review.log(key.actor, "export", "decisions", {"since": since, "until": until, "format": format})
    if format == "json":
        text = await run_in_threadpool(decisions_json, review, since, until)
        return Response(text, media_type="application/json")
    return Response(
        await run_in_threadpool(decisions_csv, review, since, until),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="decisions.csv"'},
    )


@router.get("/audit", summary="Audit trail entries")
async def audit_entries(
    request: Request,
    _key: AnalystKey,
    since_seq: Annotated[int, Q(ge=0)] = 0,
    limit: Annotated[int, Q(ge=1, le=5000)] = 500,
    subject: str | None = None,
) -> dict[str, Any]:
    review = services_of(request).review
    rows = audit.entries(review.backend, subject=subject, since_seq=since_seq, limit=limit)
    return {
        "entries": [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "event": e.event,
                "subject": e.subject,
                "data": e.data,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in rows
        ]
    }


@router.get("/audit/verify", summary="Verify the audit hash chain and the recorded state")
async def audit_verify(
    request: Request,
    _key: AdminKey,
    anchor: Annotated[
        str | None,
        Q(max_length=200, description="A head exported earlier (GET /audit/head): SEQ:HASH"),
    ] = None,
) -> dict[str, Any]:
    review = services_of(request).review
    anc = None
    if anchor:
        try:
            anc = audit.Anchor.parse(anchor)
        except ValueError as exc:
            raise BadInputError(str(exc), field="anchor") from None
    res = await run_in_threadpool(review.verify_audit, anc)
    return {"ok": res.ok, "entries": res.entries, "head": res.head, "problem": res.problem}


@router.get("/audit/head", summary="The audit chain head, to keep outside as an anchor")
async def audit_head(request: Request, _key: AdminKey) -> dict[str, Any]:
    a = audit.head(services_of(request).review.backend)
    return {**a.to_dict(), "at": audit.now_iso()}
