"""``POST /match/{dataset}`` (yente's shapes) and ``GET /search``: lookups, not recorded."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi import Query as Q

from counterflow.api.auth import require, services_of
from counterflow.api.metrics import count_screenings
from counterflow.api.services import Services
from counterflow.api.yente import (
    KIND_SCHEMA,
    MAX_QUERIES,
    EntityMatchQuery,
    EntityMatchResponse,
    SearchResponse,
    check_algorithm,
    hit_result,
    matcher_docs,
    merge_hits,
    result_id,
    to_queries,
)
from counterflow.errors import BadInputError
from counterflow.match.types import Hit, Query, Screener
from counterflow.review.keys import KeyInfo

router = APIRouter(tags=["screening"])


class BudgetExceeded(BadInputError):
    """A /match request asks for more work than one request may do (400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, field="queries")


Screener_ = Annotated[KeyInfo, Depends(require("screener"))]


def _json(data: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        media_type="application/json",
    )


def _scope(
    services: Services, dataset: str, include: list[str], exclude: list[str]
) -> set[str] | None:
    """Datasets to keep (None: all)."""
    if dataset == "default" and not include and not exclude:
        return None
    loaded = services.datasets()
    if dataset != "default" and dataset not in loaded:
        raise HTTPException(404, f"dataset {dataset!r} is not loaded")
    keep = {dataset} if dataset != "default" else set(loaded)
    if include:
        keep &= set(include)
    keep -= set(exclude)
    return keep


def _screen(
    screener: Screener,
    queries: list[Query],
    *,
    cutoff: float,
    limit: int,
    keep: set[str] | None,
    exclude_ids: set[str],
    schemas_out: set[str],
) -> list[Hit]:
    fetch = limit if keep is None and not exclude_ids and not schemas_out else max(limit * 10, 50)
    per_name = [screener.screen(q, threshold=cutoff, limit=fetch) for q in queries]
    hits = merge_hits(per_name) if len(per_name) > 1 else per_name[0]
    if keep is not None or exclude_ids or schemas_out:
        hits = [
            h
            for h in hits
            if (keep is None or h.dataset in keep)
            and h.entity_id not in exclude_ids
            and (not exclude_ids or result_id(h) not in exclude_ids)
            and KIND_SCHEMA.get(h.kind, "LegalEntity") not in schemas_out
        ]
    return hits[:limit]


@router.post(
    "/match/{dataset}",
    response_model=EntityMatchResponse,
    summary="Match entities (yente-compatible)",
    description=(
        "yente's match request and response. `dataset` is a loaded dataset code or "
        "`default` (all loaded lists). Results with `score >= threshold` have `match: true`; "
        "results below `cutoff` are left out. `weights`, `config` and algorithms other "
        "than `counterflow` are refused with 400 (see `/algorithms`). A query with "
        "identifiers and no name (a Vessel by `imoNumber`) is screened by them."
    ),
)
async def match(
    dataset: str,
    body: EntityMatchQuery,
    request: Request,
    _key: Screener_,
    limit: Annotated[int, Q(ge=1, le=500)] = 5,
    threshold: Annotated[float, Q(ge=0.0, le=1.0)] = 0.7,
    cutoff: Annotated[float, Q(ge=0.0, le=1.0)] = 0.5,
    algorithm: Annotated[
        str, Q(description="`counterflow` (also `best`, `default`); others are refused")
    ] = "counterflow",
    include_dataset: Annotated[list[str] | None, Q()] = None,
    exclude_dataset: Annotated[list[str] | None, Q()] = None,
    exclude_schema: Annotated[list[str] | None, Q()] = None,
    exclude_entity_ids: Annotated[list[str] | None, Q()] = None,
) -> Response:
    services = services_of(request)
    check_algorithm(algorithm, body.weights, body.config)  # refused, never ignored
    if len(body.queries) > MAX_QUERIES:
        raise HTTPException(400, f"at most {MAX_QUERIES} queries per request")
    exclude_ids = set(exclude_entity_ids or [])
    schemas_out = set(exclude_schema or [])
    budget = services.settings
    warnings: dict[str, list[str]] = {key: [] for key in body.queries}
    parsed = [
        (key, example, to_queries(key, example, warnings[key]))
        for key, example in body.queries.items()
    ]
    work = sum(len(qs) for _, _, qs in parsed) * limit
    if work > budget.match_max_work:
        raise BudgetExceeded(
            f"{sum(len(qs) for _, _, qs in parsed)} names x limit {limit} = {work:,} results "
            f"asked for; at most {budget.match_max_work:,} per request (split the queries "
            "or lower the limit)"
        )

    def run() -> dict[str, Any]:
        keep = _scope(services, dataset, include_dataset or [], exclude_dataset or [])
        screener = services.screener()
        responses: dict[str, Any] = {}
        features: set[str] = set()
        deadline = time.monotonic() + budget.match_budget_s
        for key, example, queries in parsed:
            if time.monotonic() > deadline:
                raise BudgetExceeded(
                    f"the request ran past its time budget of {budget.match_budget_s:g} s "
                    f"after {len(responses)} of {len(parsed)} queries; send fewer queries or "
                    "a smaller limit per request"
                )
            hits = _screen(
                screener,
                queries,
                cutoff=cutoff,
                limit=limit,
                keep=keep,
                exclude_ids=exclude_ids,
                schemas_out=schemas_out,
            )
            for h in hits:
                features.update(h.features)
            qname = queries[0].name
            results = [hit_result(h, threshold, qname) for h in hits]
            responses[key] = {
                "status": 200,
                "results": results,
                "total": {"value": len(results), "relation": "eq"},
                "query": example.model_dump(by_alias=True),
            }
            if warnings[key]:
                responses[key]["warnings"] = warnings[key]
        return {"responses": responses, "matcher": matcher_docs(features), "limit": limit}

    out = await services.off_loop(run)
    count_screenings("match", len(parsed))
    return _json(out)


async def _search(
    request: Request, dataset: str, q: str, limit: int, threshold: float, kind: str
) -> Response:
    services = services_of(request)
    text = " ".join(q.split())
    if not text:
        raise HTTPException(400, "q is empty")
    if len(text) > 500:
        raise HTTPException(400, "q is longer than 500 characters")
    query = Query(id="search", name=text, kind=kind)  # type: ignore[arg-type]

    def run() -> list[Hit]:
        keep = _scope(services, dataset, [], [])
        return _screen(
            services.screener(),
            [query],
            cutoff=threshold,
            limit=limit,
            keep=keep,
            exclude_ids=set(),
            schemas_out=set(),
        )

    hits = await services.off_loop(run)
    count_screenings("search")
    results = [hit_result(h, services.settings.threshold, text) for h in hits]
    return _json(
        {
            "results": results,
            "total": {"value": len(results), "relation": "eq"},
            "limit": limit,
            "offset": 0,
            "facets": {},
        }
    )


KindParam = Annotated[str, Q(pattern="^(person|organization|vessel|aircraft|any)$")]


@router.get("/search", response_model=SearchResponse, summary="Search the loaded lists by name")
async def search(
    request: Request,
    _key: Screener_,
    q: Annotated[str, Q(min_length=1, max_length=500)],
    limit: Annotated[int, Q(ge=1, le=100)] = 10,
    threshold: Annotated[float, Q(ge=0.0, le=1.0)] = 0.3,
    kind: KindParam = "any",
) -> Response:
    return await _search(request, "default", q, limit, threshold, kind)


@router.get(
    "/search/{dataset}", response_model=SearchResponse, summary="Search one dataset by name"
)
async def search_dataset(
    dataset: str,
    request: Request,
    _key: Screener_,
    q: Annotated[str, Q(min_length=1, max_length=500)],
    limit: Annotated[int, Q(ge=1, le=100)] = 10,
    threshold: Annotated[float, Q(ge=0.0, le=1.0)] = 0.3,
    kind: KindParam = "any",
) -> Response:
    return await _search(request, dataset, q, limit, threshold, kind)
