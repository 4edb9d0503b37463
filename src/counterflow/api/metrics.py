"""Prometheus metrics at ``GET /metrics`` (prometheus-client) and one JSON access-log line
per request.

Per-process counters (request latency by route, parties screened by endpoint) live in
prometheus-client's multiprocess files when ``PROMETHEUS_MULTIPROC_DIR`` is set
(``counterflow serve`` sets it for its workers), so any worker answers for all of them.
What the stores know is read when scraped, so it also counts work done by other
processes (a scheduled ``counterflow refresh``, the CLI): recorded screenings and alerts
raised by source, open alerts by status, and each list's age and size.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.concurrency import run_in_threadpool

from counterflow.api.limits import ASGIApp, Message, Receive, Scope, Send

REQUEST_SECONDS = Histogram(
    "counterflow_http_request_duration_seconds",
    "HTTP request latency by route template, method and status",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
SCREENINGS = Counter(
    "counterflow_screenings",
    "Parties screened by this service, by endpoint (match, search, parties, orders, mcp)",
    ["endpoint"],
)
access_log = logging.getLogger("counterflow.access")
router = APIRouter()


def count_screenings(endpoint: str, n: int = 1) -> None:
    if n > 0:
        SCREENINGS.labels(endpoint).inc(n)


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"


class Metrics:
    """ASGI middleware: times each HTTP request into ``REQUEST_SECONDS`` by route template
    (never the raw path, so ids do not blow up the label set) and logs it when the
    ``counterflow.access`` logger is on INFO."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            took = time.perf_counter() - start
            route = _route_of(scope)
            REQUEST_SECONDS.labels(scope["method"], route, str(status)).observe(took)
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                access_log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope.get("path", ""),
                        "route": route,
                        "status": status,
                        "duration_ms": round(took * 1000.0, 3),
                        "client": client[0] if client else None,
                    },
                )


class StoreCollector:
    """Metrics read from the review and list stores at scrape time."""

    def __init__(self, services: Any) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        s = self.services
        screened = CounterMetricFamily(
            "counterflow_recorded_screenings",
            "Queries screened in recorded runs (all processes), by run source and kind",
            labels=["source", "kind"],
        )
        raised = CounterMetricFamily(
            "counterflow_alerts_raised",
            "Alerts raised by recorded runs (all processes), by run source",
            labels=["source"],
        )
        with s.review.backend.read() as tx:
            rows = tx.all(
                "SELECT source, kind, SUM(n_queries) AS q, SUM(n_alerts) AS a"
                " FROM runs GROUP BY source, kind"
            )
        by_source: dict[str, int] = {}
        for r in rows:
            screened.add_metric([r["source"], r["kind"]], int(r["q"] or 0))
            by_source[r["source"]] = by_source.get(r["source"], 0) + int(r["a"] or 0)
        for source, n in sorted(by_source.items()):
            raised.add_metric([source], n)
        yield screened
        yield raised
        alerts = GaugeMetricFamily(
            "counterflow_alerts", "Alerts in the review store by status", labels=["status"]
        )
        for status, n in s.review.count_alerts().items():
            alerts.add_metric([status], n)
        yield alerts
        age = GaugeMetricFamily(
            "counterflow_list_age_seconds",
            "Seconds since the list version in force was loaded",
            labels=["dataset", "version"],
        )
        records = GaugeMetricFamily(
            "counterflow_list_records", "Records in the list version in force", labels=["dataset"]
        )
        now = datetime.now(UTC)
        for info in s.lists_status():
            loaded = _parse_time(info.loaded_at)
            if loaded is not None:
                age.add_metric([info.dataset, info.version], (now - loaded).total_seconds())
            records.add_metric([info.dataset], info.records)
        yield age
        yield records


def _parse_time(value: str) -> datetime | None:
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def exposition(services: Any) -> bytes:
    """The text exposition: this process's (or every worker's) metrics, then the stores'."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        base = CollectorRegistry()
        MultiProcessCollector(base)  # type: ignore[no-untyped-call]
        out = generate_latest(base)
    else:
        out = generate_latest(REGISTRY)
    stores = CollectorRegistry(auto_describe=False)
    stores.register(StoreCollector(services))
    return out + generate_latest(stores)


@router.get(
    "/metrics",
    tags=["service"],
    summary="Prometheus metrics (no key unless COUNTERFLOW_METRICS_KEY=1)",
)
async def metrics(request: Request) -> Response:
    services = request.app.state.services
    if services.settings.metrics_need_key:
        from counterflow.api.auth import check, parse_header

        token = parse_header(request.headers.get("authorization"))
        check(services, services.key(token) if token else None, "screener")
    body = await run_in_threadpool(exposition, services)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
