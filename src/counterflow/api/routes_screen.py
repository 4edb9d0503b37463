"""``POST /screen/parties`` and ``POST /screen/orders``: JSON or CSV uploads, screened and
recorded as a run (alerts raised for hits in the review band)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi import Query as Q
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from counterflow.api.auth import require, services_of
from counterflow.api.metrics import count_screenings
from counterflow.api.parties_input import parse_csv, parse_json
from counterflow.api.services import Services
from counterflow.csvout import csv_text
from counterflow.errors import BadInputError
from counterflow.match.csvio import HIT_COLUMNS, hit_fields, hit_row
from counterflow.match.types import Hit, Query
from counterflow.review.keys import KeyInfo
from counterflow.review.recording import entity_groups as _entity_groups
from counterflow.review.recording import list_versions, record_run

router = APIRouter(tags=["screening"])
ScreenerKey = Annotated[KeyInfo, Depends(require("screener"))]


class PartiesRequest(BaseModel):
    parties: list[dict[str, Any]] = Field(
        ...,
        examples=[
            [{"id": "c1", "name": "Alfa Komponent LLC", "kind": "organization", "country": "RU"}]
        ],
    )
    threshold: float | None = Field(None, ge=0.0, le=1.0)
    limit: int | None = Field(None, ge=1, le=100)
    record: bool = True


async def read_upload(request: Request) -> tuple[str, bytes, dict[str, Any]]:
    """('csv' | 'json', raw bytes, form fields) from a JSON body, a text/csv body or a
    multipart form with a ``file`` field."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise BadInputError("multipart upload without a 'file' field", field="file")
        raw = await upload.read()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        name = (upload.filename or "").lower()
        return ("json" if name.endswith(".json") else "csv"), raw, fields
    raw = await request.body()
    if ctype in ("text/csv", "application/csv", "text/plain"):
        return "csv", raw, {}
    if ctype in ("application/json", ""):
        return "json", raw, {}
    raise HTTPException(415, f"send JSON, text/csv or multipart/form-data, not {ctype}")


def _parties_body(raw: bytes) -> PartiesRequest:
    try:
        return PartiesRequest.model_validate_json(raw or b"{}")
    except (ValueError, RecursionError) as exc:
        raise BadInputError(f"bad JSON body: {str(exc)[:300]}", field="parties") from None


def _float(v: Any, default: float) -> float:
    if v in (None, ""):
        return default
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise BadInputError(f"not a number: {v!r}", field="threshold") from None
    if not 0.0 <= f <= 1.0:
        raise BadInputError("threshold must be within [0, 1]", field="threshold")
    return f


def _int(v: Any, default: int) -> int:
    if v in (None, ""):
        return default
    try:
        i = int(v)
    except (TypeError, ValueError):
        raise BadInputError(f"not an integer: {v!r}", field="limit") from None
    if not 1 <= i <= 100:
        raise BadInputError("limit must be within 1..100", field="limit")
    return i


def entity_groups(services: Services) -> Any:
    """The listed entities of the loaded lists (None without a list store)."""
    with services.lock:
        return _entity_groups(services.list_store)


def screen_parties_sync(
    services: Services,
    queries: list[Query],
    *,
    threshold: float,
    limit: int,
    record: bool,
    actor: str,
    raw: bytes | None,
    source: str,
) -> tuple[list[list[Hit]], dict[str, Any] | None]:
    with services.lock:
        screener = services.screener()
        hits = [list(h) for h in screener.screen_many(queries, threshold=threshold, limit=limit)]
        versions = list_versions(services.list_store)
    summary = None
    if record:
        with services.lock:
            s = record_run(
                services.review,
                queries,
                hits,
                actor=actor,
                source=source,
                kind="parties",
                settings={"threshold": threshold, "limit": limit},
                versions=versions,
                raw_input=raw,
                list_store=services.list_store,
            )
        summary = s.to_dict()
    return hits, summary


def _group_of(groups: Any, entity_id: str) -> str:
    return str(groups.group_of(entity_id)) if groups is not None else entity_id


def hits_csv(hits: list[list[Hit]], groups: Any = None) -> str:
    return csv_text(
        HIT_COLUMNS,
        (
            hit_row(h, rank, _group_of(groups, h.entity_id))
            for q_hits in hits
            for rank, h in enumerate(q_hits, start=1)
        ),
    )


def _hit_dict(h: Hit, rank: int, groups: Any = None) -> dict[str, Any]:
    return hit_fields(h, rank) | {"entity_group": _group_of(groups, h.entity_id)}


@router.post(
    "/screen/parties",
    summary="Screen parties (JSON or CSV) and record the run",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": PartiesRequest.model_json_schema()},
                "text/csv": {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            }
        }
    },
)
async def screen_parties(
    request: Request,
    key: ScreenerKey,
    threshold: Annotated[float | None, Q(ge=0.0, le=1.0)] = None,
    limit: Annotated[int | None, Q(ge=1, le=100)] = None,
    record: bool = True,
    format: Annotated[str, Q(pattern="^(json|csv)$")] = "json",
) -> Response:
    services = services_of(request)
    kind, raw, fields = await read_upload(request)
    thr = (
        threshold
        if threshold is not None
        else _float(fields.get("threshold"), services.settings.threshold)
    )
    lim = limit if limit is not None else _int(fields.get("limit"), services.settings.limit)
    # Parsing a 20 MiB upload is CPU work: off the event loop, so /healthz and other
    # requests are served meanwhile.
    if kind == "csv":
        queries = await run_in_threadpool(parse_csv, raw, max_rows=services.settings.max_rows)
    else:
        body = await run_in_threadpool(_parties_body, raw)
        queries = await run_in_threadpool(
            parse_json, body.parties, max_rows=services.settings.max_rows
        )
        thr = body.threshold if body.threshold is not None else thr
        lim = body.limit if body.limit is not None else lim
        record = record and body.record
    if not queries:
        raise BadInputError("no parties to screen", field="parties")
    hits, summary = await run_in_threadpool(
        screen_parties_sync,
        services,
        queries,
        threshold=thr,
        limit=lim,
        record=record,
        actor=key.actor,
        raw=raw if kind == "csv" else None,
        source="api",
    )
    groups = await run_in_threadpool(entity_groups, services)
    count_screenings("parties", len(queries))
    if format == "csv":
        return Response(hits_csv(hits, groups), media_type="text/csv")
    review_by: dict[tuple[str, str], dict[str, Any]] = {}
    if summary is not None:
        for r in summary["results"]:
            for e in r["hits"]:
                review_by[(r["query_id"], e["entity_id"])] = e
    results = []
    for q, q_hits in zip(queries, hits, strict=True):
        items = []
        for rank, h in enumerate(q_hits, start=1):
            d = _hit_dict(h, rank, groups)
            e = review_by.get((q.id, h.entity_id), {})
            if "review" in e:
                d["review"] = e["review"]
            if "alert_id" in e:
                d["alert_id"] = e["alert_id"]
            items.append(d)
        results.append({"query_id": q.id, "name": q.name, "hits": items})
    out: dict[str, Any] = {"results": results}
    if summary is not None:
        summary.pop("results", None)
        out["run"] = summary
    return Response(json.dumps(out, ensure_ascii=False), media_type="application/json")


@router.post(
    "/screen/orders",
    summary="Screen order lines (JSON or CSV) and record the run",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/csv": {"schema": {"type": "string"}},
            }
        }
    },
)
async def screen_orders(
    request: Request,
    key: ScreenerKey,
    record: bool = True,
    format: Annotated[str, Q(pattern="^(json|csv)$")] = "json",
) -> Response:
    services = services_of(request)
    kind, raw, _fields = await read_upload(request)
    from counterflow.api import orders_bridge

    result = await run_in_threadpool(
        orders_bridge.screen, services, kind, raw, record=record, actor=key.actor
    )
    if format == "csv":
        return Response(result.csv, media_type="text/csv")
    return Response(json.dumps(result.json, ensure_ascii=False), media_type="application/json")
